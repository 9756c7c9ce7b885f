"""Offline evaluation on labelled JSON-lines sets: documents sharing a label are related.

Each line is ``{"id", "title", "body", "tags", "labels"}``. Labels are only used for scoring,
never given to the engine.
"""

from __future__ import annotations

import json
import resource
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .config import EngineConfig
from .documents import DocId, Document
from .index import RelatedIndex

NeighbourIds = Mapping[DocId, Sequence[DocId]]


@dataclass(frozen=True)
class Scores:
    precision: float
    mrr: float
    coverage: float

    def as_dict(self) -> dict[str, float]:
        return {key: round(value, 4) for key, value in asdict(self).items()}


def read_rows(path: str | Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def to_documents(rows: Iterable[Mapping[str, Any]]) -> list[Document]:
    return [
        Document(
            id=row["id"],
            title=row.get("title") or "",
            body=row.get("body") or "",
            tags=tuple(row.get("tags") or ()),
        )
        for row in rows
    ]


def labels_of(rows: Iterable[Mapping[str, Any]]) -> dict[DocId, frozenset[str]]:
    return {row["id"]: frozenset(row.get("labels") or ()) for row in rows}


def _related(labels: Mapping[DocId, frozenset[str]], a: DocId, b: DocId) -> bool:
    return not labels[a].isdisjoint(labels[b])


def precision_at_k(neighbours: NeighbourIds, labels: Mapping, k: int) -> float:
    """Mean over documents of the share of their k slots filled by a related document."""
    if not labels:
        return 0.0
    total = sum(
        sum(_related(labels, doc, other) for other in neighbours.get(doc, ())[:k]) / k
        for doc in labels
    )
    return total / len(labels)


def mean_reciprocal_rank(neighbours: NeighbourIds, labels: Mapping, k: int) -> float:
    """Mean of 1/rank of the first related document in each list (0 when there is none)."""
    if not labels:
        return 0.0
    total = 0.0
    for doc in labels:
        for rank, other in enumerate(neighbours.get(doc, ())[:k], start=1):
            if _related(labels, doc, other):
                total += 1.0 / rank
                break
    return total / len(labels)


def coverage(neighbours: NeighbourIds, labels: Mapping, k: int) -> float:
    """Share of documents with a full list of k neighbours."""
    if not labels:
        return 0.0
    return sum(len(neighbours.get(doc, ())) >= k for doc in labels) / len(labels)


def score(neighbours: NeighbourIds, labels: Mapping, k: int) -> Scores:
    return Scores(
        precision_at_k(neighbours, labels, k),
        mean_reciprocal_rank(neighbours, labels, k),
        coverage(neighbours, labels, k),
    )


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (Linux reports kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(build: Callable[[], NeighbourIds]) -> tuple[NeighbourIds, float]:
    start = time.perf_counter()
    neighbours = build()
    return neighbours, time.perf_counter() - start


def engine_neighbours(
    documents: Sequence[Document], k: int, config: EngineConfig | None = None
) -> dict[DocId, list[DocId]]:
    """Our engine, end to end: vectorise and list the exact top-k of every document."""
    index = RelatedIndex.fit(documents, config)
    return {doc: [n.id for n in listing] for doc, listing in index.neighbours(k).items()}
