"""A full retrain in three steps that workers can share.

``prepare_retrain`` fits one index per locale and stores it with the card data;
``compute_chunk`` writes staged lists for a range of documents; ``finish_retrain`` swaps every
staged list in, in one transaction, so readers never see a half-built set of lists.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import IntegrityError, connection, models, transaction
from django.db.models import Count
from django.utils import timezone
from wagtail.models import Site

from . import conf, runs
from .cards import cards_to_json
from .changes import announce, changed_by_swap
from .corpus import all_candidates, extract
from .engine import ArtifactMismatch, RelatedIndex
from .engine.topk import TopK
from .lists import EditorChoices, ListBuilder
from .model_cache import load_model, remember, signing_key
from .models import (
    PendingRefresh,
    RecommenderModel,
    RecommenderRun,
    RecommenderSettings,
    RelatedArticle,
    StagedNeighbours,
    StagedRelatedArticle,
)

logger = logging.getLogger(__name__)
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


def prepare_retrain(run: RecommenderRun, progress: Progress | None = None) -> list[Chunk]:
    config = RecommenderSettings.for_default_site().engine_config()
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
            artifact=index.to_bytes(signing_key()),
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
    """Lists of the chunk's own documents against the whole corpus, staged for the swap."""
    model = RecommenderModel.objects.defer("artifact", "cards", "neighbours")
    model = model.filter(pk=chunk.model_id).first()
    if model is None or not runs.is_running(chunk.run_id) or already_staged(chunk):
        logger.info(
            "Skipping chunk %s of run %s: done or no longer wanted", chunk.start, chunk.run_id
        )
        return 0
    runs.chunk_started(chunk.run_id)
    began = time.perf_counter()
    loaded = load_model(model)
    if loaded is None:
        raise ArtifactMismatch(f"candidate model {model.version} cannot be loaded")
    block = loaded.index.neighbour_block(chunk.start, chunk.stop)
    lists = loaded.index.block_lists(block, chunk.start)
    settings = RecommenderSettings.for_default_site()
    builder = ListBuilder(loaded.cards, EditorChoices.load(lists), settings, model.version)
    staged = builder.slots(lists, loaded.index)
    try:
        stage(chunk, block, staged, time.perf_counter() - began)
    except IntegrityError:
        if runs.is_running(chunk.run_id) and not already_staged(chunk):
            raise
        logger.info(
            "Chunk %s of run %s: staged by another delivery, or the run ended",
            chunk.start,
            chunk.run_id,
        )
        return 0
    return len(staged)


def already_staged(chunk: Chunk) -> bool:
    return StagedNeighbours.objects.filter(model_id=chunk.model_id, start=chunk.start).exists()


def stage(chunk: Chunk, block: TopK, slots: list[dict], compute_seconds: float) -> None:
    """Write one chunk's lists and table block, all or nothing, counting it once."""
    began = time.perf_counter()
    with transaction.atomic():
        StagedNeighbours.objects.create(  # first: a second delivery of the chunk stops here
            run_id=chunk.run_id,
            model_id=chunk.model_id,
            start=chunk.start,
            stop=chunk.stop,
            table=block.to_bytes(),
        )
        write_slots(StagedRelatedArticle, slots, run_id=chunk.run_id)
        runs.chunk_finished(chunk.run_id, compute_seconds, time.perf_counter() - began)


def write_slots(model, slots: list[dict], **common) -> None:
    """Insert many slot rows: COPY with psycopg 3 (several times faster), bulk_create elsewhere."""
    if slots and connection.vendor == "postgresql" and psycopg3():
        copy_slots(model, slots, common)
    else:
        model.objects.bulk_create([model(**slot, **common) for slot in slots], batch_size=2000)


def psycopg3() -> bool:
    from django.db.backends.postgresql.psycopg_any import is_psycopg3

    return is_psycopg3


def copy_slots(model, slots: list[dict], common: dict) -> None:
    from psycopg.types.json import Jsonb

    names = [*slots[0], *common]
    fields = [model._meta.get_field(name) for name in names]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    is_json = [isinstance(field, models.JSONField) for field in fields]
    table = connection.ops.quote_name(model._meta.db_table)
    statement = f"COPY {table} ({columns}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for slot in slots:
            row = {**slot, **common}
            copy.write_row(
                [Jsonb(row[n]) if j else row[n] for n, j in zip(names, is_json, strict=True)]
            )


def finish_retrain(run_id: int) -> RecommenderRun | None:
    with transaction.atomic():
        run = RecommenderRun.objects.select_for_update().get(pk=run_id)
        if run.status != RecommenderRun.Status.RUNNING:
            logger.warning(
                "Run %s ended before its lists were swapped in; keeping old lists", run_id
            )
            return None
        candidates = list(
            RecommenderModel.objects.filter(run_id=run_id).defer("artifact", "cards", "neighbours")
        )
        missing = [model.version for model in candidates if not assemble_neighbours(run, model)]
        if missing:
            runs.fail_run(run_id, runs.CHUNK_FAILED)
            logger.error("Run %s lacks chunks of %s; keeping old lists", run_id, missing)
            return None
        RecommenderModel.objects.filter(is_active=True).update(is_active=False)
        RecommenderModel.objects.filter(run_id=run_id).update(is_active=True)
        announce(changed_by_swap(run_id), run.trigger)  # sent after commit, if any changed
        RelatedArticle.objects.all().delete()
        copy_staged(run_id)
        StagedRelatedArticle.objects.filter(run_id=run_id).delete()
        StagedNeighbours.objects.filter(run_id=run_id).delete()
        PendingRefresh.objects.filter(requested_at__lt=run.started_at).delete()
        prune_models()
        slots = RecommenderSettings.for_default_site().slots
        runs.finish_run(
            run,
            model_version=", ".join(m.version for m in candidates)[:40],
            coverage=coverage(run.documents, slots),
        )
    return run


def assemble_neighbours(run: RecommenderRun, model: RecommenderModel) -> bool:
    """Stack the chunks' blocks into the model's table; False if a block is missing."""
    blocks = StagedNeighbours.objects.filter(run=run, model=model).order_by("start")
    parts, expected = [], 0
    for block in blocks:
        if block.start != expected:
            return False
        parts.append(TopK.from_bytes(bytes(block.table)))
        expected = block.stop
    if expected != model.documents:
        return False
    if parts:
        table = TopK.stack(parts).to_bytes()
        RecommenderModel.objects.filter(pk=model.pk).update(neighbours=table)
    return True


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
