"""Plain data that goes in and comes out of the engine."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import NamedTuple

DocId = Hashable


@dataclass(frozen=True)
class Document:
    """One article. ``id`` must be hashable and sortable against the other ids (e.g. ints)."""

    id: DocId
    title: str = ""
    intro: str = ""
    body: str = ""
    tags: tuple[str, ...] | list[str] = field(default_factory=tuple)
    categories: tuple[str, ...] | list[str] = field(default_factory=tuple)


class Neighbour(NamedTuple):
    id: DocId
    score: float
    near_duplicate: bool = False
