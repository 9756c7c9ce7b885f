"""A fitted filter as plain arrays, and a scorer rebuilt from them with numpy and scipy alone.

The arrays (vocabularies, idf weights, each linear model's weights with the naive Bayes scaling
folded in) are written as ``.npy`` members of a zip and read with ``allow_pickle=False``: loading
runs no code and does not depend on the scikit-learn version that trained them.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from recommender.engine import ArtifactMismatch

from .classifier import SpamFilter, _clean_all
from .config import SpamFilterConfig
from .features import SIGNALS, CommentSignals
from .pipeline import WORD_PATTERN

FORMAT = "spam-filter-portable/1"
_TOKEN = re.compile(WORD_PATTERN)
_SEPARATOR = "\x00"  # cleaned texts hold no control characters, so no term contains it
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # fixed, so that the same arrays give the same bytes


def char_wb_ngrams(text: str, low: int, high: int) -> Iterator[str]:
    """Character n-grams inside space-padded words, as scikit-learn's ``char_wb`` analyzer."""
    for word in text.lower().split():
        padded = f" {word} "
        for n in range(low, high + 1):
            if n >= len(padded):
                yield padded
                break
            for start in range(len(padded) - n + 1):
                yield padded[start : start + n]


def word_ngrams(text: str, low: int, high: int) -> Iterator[str]:
    tokens = _TOKEN.findall(text.lower())
    for n in range(low, high + 1):
        for start in range(len(tokens) - n + 1):
            yield " ".join(tokens[start : start + n])


@dataclass(frozen=True)
class TfidfBlock:
    vocabulary: dict[str, int]
    idf: np.ndarray

    def transform(self, grams: Sequence[Iterator[str]], sublinear: bool) -> sparse.csr_matrix:
        rows, cols, counts = [], [], []
        for row, terms in enumerate(grams):
            found = Counter(self.vocabulary[t] for t in terms if t in self.vocabulary)
            rows += [row] * len(found)
            cols += list(found)
            counts += list(found.values())
        shape = (len(grams), len(self.vocabulary))
        matrix = sparse.csr_matrix((np.array(counts, dtype=float), (rows, cols)), shape=shape)
        if sublinear:
            matrix.data = 1.0 + np.log(matrix.data)
        matrix = sparse.csr_matrix(matrix.multiply(self.idf))
        norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        return sparse.csr_matrix(sparse.diags(1.0 / norms) @ matrix)


@dataclass(frozen=True)
class PortableScorer:
    """Spam probabilities from plain arrays: the mean of the sigmoid of each linear member."""

    config: SpamFilterConfig
    chars: TfidfBlock
    words: TfidfBlock
    weights: np.ndarray  # one row per member, one column per feature
    intercepts: np.ndarray

    @classmethod
    def from_filter(cls, spam_filter: SpamFilter) -> PortableScorer:
        pipeline = spam_filter.pipeline
        union = dict(pipeline.named_steps["features"].transformer_list)
        members = pipeline.named_steps["logistic"].linear_members()
        return cls(
            config=spam_filter.config,
            chars=_block(union["chars"]),
            words=_block(union["words"]),
            weights=np.vstack([weights for weights, _ in members]),
            intercepts=np.array([intercept for _, intercept in members]),
        )

    def features(self, texts: Sequence[str]) -> sparse.csr_matrix:
        cleaned = _clean_all(texts, self.config.max_chars)
        sublinear = self.config.sublinear_tf
        chars = [char_wb_ngrams(t, *self.config.char_ngrams) for t in cleaned]
        words = [word_ngrams(t, *self.config.word_ngrams) for t in cleaned]
        blocks = [
            self.chars.transform(chars, sublinear),
            self.words.transform(words, sublinear),
            CommentSignals().fit(cleaned).transform(cleaned),
        ]
        return sparse.hstack(blocks, format="csr")

    def spam_probability(self, texts: Sequence[str]) -> list[float]:
        if isinstance(texts, str):
            raise TypeError("pass a list of texts, not a single string")
        if not texts:
            return []
        logits = self.features(texts) @ self.weights.T + self.intercepts
        return [float(p) for p in (1.0 / (1.0 + np.exp(-logits))).mean(axis=1)]

    def to_bytes(self) -> bytes:
        header = {
            "format": FORMAT,
            "config": self.config.to_dict(),
            "signals": list(SIGNALS),
        }
        arrays = {
            "header": _text_array(json.dumps(header, sort_keys=True)),
            "char_terms": _text_array(_SEPARATOR.join(_terms(self.chars.vocabulary))),
            "char_idf": self.chars.idf,
            "word_terms": _text_array(_SEPARATOR.join(_terms(self.words.vocabulary))),
            "word_idf": self.words.idf,
            "weights": self.weights,
            "intercepts": self.intercepts,
        }
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, array in arrays.items():
                member = zipfile.ZipInfo(f"{name}.npy", date_time=_ZIP_DATE)
                member.compress_type = zipfile.ZIP_DEFLATED
                with archive.open(member, "w") as handle:
                    contiguous = np.ascontiguousarray(array)
                    np.lib.format.write_array(handle, contiguous, allow_pickle=False)
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> PortableScorer:
        """Rebuild from ``to_bytes``; ``ArtifactMismatch`` on anything unexpected."""
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as stored:
                arrays = {name: stored[name] for name in stored.files}
            return cls._from_arrays(arrays)
        except ArtifactMismatch:
            raise
        except (OSError, EOFError, ValueError, KeyError, TypeError, zipfile.BadZipFile) as exc:
            raise ArtifactMismatch(f"unreadable portable spam filter: {exc}") from exc

    @classmethod
    def _from_arrays(cls, arrays: dict[str, np.ndarray]) -> PortableScorer:
        header = json.loads(_array_text(arrays["header"]))
        if header.get("format") != FORMAT:
            raise ArtifactMismatch(f"portable spam filter format {header.get('format')!r}")
        if header.get("signals") != list(SIGNALS):
            raise ArtifactMismatch("portable spam filter was built with other signals")
        chars = _vocabulary(arrays["char_terms"], arrays["char_idf"])
        words = _vocabulary(arrays["word_terms"], arrays["word_idf"])
        weights = np.asarray(arrays["weights"], dtype=float)
        intercepts = np.asarray(arrays["intercepts"], dtype=float)
        width = len(chars.vocabulary) + len(words.vocabulary) + len(SIGNALS)
        if weights.ndim != 2 or weights.shape[1] != width or intercepts.shape != weights.shape[:1]:
            raise ArtifactMismatch("portable spam filter weights do not match its vocabularies")
        config = SpamFilterConfig.from_dict(header["config"])
        return cls(config, chars, words, weights, intercepts)


def _block(vectorizer) -> TfidfBlock:
    return TfidfBlock(dict(vectorizer.vocabulary_), np.asarray(vectorizer.idf_, dtype=float))


def _terms(vocabulary: dict[str, int]) -> list[str]:
    return sorted(vocabulary, key=vocabulary.__getitem__)


def _vocabulary(terms: np.ndarray, idf: np.ndarray) -> TfidfBlock:
    text = _array_text(terms)
    listed = text.split(_SEPARATOR) if text else []
    idf = np.asarray(idf, dtype=float)
    if idf.shape != (len(listed),) or len(set(listed)) != len(listed):
        raise ArtifactMismatch("portable spam filter vocabulary and idf do not match")
    return TfidfBlock({term: index for index, term in enumerate(listed)}, idf)


def _text_array(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-8"), dtype=np.uint8)


def _array_text(array: np.ndarray) -> str:
    if array.dtype != np.uint8 or array.ndim != 1:
        raise ArtifactMismatch("portable spam filter text member is not UTF-8 bytes")
    return array.tobytes().decode("utf-8")
