"""Field-weighted TF-IDF over one shared vocabulary.

Every field is analysed the same way. Term counts are scaled by the field weight and summed, then
the sublinear tf transform, the idf and the L2 norm are applied, so a title word weighs like
several body words and still matches the same word in another document's body.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import normalize

from .analysis import Analyzer, Vocabulary, count_terms
from .config import EngineConfig
from .documents import Document

TEXT_FIELDS = ("title", "intro", "body")
LIST_FIELDS = ("tags", "categories")
MAX_DF_FLOOR = 10


def field_texts(document: Document, field_name: str, max_chars: int) -> list[str]:
    """The field as a list of texts; a tag list keeps each tag apart so no n-gram spans two."""
    value = getattr(document, field_name) or ""
    items = [value] if isinstance(value, str) else [str(item) for item in value]
    return [item[:max_chars] for item in items if item]


def active_fields(config: EngineConfig) -> list[str]:
    return [name for name in TEXT_FIELDS + LIST_FIELDS if config.weight(name) > 0]


@dataclass
class VectorSpace:
    """The fitted vocabulary and idf: everything needed to vectorise a new document."""

    config: EngineConfig
    vocabulary: Vocabulary
    idf: np.ndarray

    @property
    def n_features(self) -> int:
        return len(self.idf)

    def term(self, column: int) -> str:
        return self.vocabulary.term(column)

    def transform(self, documents: Sequence[Document]) -> sp.csr_matrix:
        analyzer = Analyzer(self.config)
        rows, cols, data = [], [], []
        for row, document in enumerate(documents):
            for name in active_fields(self.config):
                for text in field_texts(document, name, self.config.max_field_chars):
                    found = self.vocabulary.columns(analyzer.words(text))
                    rows.append(np.full(len(found), row))
                    cols.append(found)
                    data.append(np.full(len(found), self.config.weight(name), np.float32))
        shape = (len(documents), self.n_features)
        if not cols:
            return sp.csr_matrix(shape, dtype=np.float32)
        counts = sp.csr_matrix(
            (np.concatenate(data), (np.concatenate(rows), np.concatenate(cols))), shape=shape
        )
        return weigh(counts, self.idf, self.config)


def fit_space(
    documents: Sequence[Document], config: EngineConfig
) -> tuple[VectorSpace, sp.csr_matrix]:
    """Learn vocabulary and idf from ``documents``; return the space and their vectors."""
    counts, vocabulary = _weighted_count_matrix(documents, config)
    keep = select_columns(counts, config)
    counts = counts[:, keep].tocsr()
    df = np.bincount(counts.indices, minlength=counts.shape[1]).astype(np.float64)
    idf = _idf(df, counts.shape[0], config.smooth_idf)
    space = VectorSpace(config, vocabulary.select(keep), idf)
    return space, weigh(counts, idf, config)


def _weighted_count_matrix(
    documents: Sequence[Document], config: EngineConfig
) -> tuple[sp.csr_matrix, Vocabulary]:
    texts: list[str] = []
    owners: list[int] = []
    weights: list[float] = []
    for name in active_fields(config):
        weight = config.weight(name)
        for row, document in enumerate(documents):
            for text in field_texts(document, name, config.max_field_chars):
                texts.append(text)
                owners.append(row)
                weights.append(weight)
    return count_terms(
        texts,
        np.asarray(owners, np.int64),
        np.asarray(weights, np.float32),
        len(documents),
        Analyzer(config),
    )


def select_columns(counts: sp.csr_matrix, config: EngineConfig) -> np.ndarray:
    """Columns whose document frequency lies within [min_df, max_df], best max_features.

    A fractional max_df never cuts below ``MAX_DF_FLOOR`` documents: on a handful of documents
    the words most of them share are what relates them, not noise.
    """
    n_docs = counts.shape[0]
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    low = config.min_df if isinstance(config.min_df, int) else config.min_df * n_docs
    high = (
        config.max_df
        if isinstance(config.max_df, int)
        else max(config.max_df * n_docs, MAX_DF_FLOOR)
    )
    if n_docs < 3:  # document frequency means nothing on one or two documents
        low, high = 1, n_docs
    keep = np.flatnonzero((df >= max(low, 1)) & (df <= max(high, low)))
    if config.max_features is not None and len(keep) > config.max_features:
        best = np.lexsort((keep, -df[keep]))[: config.max_features]
        keep = np.sort(keep[best])
    return keep


def _idf(df: np.ndarray, n_docs: int, smooth: bool) -> np.ndarray:
    extra = 1.0 if smooth else 0.0
    return (np.log((n_docs + extra) / (df + extra)) + 1.0).astype(np.float32)


def weigh(counts: sp.csr_matrix, idf: np.ndarray, config: EngineConfig) -> sp.csr_matrix:
    """Weighted counts -> tf-idf rows (sublinear tf, idf, L2 norm, weak terms pruned)."""
    matrix = sp.csr_matrix(counts, dtype=np.float32, copy=True)
    matrix.sum_duplicates()
    matrix.eliminate_zeros()
    data = matrix.data
    if config.sublinear_tf:
        big = data > 1.0
        data[big] = 1.0 + np.log(data[big])
    data *= idf[matrix.indices]
    if config.norm == "l2" and matrix.nnz:
        matrix = normalize(matrix, copy=False)
        if config.prune_ratio > 0:
            matrix = normalize(prune_weak_terms(matrix, config.prune_ratio), copy=False)
    matrix.sort_indices()
    return matrix


def prune_weak_terms(matrix: sp.csr_matrix, ratio: float) -> sp.csr_matrix:
    """Drop weights below ``ratio`` times the row's root-mean-square weight (1/sqrt(terms)).

    These are mostly frequent, low-idf terms: they barely move a cosine yet dominate the cost of
    the all-pairs product. The threshold scales with document length, so long texts keep their
    informative terms.
    """
    counts = np.diff(matrix.indptr)
    threshold = np.repeat(ratio / np.sqrt(np.maximum(counts, 1)), counts).astype(np.float32)
    matrix.data[matrix.data < threshold] = 0.0
    matrix.eliminate_zeros()
    return matrix
