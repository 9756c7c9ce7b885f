"""Spam filter settings: one tuned default for every site, serialisable as plain data."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any


@dataclass(frozen=True)
class SpamFilterConfig:
    """How comments become features, and where the probability thresholds sit.

    ``spam_threshold`` (the "high" threshold) is what ``predict`` uses: at or above it a comment
    is spam. Between ``review_threshold`` ("low") and it, a comment should be held for a
    moderator; below ``review_threshold`` it can be published. Both were chosen by
    cross-validation inside the training videos only (see docs/spam-filter-draft.md).
    """

    char_ngrams: tuple[int, int] = (2, 5)
    word_ngrams: tuple[int, int] = (1, 2)
    sublinear_tf: bool = True
    nb_smoothing: float = 1.0
    regularisation_c: float = 3.0
    plain_regularisation_c: float = 100.0
    max_chars: int = 5_000
    min_examples_per_class: int = 2
    spam_threshold: float = 0.45
    review_threshold: float = 0.2

    def __post_init__(self) -> None:
        for name in ("char_ngrams", "word_ngrams"):
            low, high = getattr(self, name)
            if not 1 <= low <= high:
                raise ValueError(f"bad {name} {getattr(self, name)}")
        if not 0.0 <= self.review_threshold <= self.spam_threshold <= 1.0:
            raise ValueError("need 0 <= review_threshold <= spam_threshold <= 1")
        if min(self.nb_smoothing, self.regularisation_c, self.plain_regularisation_c) <= 0:
            raise ValueError("nb_smoothing and both regularisation values must be positive")
        if self.max_chars < 1 or self.min_examples_per_class < 1:
            raise ValueError("max_chars and min_examples_per_class must be at least 1")

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["char_ngrams"] = list(self.char_ngrams)
        data["word_ngrams"] = list(self.word_ngrams)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SpamFilterConfig:
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown spam filter settings: {sorted(unknown)}")
        values = dict(data)
        for name in ("char_ngrams", "word_ngrams"):
            if name in values:
                values[name] = tuple(values[name])
        return cls(**values)
