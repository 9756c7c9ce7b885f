"""Evaluation sets, metrics and the leave-one-source-out protocol.

A set is JSON lines, one ``{"id", "text", "label": "spam"|"ham", "source"}`` object per line.
Exact duplicates (see ``dedup_key``) are removed before any split, and training folds never
contain a text whose key appears in the test fold.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .classifier import HAM, SPAM
from .text import dedup_key

LABELS = (SPAM, HAM)

# Trains on (texts, labels) and returns a function giving each text's spam probability.
Scorer = Callable[[list[str]], list[float]]
Trainer = Callable[[list[str], list[str]], Scorer]


@dataclass(frozen=True)
class Example:
    id: str
    text: str
    label: str
    source: str


@dataclass(frozen=True)
class Scores:
    tp: int
    fp: int
    fn: int
    tn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, float]:
        return {
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "tn": self.tn,
        }


@dataclass(frozen=True)
class Fold:
    name: str
    train: list[Example]
    test: list[Example]


def load_jsonl(path: str | Path) -> list[Example]:
    examples = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if line.strip():
                examples.append(_parse_row(json.loads(line), f"{path}:{number}"))
    return examples


def _parse_row(row: object, where: str) -> Example:
    if not isinstance(row, dict):
        raise ValueError(f"{where}: expected a JSON object")
    if row.get("label") not in LABELS or not isinstance(row.get("text"), str):
        raise ValueError(f"{where}: needs a str 'text' and a label in {LABELS}")
    return Example(str(row.get("id", where)), row["text"], row["label"], str(row.get("source")))


def deduplicate(examples: Iterable[Example]) -> list[Example]:
    """Keep the first example of each ``dedup_key``."""
    seen: set[str] = set()
    kept = []
    for example in examples:
        key = dedup_key(example.text)
        if key not in seen:
            seen.add(key)
            kept.append(example)
    return kept


def score(truth: Sequence[str], predicted_spam: Sequence[bool]) -> Scores:
    is_spam = [label == SPAM for label in truth]
    pairs = list(zip(is_spam, map(bool, predicted_spam), strict=True))
    return Scores(
        tp=sum(t and p for t, p in pairs),
        fp=sum(p and not t for t, p in pairs),
        fn=sum(t and not p for t, p in pairs),
        tn=sum(not t and not p for t, p in pairs),
    )


def leave_one_source_out(
    examples: Iterable[Example], extra_train: Iterable[Example] = ()
) -> list[Fold]:
    """One fold per source: test on it, train on the other sources plus ``extra_train``."""
    unique = deduplicate(examples)
    extra = deduplicate(extra_train)
    sources = sorted({example.source for example in unique})
    folds = []
    for source in sources:
        test = [example for example in unique if example.source == source]
        held_out = {dedup_key(example.text) for example in test}
        pool = [example for example in unique if example.source != source] + extra
        train = [example for example in pool if dedup_key(example.text) not in held_out]
        folds.append(Fold(source, deduplicate(train), test))
    return folds


@dataclass(frozen=True)
class FoldRun:
    name: str
    truth: list[str]
    probabilities: list[float]

    def scores(self, threshold: float) -> Scores:
        return score(self.truth, [p >= threshold for p in self.probabilities])


def run_folds(folds: Sequence[Fold], train: Trainer) -> list[FoldRun]:
    runs = []
    for fold in folds:
        spam_probability = train([e.text for e in fold.train], [e.label for e in fold.train])
        probabilities = spam_probability([e.text for e in fold.test])
        runs.append(FoldRun(fold.name, [e.label for e in fold.test], probabilities))
    return runs


def mean_scores(results: Sequence[Scores]) -> dict[str, float]:
    """Macro mean over folds of precision, recall and F1."""
    count = len(results) or 1
    return {
        "precision": sum(r.precision for r in results) / count,
        "recall": sum(r.recall for r in results) / count,
        "f1": sum(r.f1 for r in results) / count,
    }


THRESHOLD_GRID = tuple(round(0.05 * step, 2) for step in range(1, 20))


def precision_threshold(
    runs: Sequence[FoldRun], min_precision: float, grid: Sequence[float] = THRESHOLD_GRID
) -> float | None:
    """The threshold with the best mean F1 among those whose mean precision reaches the floor."""
    best: tuple[float, float] | None = None
    for threshold in grid:
        means = mean_scores([run.scores(threshold) for run in runs])
        if means["precision"] >= min_precision and (best is None or means["f1"] > best[1]):
            best = (threshold, means["f1"])
    return best[0] if best else None


def review_threshold(
    runs: Sequence[FoldRun], max_spam_published: float, grid: Sequence[float] = THRESHOLD_GRID
) -> float:
    """The highest threshold that lets through (publishes) at most this share of pooled spam."""
    spam = [
        p
        for run in runs
        for label, p in zip(run.truth, run.probabilities, strict=True)
        if label == SPAM
    ]
    allowed = [t for t in grid if sum(p < t for p in spam) <= max_spam_published * len(spam)]
    return max(allowed, default=min(grid))
