"""Engine settings: one tuned default for every corpus, serialisable as plain data."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

FIELDS = ("title", "intro", "body", "tags", "categories")
RUNTIME_KEYS = ("memory_mb", "n_jobs")

# Words of two or more letters or digits, except that Chinese and Japanese script, written without
# spaces, is cut into single characters (which become character bigrams with ngram_range (1, 2)).
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
TOKEN_PATTERN = rf"(?u)[^\W{_CJK}]{{2,}}|[{_CJK}]"


def _default_field_weights() -> dict[str, float]:
    return {"title": 3.0, "intro": 1.5, "body": 1.0, "tags": 1.0, "categories": 1.0}


@dataclass(frozen=True)
class EngineConfig:
    """How documents become vectors and how neighbour lists are cut.

    Field weights scale each field's term counts before the (sublinear) tf transform, so a
    title word counts as several body words while every field shares one vocabulary.
    """

    field_weights: dict[str, float] = field(default_factory=_default_field_weights)
    sublinear_tf: bool = True
    stop_words: str | tuple[str, ...] | None = "english"
    token_pattern: str = TOKEN_PATTERN
    ngram_range: tuple[int, int] = (1, 2)
    fold_plurals: bool = True
    min_df: int | float = 2
    max_df: int | float = 0.5
    max_features: int | None = None
    smooth_idf: bool = True
    norm: str | None = "l2"
    prune_ratio: float = 0.65
    max_field_chars: int = 100_000
    top_k: int = 10
    min_score: float = 0.0
    near_duplicate_threshold: float | None = 0.95
    skip_near_duplicates: bool = False
    memory_mb: int = 256
    n_jobs: int = 2

    def __post_init__(self) -> None:
        unknown = set(self.field_weights) - set(FIELDS)
        if unknown:
            raise ValueError(f"unknown fields in field_weights: {sorted(unknown)}")
        # Fields left out keep their default weight; set 0 to ignore a field.
        object.__setattr__(
            self, "field_weights", {**_default_field_weights(), **self.field_weights}
        )
        if self.top_k < 1:
            raise ValueError("top_k must be at least 1")
        low, high = self.ngram_range
        if not 1 <= low <= high:
            raise ValueError(f"bad ngram_range {self.ngram_range}")
        if self.norm not in ("l2", None):
            raise ValueError("norm must be 'l2' or None")

    def weight(self, field_name: str) -> float:
        return float(self.field_weights.get(field_name, 0.0))

    def model_params(self) -> dict[str, Any]:
        """The settings that shape vectors and lists (not how fast they are computed)."""
        data = self.to_dict()
        for key in RUNTIME_KEYS:
            data.pop(key)
        return data

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["ngram_range"] = list(self.ngram_range)
        if isinstance(self.stop_words, tuple):
            data["stop_words"] = list(self.stop_words)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EngineConfig:
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown config keys: {sorted(unknown)}")
        values = dict(data)
        if "ngram_range" in values:
            values["ngram_range"] = tuple(values["ngram_range"])
        if isinstance(values.get("stop_words"), list):
            values["stop_words"] = tuple(values["stop_words"])
        return cls(**values)
