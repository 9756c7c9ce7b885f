"""Build, refresh and read the stored related-article lists."""

from __future__ import annotations

import logging
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone
from wagtail.models import Page, Site

from . import conf
from .corpus import Card, all_candidates, card_for, to_document
from .engine import ArtifactMismatch, EngineConfig, Neighbour, RelatedIndex
from .models import (
    ExcludedRelatedPage,
    PinnedRelatedPage,
    RecommenderModel,
    RecommenderSettings,
    RelatedArticle,
)

logger = logging.getLogger(__name__)
EXPLAINED_PER_PAGE = 6
SHARED_TERMS = 5
CANDIDATE_MARGIN = 8
Progress = Callable[[int], None]


@dataclass
class BuildSummary:
    documents: int = 0
    vocabulary: int = 0
    seconds: float = 0.0
    coverage: float = 0.0
    versions: list[str] = field(default_factory=list)


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
    """Turns engine neighbours into stored rows: pins, similar pages, then fallbacks."""

    def __init__(self, cards: dict[int, Card], choices: EditorChoices, settings, version: str):
        self.cards = cards
        self.choices = choices
        self.settings = settings
        self.version = version
        self.stored = conf.get("RECOMMENDER_STORED_PER_PAGE")
        self.recent = sorted(cards, key=lambda pk: (card_date(cards[pk]), pk), reverse=True)
        self.by_category = defaultdict(list)
        for pk in self.recent:
            self.by_category[cards[pk].category].append(pk)

    def rows(self, source_id: int, neighbours: list[Neighbour], index=None) -> list[RelatedArticle]:
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
            self.row(source_id, target, reason, score, rank, index)
            for rank, (target, reason, score) in enumerate(entries[: self.stored], start=1)
        ]

    def pins(self, source_id: int, excluded: set[int]) -> list[int]:
        pins = self.choices.pins.get(source_id, [])
        return [pk for pk in dict.fromkeys(pins) if pk in self.cards and pk not in excluded]

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
        age = (timezone.now().date() - card_date(self.cards[neighbour.id])).days
        freshness = 0.5 ** (max(age, 0) / self.settings.recency_half_life_days)
        return neighbour.score * (1 + self.settings.recency_boost * freshness)

    def fallback(self, card: Card, taken: set[int], wanted: int):
        if wanted <= 0:
            return []
        found = []
        pools = [
            (
                RelatedArticle.Reason.CATEGORY,
                self.by_category.get(card.category, []) if card.category else [],
            ),
            (RelatedArticle.Reason.RECENT, self.recent),
        ]
        for reason, pool in pools:
            for pk in pool:
                if len(found) == wanted:
                    return found
                if pk not in taken and self.cards[pk].locale_id == card.locale_id:
                    found.append((pk, reason, 0.0))
                    taken.add(pk)
        return found

    def row(self, source_id, target_id, reason, score, rank, index) -> RelatedArticle:
        card = self.cards[target_id]
        terms = []
        if (
            index is not None
            and reason == RelatedArticle.Reason.SIMILAR
            and rank <= EXPLAINED_PER_PAGE
        ):
            terms = [term for term, _ in index.explain(source_id, target_id, n=SHARED_TERMS)]
        return RelatedArticle(
            source_id=source_id,
            target_id=target_id,
            rank=rank,
            score=round(float(score), 6),
            reason=reason,
            shared_terms=terms,
            model_version=self.version if reason == RelatedArticle.Reason.SIMILAR else "",
            title=card.title,
            url=card.url,
            excerpt=card.excerpt,
            category=card.category,
            thumbnail_url=card.thumbnail_url,
        )


def card_date(card: Card) -> date:
    value = card.date
    if isinstance(value, datetime):
        return value.date()
    return value or date.min


def new_version() -> str:
    return f"{timezone.now():%Y%m%d%H%M%S}-{uuid.uuid4().hex[:8]}"


def collect(progress: Progress | None = None):
    documents, cards = defaultdict(list), {}
    for page in all_candidates():
        card = card_for(page)
        cards[page.pk] = card
        documents[card.locale_id].append(to_document(page))
        if progress:
            progress(1)
    return documents, cards


def rebuild_all(progress: Progress | None = None) -> BuildSummary:
    started = time.perf_counter()
    settings = site_settings()
    config = engine_config(settings)
    documents, cards = collect(progress)
    choices = EditorChoices.load()
    summary, rows, models = BuildSummary(documents=len(cards)), [], []
    for locale_id, locale_documents in documents.items():
        index = RelatedIndex.fit(locale_documents, config)
        version = new_version()
        builder = ListBuilder(cards, choices, settings, version)
        for doc_id, neighbours in index.neighbours().items():
            rows += builder.rows(doc_id, neighbours, index)
        models.append(stored_model(index, locale_id, version, config))
        summary.vocabulary += len(index.space.vocabulary)
        summary.versions.append(version)
    replace_everything(models, rows)
    summary.seconds = time.perf_counter() - started
    summary.coverage = coverage(rows, len(cards), settings.slots)
    return summary


def stored_model(index: RelatedIndex, locale_id: int, version: str, config: EngineConfig):
    return RecommenderModel(
        version=version,
        locale_id=locale_id,
        documents=len(index),
        vocabulary=len(index.space.vocabulary),
        params=config.to_dict(),
        artifact=index.to_bytes(),
    )


def replace_everything(models: list[RecommenderModel], rows: list[RelatedArticle]) -> None:
    with transaction.atomic():
        RecommenderModel.objects.filter(is_active=True).update(is_active=False)
        for model in models:
            model.is_active = True
            model.save()
        RelatedArticle.objects.all().delete()
        RelatedArticle.objects.bulk_create(rows, batch_size=2000)
        stale = RecommenderModel.objects.filter(is_active=False).order_by("-created_at")[3:]
        RecommenderModel.objects.filter(pk__in=[m.pk for m in stale]).delete()


def coverage(rows: list[RelatedArticle], documents: int, slots: int) -> float:
    if not documents:
        return 0.0
    per_source = defaultdict(int)
    for row in rows:
        per_source[row.source_id] += 1
    return sum(1 for count in per_source.values() if count >= slots) / documents


def related_for(page: Page, slots: int) -> list[RelatedArticle]:
    return list(RelatedArticle.objects.filter(source_id=page.pk).order_by("rank")[:slots])


def load_index(model: RecommenderModel) -> RelatedIndex | None:
    try:
        return RelatedIndex.from_bytes(bytes(model.artifact))
    except ArtifactMismatch as exc:
        logger.warning(
            "Recommender model %s is unusable (%s); a full rebuild is needed", model, exc
        )
        return None


def forget_page(page_id: int) -> int:
    """Drop a page from every stored list at once: it was unpublished, made private or deleted."""
    deleted, _ = RelatedArticle.objects.filter(target_id=page_id).delete()
    RelatedArticle.objects.filter(source_id=page_id).delete()
    if deleted:
        logger.info("Removed page %s from %s related list(s)", page_id, deleted)
    return deleted


def refresh_page(page_id: int) -> None:
    """Recompute one page's list and the lists that should now include it (or drop it)."""
    from .refresh import IncrementalRefresh

    IncrementalRefresh(page_id).run()
