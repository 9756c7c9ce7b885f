"""Card snapshots: what a related-article card shows, stored beside each list and model."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class Card:
    title: str
    url: str
    excerpt: str
    category: str
    thumbnail_url: str
    date: object
    locale_id: int


def card_date(card: Card) -> date:
    value = card.date
    if isinstance(value, str):
        value = date.fromisoformat(value[:10]) if value else None
    if isinstance(value, datetime):
        return value.date()
    return value or date.min


def card_json(card: Card) -> dict:
    return {**asdict(card), "date": str(card.date or "")}


def cards_to_json(cards: dict[int, Card]) -> dict:
    return {str(pk): card_json(card) for pk, card in cards.items()}


def cards_from_json(data: dict) -> dict[int, Card]:
    return {int(pk): Card(**values) for pk, values in data.items()}
