"""Turn engine neighbours into stored slots: pins first, then similar pages, then fallbacks."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.functional import cached_property

from . import conf
from .cards import Card, card_date
from .engine import Neighbour
from .models import ExcludedRelatedPage, PinnedRelatedPage, RelatedArticle

logger = logging.getLogger(__name__)
EXPLAINED_PER_PAGE = 6
SHARED_TERMS = 5


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


class ListBuilder:
    """Builds the slots of one page's list from its neighbours and the editors' choices."""

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

    def slots(self, lists: dict[int, list[Neighbour]], index=None) -> list[dict]:
        """The stored slots of every page in ``lists`` (page id -> its engine neighbours)."""
        chosen = {source: self.entries(source, neighbours) for source, neighbours in lists.items()}
        explained = [
            (source, target)
            for source, entries in chosen.items()
            for rank, (target, reason, _) in enumerate(entries, start=1)
            if reason == RelatedArticle.Reason.SIMILAR and rank <= EXPLAINED_PER_PAGE
        ]
        terms = {}
        if index is not None and explained:
            found = index.explain_pairs(explained, n=SHARED_TERMS)
            terms = {
                pair: [term for term, _ in shared]
                for pair, shared in zip(explained, found, strict=True)
            }
        return [
            self.slot(source, target, reason, score, rank, terms.get((source, target), []))
            for source, entries in chosen.items()
            for rank, (target, reason, score) in enumerate(entries, start=1)
        ]

    def entries(self, source_id: int, neighbours: list[Neighbour]) -> list[tuple]:
        """(page id, reason, score) of each slot: pins, similar pages, then fallbacks."""
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
        return entries[: self.stored]

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

    def slot(self, source_id, target_id, reason, score, rank, terms: list[str]) -> dict:
        card = self.cards[target_id]
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
