"""Incremental upkeep of the stored lists when one page is published, changed or removed."""

from __future__ import annotations

import logging
from dataclasses import asdict

from django.db import transaction
from wagtail.models import Page

from .corpus import Card, candidate_pages, card_for, page_models, to_document
from .engine import IndexUpdate, RelatedIndex
from .models import RecommenderModel, RelatedArticle
from .services import EditorChoices, ListBuilder, load_index, rebuild_all, site_settings

logger = logging.getLogger(__name__)
FALLBACK_POOL = 40
_loaded: dict[int, tuple[object, RelatedIndex]] = {}


def cached_index(model: RecommenderModel) -> RelatedIndex | None:
    cached = _loaded.get(model.pk)
    if cached and cached[0] == model.updated_at:
        return cached[1]
    index = load_index(model)
    if index is not None:
        _loaded.clear()
        _loaded[model.pk] = (model.updated_at, index)
    return index


def live_candidate(page_id: int) -> Page | None:
    for model in page_models():
        page = candidate_pages(model).filter(pk=page_id).first()
        if page is not None:
            return page
    return None


def cards_for(ids: set[int], locale_id: int) -> dict[int, Card]:
    cards = {}
    for model in page_models():
        pages = candidate_pages(model)
        for page in pages.filter(pk__in=ids):
            cards[page.pk] = card_for(page)
        for page in pages.filter(locale_id=locale_id).order_by("-first_published_at")[
            :FALLBACK_POOL
        ]:
            cards.setdefault(page.pk, card_for(page))
    return cards


class IncrementalRefresh:
    def __init__(self, page_id: int):
        self.page_id = page_id

    def run(self) -> None:
        page = live_candidate(self.page_id)
        if page is None:
            self.remove()
            return
        with transaction.atomic():
            model = self.active_model(page.locale_id)
            index = cached_index(model) if model else None
            if index is None:
                transaction.on_commit(rebuild_all)
                return
            update = index.add_or_update(to_document(page))
            self.store(model, index, update, page.locale_id)
            self.update_snapshots(card_for(page))

    def remove(self) -> None:
        with transaction.atomic():
            RelatedArticle.objects.filter(target_id=self.page_id).delete()
            RelatedArticle.objects.filter(source_id=self.page_id).delete()
            for model in RecommenderModel.objects.select_for_update().filter(is_active=True):
                index = cached_index(model)
                if index is not None and self.page_id in index:
                    self.store(model, index, index.remove(self.page_id), model.locale_id)

    def active_model(self, locale_id: int) -> RecommenderModel | None:
        models = RecommenderModel.objects.select_for_update().filter(is_active=True)
        return models.filter(locale_id=locale_id).first()

    def store(self, model, index: RelatedIndex, update: IndexUpdate, locale_id: int) -> None:
        lists = dict(update.changed)
        if update.neighbours or update.id in index:
            lists[update.id] = update.neighbours
        targets = {n.id for listing in lists.values() for n in listing} | set(lists)
        choices = EditorChoices.load(lists)
        targets |= {pk for pins in choices.pins.values() for pk in pins}
        builder = ListBuilder(
            cards_for(targets, locale_id), choices, site_settings(), model.version
        )
        rows = [
            row for source, listing in lists.items() for row in builder.rows(source, listing, index)
        ]
        RelatedArticle.objects.filter(source_id__in=list(lists)).delete()
        RelatedArticle.objects.bulk_create(rows)
        model.artifact = index.to_bytes()
        model.documents = len(index)
        model.save(update_fields=["artifact", "documents", "updated_at"])
        _loaded[model.pk] = (model.updated_at, index)

    def update_snapshots(self, card: Card) -> None:
        snapshot = {k: v for k, v in asdict(card).items() if k not in {"date", "locale_id"}}
        RelatedArticle.objects.filter(target_id=self.page_id).update(**snapshot)
