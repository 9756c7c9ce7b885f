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
from .corpus import Card, candidate_pages, card_for, page_models, to_document
from .engine import IndexUpdate, RelatedIndex
from .models import PendingRefresh, RecommenderModel, RecommenderRun, RelatedArticle
from .services import (
    EditorChoices,
    ListBuilder,
    cached_index,
    cards_from_json,
    rebuild_all,
    remember_index,
    site_settings,
)

logger = logging.getLogger(__name__)
BATCH = 200


def mark_pending(page_id: int) -> None:
    PendingRefresh.objects.update_or_create(
        page_id=page_id, defaults={"requested_at": timezone.now()}
    )


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
            Refresher().refresh([item.page_id for item in batch])
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
    def __init__(self):
        self.models = {m.locale_id: m for m in RecommenderModel.objects.filter(is_active=True)}
        self.dirty: set[int] = set()

    def refresh(self, page_ids: list[int]) -> None:
        with transaction.atomic():
            for page_id in page_ids:
                page = live_candidate(page_id)
                if page is None:
                    self.remove(page_id)
                else:
                    self.update(page)
            self.save()

    def index_for(self, locale_id: int) -> RelatedIndex | None:
        model = self.models.get(locale_id)
        return cached_index(model) if model else None

    def update(self, page) -> None:
        index = self.index_for(page.locale_id)
        if index is None:
            raise ModelUnusable(f"the active model for locale {page.locale_id} cannot be loaded")
        card = card_for(page)
        update = index.add_or_update(to_document(page))
        self.store(self.models[page.locale_id], index, update, {page.pk: card})
        snapshot = {k: v for k, v in asdict(card).items() if k not in {"date", "locale_id"}}
        RelatedArticle.objects.filter(target_id=page.pk).update(**snapshot)

    def remove(self, page_id: int) -> None:
        RelatedArticle.objects.filter(target_id=page_id).delete()
        RelatedArticle.objects.filter(source_id=page_id).delete()
        for model in self.models.values():
            index = cached_index(model)
            if index is not None and page_id in index:
                model.cards.pop(str(page_id), None)
                self.store(model, index, index.remove(page_id), {})

    def store(self, model, index: RelatedIndex, update: IndexUpdate, fresh: dict[int, Card]):
        lists = dict(update.changed)
        if update.id in index:
            lists[update.id] = update.neighbours
        choices = EditorChoices.load(lists)
        cards = cards_from_json(model.cards) | fresh
        builder = ListBuilder(cards, choices, site_settings(), model.version)
        rows = [
            RelatedArticle(**slot)
            for source, listing in lists.items()
            for slot in builder.slots(source, listing, index)
        ]
        RelatedArticle.objects.filter(source_id__in=list(lists)).delete()
        RelatedArticle.objects.bulk_create(rows)
        for pk, card in fresh.items():
            model.cards[str(pk)] = {**asdict(card), "date": str(card.date or "")}
        self.dirty.add(model.locale_id)

    def save(self) -> None:
        for locale_id in self.dirty:
            model = self.models[locale_id]
            index = cached_index(model)
            model.artifact = index.to_bytes()
            model.documents = len(index)
            model.save(update_fields=["artifact", "documents", "cards", "updated_at"])
            remember_index(model, index)


def process_pending_quietly() -> None:
    """In-process refresh for sites without a worker; a busy lock leaves the rows for later."""
    try:
        process_pending()
    except runs.RecommenderBusy as busy:
        logger.info("Refresh deferred: %s", busy)
