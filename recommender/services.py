"""Build, refresh and read the stored related-article lists.

A full retrain has three steps so that workers can share it: ``prepare_retrain`` fits one index
per locale and stores it with the card data; ``compute_chunk`` writes staged lists for a range
of documents; ``finish_retrain`` swaps every staged list in, in one transaction.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime

from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.functional import cached_property
from wagtail.models import Page, Site

from . import conf, runs
from .corpus import Card, all_candidates, extract
from .engine import ArtifactMismatch, Document, EngineConfig, Neighbour, RelatedIndex
from .models import (
    ExcludedRelatedPage,
    IndexChange,
    PendingRefresh,
    PinnedRelatedPage,
    RecommenderModel,
    RecommenderRun,
    RecommenderSettings,
    RelatedArticle,
    StagedRelatedArticle,
)

logger = logging.getLogger(__name__)
EXPLAINED_PER_PAGE = 6
SHARED_TERMS = 5
CANDIDATE_MARGIN = 8
KEEP_MODELS = 3
Progress = Callable[[int], None]


@dataclass
class BuildSummary:
    documents: int = 0
    vocabulary: int = 0
    seconds: float = 0.0
    coverage: float = 0.0
    versions: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Chunk:
    run_id: int
    model_id: int
    start: int
    stop: int


@dataclass
class EditorChoices:
    pins: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    excludes: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))

    @classmethod
    def load(cls, source_ids: Iterable[int] | None = None) -> EditorChoices:
        choices = cls()
        pins = PinnedRelatedPage.objects.order_by("source_id", "sort_order", "pk")
        excludes = ExcludedRelatedPage.objects.all()
        if source_ids is not None:
            pins = pins.filter(source_id__in=list(source_ids))
            excludes = excludes.filter(source_id__in=list(source_ids))
        for source_id, page_id in pins.values_list("source_id", "page_id"):
            choices.pins[source_id].append(page_id)
        for source_id, page_id in excludes.values_list("source_id", "page_id"):
            choices.excludes[source_id].add(page_id)
        return choices

    def pinned_ids(self) -> set[int]:
        return {pk for pins in self.pins.values() for pk in pins}


def site_settings() -> RecommenderSettings:
    site = Site.objects.filter(is_default_site=True).first()
    return RecommenderSettings.for_site(site) if site else RecommenderSettings()


def engine_config(settings: RecommenderSettings | None = None) -> EngineConfig:
    settings = settings or RecommenderSettings()
    return EngineConfig(
        field_weights=settings.field_weights(),
        top_k=conf.get("RECOMMENDER_STORED_PER_PAGE") + CANDIDATE_MARGIN,
    )


class ListBuilder:
    """Turns engine neighbours into slots: pins, similar pages, then fallbacks."""

    def __init__(self, cards: dict[int, Card], choices: EditorChoices, settings, version: str):
        self.cards = cards
        self.choices = choices
        self.settings = settings
        self.version = version
        self.stored = conf.get("RECOMMENDER_STORED_PER_PAGE")
        self.today = timezone.now().date()

    @cached_property
    def recent(self) -> list[int]:
        cards = self.cards
        return sorted(cards, key=lambda pk: (card_date(cards[pk]), pk), reverse=True)

    @cached_property
    def by_category(self) -> dict[str, list[int]]:
        grouped = defaultdict(list)
        for pk in self.recent:
            grouped[self.cards[pk].category].append(pk)
        return grouped

    def slots(self, source_id: int, neighbours: list[Neighbour], index=None) -> list[dict]:
        card = self.cards.get(source_id)
        if card is None:
            return []
        excluded = self.choices.excludes.get(source_id, set()) | {source_id}
        entries = [(pk, RelatedArticle.Reason.PINNED, 0.0) for pk in self.pins(source_id, excluded)]
        taken = excluded | {pk for pk, _, _ in entries}
        for neighbour in self.similar(neighbours, card, taken):
            entries.append((neighbour.id, RelatedArticle.Reason.SIMILAR, neighbour.score))
            taken.add(neighbour.id)
        entries += self.fallback(card, taken, self.settings.slots - len(entries))
        return [
            self.slot(source_id, target, reason, score, rank, index)
            for rank, (target, reason, score) in enumerate(entries[: self.stored], start=1)
        ]

    def pins(self, source_id: int, excluded: set[int]) -> list[int]:
        pins = list(dict.fromkeys(self.choices.pins.get(source_id, [])))
        for pk in pins:
            if pk not in self.cards:
                logger.info("Page %s pins page %s, which is not published; skipped", source_id, pk)
        return [pk for pk in pins if pk in self.cards and pk not in excluded]

    def similar(self, neighbours, card: Card, taken: set[int]) -> list[Neighbour]:
        kept = [
            n
            for n in neighbours
            if n.id not in taken
            and n.id in self.cards
            and not n.near_duplicate
            and n.score >= self.settings.min_score
            and self.cards[n.id].locale_id == card.locale_id
        ]
        if self.settings.recency_boost:
            kept.sort(key=lambda n: (-self.boosted(n), n.id))
        return kept

    def boosted(self, neighbour: Neighbour) -> float:
        age = (self.today - card_date(self.cards[neighbour.id])).days
        freshness = 0.5 ** (max(age, 0) / self.settings.recency_half_life_days)
        return neighbour.score * (1 + self.settings.recency_boost * freshness)

    def fallback(self, card: Card, taken: set[int], wanted: int) -> list[tuple]:
        found = []
        if wanted <= 0:
            return found
        same_category = self.by_category.get(card.category, []) if card.category else []
        for reason, pool in (
            (RelatedArticle.Reason.CATEGORY, same_category),
            (RelatedArticle.Reason.RECENT, self.recent),
        ):
            for pk in pool:
                if len(found) >= wanted:
                    return found
                if pk not in taken and self.cards[pk].locale_id == card.locale_id:
                    found.append((pk, reason, 0.0))
                    taken.add(pk)
        return found

    def slot(self, source_id, target_id, reason, score, rank, index) -> dict:
        card = self.cards[target_id]
        explain = index is not None and reason == RelatedArticle.Reason.SIMILAR
        terms = []
        if explain and rank <= EXPLAINED_PER_PAGE:
            terms = [term for term, _ in index.explain(source_id, target_id, n=SHARED_TERMS)]
        return {
            "source_id": source_id,
            "target_id": target_id,
            "rank": rank,
            "score": round(float(score), 6),
            "reason": reason,
            "shared_terms": terms,
            "model_version": self.version if reason == RelatedArticle.Reason.SIMILAR else "",
            "title": card.title,
            "url": card.url,
            "excerpt": card.excerpt,
            "category": card.category,
            "thumbnail_url": card.thumbnail_url,
        }


def card_date(card: Card) -> date:
    value = card.date
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        return value.date()
    return value or date.min


def cards_from_json(data: dict) -> dict[int, Card]:
    return {int(pk): Card(**values) for pk, values in data.items()}


def card_json(card: Card) -> dict:
    return {**asdict(card), "date": str(card.date or "")}


def cards_to_json(cards: dict[int, Card]) -> dict:
    return {str(pk): card_json(card) for pk, card in cards.items()}


def new_version() -> str:
    return f"{timezone.now():%Y%m%d%H%M%S}-{uuid.uuid4().hex[:8]}"


def collect(progress: Progress | None = None):
    documents, cards, roots = defaultdict(list), {}, Site.get_site_root_paths()
    for page in all_candidates():
        document, card = extract(page, roots)
        cards[page.pk] = card
        documents[card.locale_id].append(document)
        if progress:
            progress(1)
    return documents, cards


# full retrain --------------------------------------------------------------------------------


def prepare_retrain(run: RecommenderRun, progress: Progress | None = None) -> list[Chunk]:
    config = engine_config(site_settings())
    documents, cards = collect(progress)
    chunks, size = [], conf.get("RECOMMENDER_CHUNK_SIZE")
    for locale_id, locale_documents in documents.items():
        index = RelatedIndex.fit(locale_documents, config)
        locale_cards = {d.id: cards[d.id] for d in locale_documents}
        model = RecommenderModel.objects.create(
            version=new_version(),
            locale_id=locale_id,
            documents=len(index),
            vocabulary=index.space.n_features,
            params=config.to_dict(),
            artifact=index.to_bytes(),
            cards=cards_to_json(locale_cards),
            run=run,
        )
        remember(model, index, locale_cards)
        chunks += [
            Chunk(run.pk, model.pk, start, min(start + size, len(index)))
            for start in range(0, len(index), size)
        ]
        run.vocabulary += model.vocabulary
    run.documents = len(cards)
    run.chunks_total = len(chunks)
    run.save(update_fields=["documents", "vocabulary", "chunks_total"])
    return chunks


def compute_chunk(chunk: Chunk) -> int:
    if not runs.is_running(chunk.run_id):
        logger.info("Skipping chunk of run %s: the run is no longer active", chunk.run_id)
        return 0
    model = RecommenderModel.objects.get(pk=chunk.model_id)
    index = cached_index(model)
    if index is None:
        raise ArtifactMismatch(f"candidate model {model.version} cannot be loaded")
    ids = index.ids[chunk.start : chunk.stop]
    builder = ListBuilder(
        cards_from_json(model.cards), EditorChoices.load(ids), site_settings(), model.version
    )
    staged = [
        StagedRelatedArticle(run_id=chunk.run_id, **slot)
        for doc_id in ids
        for slot in builder.slots(doc_id, index.neighbours_of(doc_id), index)
    ]
    StagedRelatedArticle.objects.bulk_create(staged, batch_size=2000)
    runs.heartbeat(chunk.run_id, chunks_done=1)
    return len(staged)


def finish_retrain(run_id: int) -> RecommenderRun | None:
    with transaction.atomic():
        run = RecommenderRun.objects.select_for_update().get(pk=run_id)
        if run.status != RecommenderRun.Status.RUNNING:
            logger.warning(
                "Run %s ended before its lists were swapped in; keeping old lists", run_id
            )
            return None
        candidates = list(RecommenderModel.objects.filter(run_id=run_id))
        RecommenderModel.objects.filter(is_active=True).update(is_active=False)
        RecommenderModel.objects.filter(run_id=run_id).update(is_active=True)
        RelatedArticle.objects.all().delete()
        copy_staged(run_id)
        StagedRelatedArticle.objects.filter(run_id=run_id).delete()
        PendingRefresh.objects.filter(requested_at__lt=run.started_at).delete()
        prune_models()
        slots = site_settings().slots
        runs.finish_run(
            run,
            model_version=", ".join(m.version for m in candidates)[:40],
            coverage=coverage(run.documents, slots),
        )
    return run


def copy_staged(run_id: int) -> None:
    columns = [f.column for f in RelatedArticle._meta.concrete_fields if not f.primary_key]
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    live, staged = RelatedArticle._meta.db_table, StagedRelatedArticle._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {live} ({names}) SELECT {names} FROM {staged} WHERE run_id = %s",
            [run_id],
        )


def prune_models() -> None:
    stale = RecommenderModel.objects.filter(is_active=False).values_list("pk", flat=True)
    RecommenderModel.objects.filter(pk__in=list(stale[KEEP_MODELS:])).delete()


def full_lists(slots: int) -> int:
    """How many pages have at least ``slots`` stored suggestions (counted in the database)."""
    rows = RelatedArticle.objects.values("source_id").annotate(n=Count("id"))
    return rows.filter(n__gte=slots).count()


def coverage(documents: int, slots: int) -> float:
    return full_lists(slots) / documents if documents else 0.0


def rebuild_all(progress: Progress | None = None, trigger: str = "command") -> BuildSummary:
    """The whole retrain in this process (the command line, tests, a site with no worker)."""
    run = runs.start_run(RecommenderRun.Kind.FULL, trigger)
    try:
        for chunk in prepare_retrain(run, progress):
            compute_chunk(chunk)
        finish_retrain(run.pk)
    except BaseException as exc:
        runs.fail_run(run.pk, f"{type(exc).__name__}: {exc}")
        raise
    run.refresh_from_db()
    return BuildSummary(
        documents=run.documents,
        vocabulary=run.vocabulary,
        seconds=run.duration_seconds or 0.0,
        coverage=run.coverage or 0.0,
        versions=list(RecommenderModel.objects.filter(run=run).values_list("version", flat=True)),
    )


# reading and loading ------------------------------------------------------------------------

COMPACT_EVERY = 1000


@dataclass
class LoadedModel:
    """A model as one worker holds it: index and cards with every stored change applied."""

    index: RelatedIndex
    cards: dict[int, Card]
    applied: int
    stamp: object


_loaded: dict[int, LoadedModel] = {}


def remember(model: RecommenderModel, index: RelatedIndex, cards: dict[int, Card]) -> None:
    _loaded.clear()
    _loaded[model.pk] = LoadedModel(index, cards, model.compacted_through, model.updated_at)


def forget_loaded() -> None:
    _loaded.clear()


def load_model(model: RecommenderModel) -> LoadedModel | None:
    loaded = _loaded.get(model.pk)
    if loaded is None or loaded.stamp != model.updated_at:
        try:
            index = RelatedIndex.from_bytes(bytes(model.artifact))
        except ArtifactMismatch as exc:
            logger.warning("Recommender model %s is unusable (%s); retrain needed", model, exc)
            return None
        remember(model, index, cards_from_json(model.cards))
        loaded = _loaded[model.pk]
    for change in IndexChange.objects.filter(model=model, pk__gt=loaded.applied):
        apply_change(loaded, change)
    return loaded


def apply_change(loaded: LoadedModel, change: IndexChange) -> None:
    if change.document is None:
        loaded.cards.pop(change.page_id, None)
        if change.page_id in loaded.index:
            loaded.index.remove(change.page_id)
    else:
        loaded.index.add_or_update(Document(**change.document))
        loaded.cards[change.page_id] = Card(**change.card)
    loaded.applied = change.pk


def compact(model: RecommenderModel, loaded: LoadedModel) -> None:
    """Fold the change log into the artifact once it has grown long."""
    pending = IndexChange.objects.filter(model=model, pk__lte=loaded.applied)
    if pending.count() < COMPACT_EVERY:
        return
    model.artifact = loaded.index.to_bytes()
    model.cards = cards_to_json(loaded.cards)
    model.documents = len(loaded.index)
    model.compacted_through = loaded.applied
    model.save(update_fields=["artifact", "cards", "documents", "compacted_through", "updated_at"])
    pending.delete()
    loaded.stamp = model.updated_at


def cached_index(model: RecommenderModel) -> RelatedIndex | None:
    loaded = load_model(model)
    return loaded.index if loaded else None


def related_for(page: Page, slots: int) -> list[RelatedArticle]:
    return list(RelatedArticle.objects.filter(source_id=page.pk).order_by("rank")[:slots])


def forget_page(page_id: int) -> int:
    """Drop a page from every stored list at once: it was unpublished, made private or deleted."""
    deleted, _ = RelatedArticle.objects.filter(target_id=page_id).delete()
    RelatedArticle.objects.filter(source_id=page_id).delete()
    if deleted:
        logger.info("Removed page %s from %s related list(s)", page_id, deleted)
    return deleted
