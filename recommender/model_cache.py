"""The trained models as this process holds them, kept in step with the database.

A model row stores a fitted index and its card data; ``IndexChange`` rows record every publish
or removal since. Each process loads a model once and replays the changes it has not seen, and
every ``COMPACT_EVERY`` changes the log is folded into the stored artifact.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from . import signing
from .cards import Card, cards_from_json, cards_to_json
from .engine import ARTIFACT_KIND, ArtifactMismatch, ArtifactRefused, Document, RelatedIndex
from .engine.topk import TopK
from .models import IndexChange, RecommenderModel

logger = logging.getLogger(__name__)
COMPACT_EVERY = 1000


@dataclass
class LoadedModel:
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
            index = RelatedIndex.from_bytes(bytes(model.artifact), verification_keys())
        except ArtifactRefused as exc:
            logger.error(
                "Recommender model %s refused, its signature did not verify (%s); nothing was "
                "loaded. Retrain with manage.py rebuild_related_articles (the next publish does)",
                model.version,
                exc,
            )
            return None
        except ArtifactMismatch as exc:
            logger.warning("Recommender model %s is unusable (%s); retrain needed", model, exc)
            return None
        remember(model, index, cards_from_json(model.cards))
        loaded = _loaded[model.pk]
    if not loaded.index.has_table and not adopt_neighbours(model, loaded.index):
        return None
    for change in IndexChange.objects.filter(model=model, pk__gt=loaded.applied):
        apply_change(loaded, change)
    return loaded


def adopt_neighbours(model: RecommenderModel, index: RelatedIndex) -> bool:
    """Give an index the table its retrain assembled; False if that table is unusable."""
    stored = RecommenderModel.objects.filter(pk=model.pk).values_list("neighbours", flat=True)
    data = stored.first()
    if data is None:
        return True  # a retrain still computing its chunks: lists come block by block
    try:
        index.adopt_table(TopK.from_bytes(bytes(data)))
    except ValueError as exc:
        logger.warning("Recommender model %s has an unusable table (%s)", model, exc)
        return False
    return True


def signing_key() -> bytes:
    return signing.signing_key(ARTIFACT_KIND)


def verification_keys() -> list[bytes]:
    return signing.verification_keys(ARTIFACT_KIND)


def load_index(model: RecommenderModel) -> RelatedIndex | None:
    loaded = load_model(model)
    return loaded.index if loaded else None


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
    model.artifact = loaded.index.to_bytes(signing_key())  # holds the current table
    model.neighbours = None
    model.cards = cards_to_json(loaded.cards)
    model.documents = len(loaded.index)
    model.compacted_through = loaded.applied
    fields = ["artifact", "neighbours", "cards", "documents", "compacted_through", "updated_at"]
    model.save(update_fields=fields)
    pending.delete()
    loaded.stamp = model.updated_at
