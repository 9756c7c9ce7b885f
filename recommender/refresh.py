"""Incremental upkeep: pages published, changed or removed since the last full retrain.

Publishing writes a ``PendingRefresh`` row in the same transaction, so nothing is lost when the
broker is down; ``process_pending`` consumes the rows in batches, so bursts coalesce.
"""

from __future__ import annotations

import logging
from dataclasses import asdict

from django.db import transaction
from django.utils import timezone

from . import runs
from .cards import card_json
from .changes import ListChanges, announce
from .corpus import candidate_pages, extract, page_models
from .engine import IndexUpdate
from .lists import EditorChoices, ListBuilder
from .model_cache import compact, forget_loaded, load_model
from .models import (
    IndexChange,
    PendingRefresh,
    RecommenderModel,
    RecommenderRun,
    RecommenderSettings,
    RelatedArticle,
)
from .retrain import rebuild_all

logger = logging.getLogger(__name__)
BATCH = 200


def mark_pending(page_id: int) -> None:
    PendingRefresh.objects.update_or_create(
        page_id=page_id, defaults={"requested_at": timezone.now()}
    )


def forget_page(page_id: int, trigger: str = "unpublish") -> int:
    """Drop a page from every stored list at once: it was unpublished, made private or deleted.

    ``related_lists_changed`` names the pages that showed it, and the page itself if it had a
    list, once the transaction commits.
    """
    return forget_pages([page_id], trigger)


def forget_pages(page_ids: list[int], trigger: str = "unpublish") -> int:
    """``forget_page`` for several pages, with one ``related_lists_changed`` for all of them."""
    changes = ListChanges()
    deleted = sum(delete_page_rows(page_id, changes) for page_id in page_ids)
    announce(changes.changed(), trigger)
    return deleted


def delete_page_rows(page_id: int, changes: ListChanges) -> int:
    changes.watch_showing(page_id)
    changes.watch([page_id])
    deleted, _ = RelatedArticle.objects.filter(target_id=page_id).delete()
    RelatedArticle.objects.filter(source_id=page_id).delete()
    if deleted:
        logger.info("Removed page %s from %s related list(s)", page_id, deleted)
    return deleted


def process_pending(trigger: str = "publish") -> int:
    """Refresh every pending page under the run lock; returns how many pages were handled."""
    if not PendingRefresh.objects.exists():
        return 0
    if not RecommenderModel.objects.filter(is_active=True).exists():
        PendingRefresh.objects.all().delete()
        rebuild_all(trigger="first-publish")
        return 0
    run = runs.start_run(RecommenderRun.Kind.INCREMENTAL, trigger)
    handled = 0
    try:
        while batch := list(PendingRefresh.objects.order_by("requested_at")[:BATCH]):
            Refresher(trigger).refresh([item.page_id for item in batch])
            for item in batch:
                PendingRefresh.objects.filter(pk=item.pk, requested_at=item.requested_at).delete()
            handled += len(batch)
            runs.heartbeat(run.pk)
    except ModelUnusable as exc:
        runs.fail_run(run.pk, f"{exc}; retraining from scratch")
        rebuild_all(trigger="unusable-model")
        return handled
    except BaseException as exc:
        runs.fail_run(run.pk, f"{type(exc).__name__}: {exc}")
        raise
    runs.finish_run(run, pages=handled)
    return handled


class ModelUnusable(Exception):
    """The stored model is missing, corrupt or from other library versions."""


def live_candidate(page_id: int):
    for model in page_models():
        page = candidate_pages(model).filter(pk=page_id).first()
        if page is not None:
            return page
    return None


class Refresher:
    """Applies page changes to the active models and rewrites the lists they touch.

    Each ``refresh`` call is one batch: one ``related_lists_changed`` after it commits, naming
    the pages whose shown lists it changed.
    """

    def __init__(self, trigger: str = "publish"):
        self.trigger = trigger
        self.changes: ListChanges  # the lists of the batch in progress, set by ``refresh``
        models = RecommenderModel.objects.filter(is_active=True).defer(
            "artifact", "cards", "neighbours"
        )
        self.models = {model.locale_id: model for model in models}
        self.settings = RecommenderSettings.for_default_site()
        self.documents: dict[int, int] = {}  # model pk -> documents, for the models changed

    def refresh(self, page_ids: list[int]) -> None:
        self.changes = ListChanges()
        try:
            with transaction.atomic():
                for page_id in page_ids:
                    page = live_candidate(page_id)
                    if page is None:
                        self.remove(page_id)
                    else:
                        self.update(page)
                self.touch()
                announce(self.changes.changed(), self.trigger)
        except BaseException:
            forget_loaded()  # the in-memory copies may hold changes that were rolled back
            raise
        for model in self.models.values():
            loaded = load_model(model)
            if loaded is not None:
                compact(model, loaded)

    def touch(self) -> None:
        """Keep the changed model rows' figures current without changing the stored artifact."""
        now = timezone.now()
        for pk, documents in self.documents.items():
            RecommenderModel.objects.filter(pk=pk).update(documents=documents, refreshed_at=now)

    def update(self, page) -> None:
        model = self.models.get(page.locale_id)
        loaded = load_model(model) if model else None
        if loaded is None:
            raise ModelUnusable(f"the active model for locale {page.locale_id} cannot be loaded")
        document, card = extract(page)
        update = loaded.index.add_or_update(document)
        loaded.cards[page.pk] = card
        self.record(model, loaded, page.pk, asdict(document), card_json(card))
        self.store(model, loaded, update)
        snapshot = {k: v for k, v in asdict(card).items() if k not in {"date", "locale_id"}}
        self.changes.watch_showing(page.pk)
        RelatedArticle.objects.filter(target_id=page.pk).update(**snapshot)

    def remove(self, page_id: int) -> None:
        delete_page_rows(page_id, self.changes)
        for model in self.models.values():
            loaded = load_model(model)
            if loaded is not None and page_id in loaded.index:
                loaded.cards.pop(page_id, None)
                update = loaded.index.remove(page_id)
                self.record(model, loaded, page_id, None, None)
                self.store(model, loaded, update)

    def record(self, model, loaded, page_id: int, document, card) -> None:
        change = IndexChange.objects.create(
            model=model, page_id=page_id, document=document, card=card
        )
        loaded.applied = change.pk
        self.documents[model.pk] = len(loaded.index)

    def store(self, model, loaded, update: IndexUpdate) -> None:
        lists = dict(update.changed)
        if update.id in loaded.index:
            lists[update.id] = update.neighbours
        choices = EditorChoices.load(lists)
        builder = ListBuilder(loaded.cards, choices, self.settings, model.version)
        rows = [RelatedArticle(**slot) for slot in builder.slots(lists, loaded.index)]
        self.changes.watch(lists)
        RelatedArticle.objects.filter(source_id__in=list(lists)).delete()
        RelatedArticle.objects.bulk_create(rows)


def process_pending_quietly() -> None:
    """In-process refresh for sites without a worker; a busy lock leaves the rows for later."""
    try:
        process_pending()
    except runs.RecommenderBusy as busy:
        logger.info("Refresh deferred: %s", busy)
