"""Train, apply and persist the comment spam filter. Plain strings in, plain values out."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np
from sklearn.pipeline import Pipeline

from recommender.engine import ArtifactMismatch, dump_artifact, load_artifact

from .config import SpamFilterConfig
from .pipeline import build_pipeline
from .text import clean_text

ARTIFACT_KIND = "spam-filter"
# Bump when the pipeline's classes or features change, so old artifacts are retrained.
ENGINE_VERSION = 2

SPAM = "spam"
HAM = "ham"
REVIEW = "review"


class SpamFilter:
    """A fitted filter. Build one with ``train`` or ``from_bytes``."""

    def __init__(self, pipeline: Pipeline, config: SpamFilterConfig) -> None:
        self._pipeline = pipeline
        self.config = config

    @property
    def pipeline(self) -> Pipeline:
        """The fitted scikit-learn pipeline (read it, for example to export its weights)."""
        return self._pipeline

    @classmethod
    def train(
        cls, texts: Sequence[str], labels: Sequence[str], config: SpamFilterConfig | None = None
    ) -> SpamFilter:
        config = config or SpamFilterConfig()
        _check_training_data(texts, labels, config.min_examples_per_class)
        cleaned = _clean_all(texts, config.max_chars)
        y = np.array([label == SPAM for label in labels], dtype=int)
        pipeline = build_pipeline(config)
        try:
            pipeline.fit(cleaned, y)
        except ValueError as exc:  # e.g. no word at all in any training text
            raise ValueError(f"cannot train a spam filter on these texts: {exc}") from exc
        return cls(pipeline, config)

    def spam_probability(self, texts: Sequence[str]) -> list[float]:
        """Probability in [0, 1] that each text is spam."""
        cleaned = _clean_all(texts, self.config.max_chars)
        if not cleaned:
            return []
        return [float(p) for p in self._pipeline.predict_proba(cleaned)[:, 1]]

    def predict(self, texts: Sequence[str], threshold: float | None = None) -> list[str]:
        """Label each text spam when its probability reaches ``threshold``, else ham.

        ``threshold`` defaults to ``config.spam_threshold``.
        """
        cut = self.config.spam_threshold if threshold is None else threshold
        return [SPAM if p >= cut else HAM for p in self.spam_probability(texts)]

    def triage(self, texts: Sequence[str]) -> list[str]:
        """Band each text by the two configured thresholds: spam, review (hold) or ham."""
        return [self._band(p) for p in self.spam_probability(texts)]

    def _band(self, probability: float) -> str:
        if probability >= self.config.spam_threshold:
            return SPAM
        return REVIEW if probability >= self.config.review_threshold else HAM

    def to_bytes(self, key: bytes) -> bytes:
        """The fitted filter as an artifact signed with ``key``."""
        params = {"config": self.config.to_dict(), "engine_version": ENGINE_VERSION}
        return dump_artifact(ARTIFACT_KIND, {"pipeline": self._pipeline}, params, key=key)

    @classmethod
    def from_bytes(cls, data: bytes, keys: Sequence[bytes]) -> SpamFilter:
        """Load a ``to_bytes`` artifact signed with one of ``keys``.

        ``ArtifactRefused`` (nothing unpickled) for a missing or bad signature, ``ArtifactMismatch``
        for a signed artifact this code or these library versions cannot use.
        """
        artifact = load_artifact(data, ARTIFACT_KIND, keys)
        if artifact.params.get("engine_version") != ENGINE_VERSION:
            raise ArtifactMismatch(
                f"spam filter engine {artifact.params.get('engine_version')} "
                f"is not {ENGINE_VERSION}"
            )
        pipeline = artifact.payload.get("pipeline") if isinstance(artifact.payload, dict) else None
        if not isinstance(pipeline, Pipeline):
            raise ArtifactMismatch("spam filter artifact holds no pipeline")
        try:
            config = SpamFilterConfig.from_dict(artifact.params.get("config", {}))
        except (TypeError, ValueError) as exc:
            raise ArtifactMismatch(f"spam filter artifact has a bad config: {exc}") from exc
        return cls(pipeline, config)


def _clean_all(texts: Sequence[str], max_chars: int) -> list[str]:
    if isinstance(texts, str):
        raise TypeError("pass a list of texts, not a single string")
    return [clean_text(text, max_chars) for text in texts]


def _check_training_data(texts: Sequence[str], labels: Sequence[str], minimum: int) -> None:
    if len(texts) != len(labels):
        raise ValueError(f"{len(texts)} texts but {len(labels)} labels")
    unknown = set(labels) - {SPAM, HAM}
    if unknown:
        raise ValueError(f"labels must be 'spam' or 'ham', got {sorted(map(str, unknown))}")
    counts = Counter(labels)
    if len(counts) < 2:
        raise ValueError("training needs both 'spam' and 'ham' examples")
    if min(counts.values()) < minimum:
        raise ValueError(
            f"training needs at least {minimum} examples of each class, got {dict(counts)}"
        )
