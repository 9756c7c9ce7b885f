"""Field-weighted TF-IDF over one shared vocabulary.

Every field is tokenised by the same analyser. Term counts are scaled by the field weight and
summed, then the sublinear tf transform, the idf and the L2 norm are applied, so a title word
weighs like several body words and still matches the same word in another document's body.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.preprocessing import normalize

from .config import EngineConfig
from .documents import Document

TEXT_FIELDS = ("title", "intro", "body")
LIST_FIELDS = ("tags", "categories")
_ASCII_WORD = re.compile(r"[a-z]+\Z")


@lru_cache(maxsize=200_000)
def fold_word(word: str) -> str:
    """Fold a regular English plural onto its singular ("curls" -> "curl"), leave the rest."""
    if len(word) <= 3 or not _ASCII_WORD.match(word):
        return word
    if word.endswith("ies") and not word.endswith(("eies", "aies")):
        return word[:-3] + "y"
    if word.endswith("es") and not word.endswith(("aes", "ees", "oes")):
        return word[:-1]
    if word.endswith("s") and not word.endswith(("us", "ss", "is")):
        return word[:-1]
    return word


def fold_term(term: str) -> str:
    return " ".join(fold_word(word) for word in term.split(" "))


def _count_vectorizer(config: EngineConfig) -> CountVectorizer:
    stop_words = config.stop_words
    if isinstance(stop_words, tuple):
        stop_words = list(stop_words)
    return CountVectorizer(
        lowercase=True,
        token_pattern=config.token_pattern,
        stop_words=stop_words,
        ngram_range=tuple(config.ngram_range),
        dtype=np.float32,
    )


def build_analyzer(config: EngineConfig) -> Callable[[str], list[str]]:
    return _count_vectorizer(config).build_analyzer()


def field_texts(document: Document, field_name: str, max_chars: int) -> list[str]:
    """The field as a list of texts; a tag list keeps each tag apart so no n-gram spans two."""
    value = getattr(document, field_name) or ""
    items = [value] if isinstance(value, str) else [str(item) for item in value]
    return [item[:max_chars] for item in items if item]


def _active_fields(config: EngineConfig) -> list[str]:
    return [name for name in TEXT_FIELDS + LIST_FIELDS if config.weight(name) > 0]


@dataclass
class VectorSpace:
    """The fitted vocabulary and idf: everything needed to vectorise a new document."""

    config: EngineConfig
    vocabulary: dict[str, int]
    idf: np.ndarray

    @property
    def n_features(self) -> int:
        return len(self.idf)

    def terms(self) -> np.ndarray:
        names = np.empty(self.n_features, dtype=object)
        for term, column in self.vocabulary.items():
            names[column] = term
        return names

    def transform(self, documents: Sequence[Document]) -> sp.csr_matrix:
        analyzer = build_analyzer(self.config)
        rows = [self._weighted_counts(document, analyzer) for document in documents]
        indptr = np.cumsum([0] + [len(row) for row in rows])
        indices = np.fromiter((c for row in rows for c in row), dtype=np.int32, count=indptr[-1])
        data = np.fromiter((v for row in rows for v in row.values()), np.float32, indptr[-1])
        counts = sp.csr_matrix((data, indices, indptr), shape=(len(rows), self.n_features))
        counts.sort_indices()
        return weigh(counts, self.idf, self.config)

    def _weighted_counts(self, document: Document, analyzer: Callable) -> dict[int, float]:
        counts: dict[int, float] = {}
        for name in _active_fields(self.config):
            weight = self.config.weight(name)
            for text in field_texts(document, name, self.config.max_field_chars):
                for term in analyzer(text):
                    column = self.vocabulary.get(fold_term(term) if self.config.fold_plurals
                                                 else term)
                    if column is not None:
                        counts[column] = counts.get(column, 0.0) + weight
        return counts


def fit_space(documents: Sequence[Document], config: EngineConfig) -> tuple[VectorSpace, sp.csr_matrix]:
    """Learn vocabulary and idf from ``documents``; return the space and their vectors."""
    counts, terms = _weighted_count_matrix(documents, config)
    keep = _select_columns(counts, config)
    counts = counts[:, keep]
    terms = [terms[i] for i in keep]
    df = np.bincount(counts.indices, minlength=counts.shape[1]).astype(np.float64)
    idf = _idf(df, counts.shape[0], config.smooth_idf)
    space = VectorSpace(config, {term: i for i, term in enumerate(terms)}, idf)
    return space, weigh(counts, idf, config)


def _weighted_count_matrix(
    documents: Sequence[Document], config: EngineConfig
) -> tuple[sp.csr_matrix, list[str]]:
    texts: list[str] = []
    owners: list[int] = []
    weights: list[float] = []
    for name in _active_fields(config):
        weight = config.weight(name)
        for row, document in enumerate(documents):
            for text in field_texts(document, name, config.max_field_chars):
                texts.append(text)
                owners.append(row)
                weights.append(weight)
    n_docs = len(documents)
    if not texts:
        return sp.csr_matrix((n_docs, 0), dtype=np.float32), []
    vectorizer = _count_vectorizer(config)
    try:
        counts = vectorizer.fit_transform(texts)
    except ValueError:  # nothing but stop words: an empty vocabulary
        return sp.csr_matrix((n_docs, 0), dtype=np.float32), []
    terms = vectorizer.get_feature_names_out().tolist()
    if config.fold_plurals:
        counts, terms = _fold_columns(counts, terms)
    gather = sp.csr_matrix(
        (np.asarray(weights, np.float32), (np.asarray(owners), np.arange(len(texts)))),
        shape=(n_docs, len(texts)),
    )
    return (gather @ counts).tocsr(), terms


def _fold_columns(counts: sp.csr_matrix, terms: list[str]) -> tuple[sp.csr_matrix, list[str]]:
    folded = [fold_term(term) for term in terms]
    unique = sorted(set(folded))
    position = {term: i for i, term in enumerate(unique)}
    target = np.fromiter((position[term] for term in folded), dtype=np.int64, count=len(folded))
    merge = sp.csr_matrix(
        (np.ones(len(terms), np.float32), (np.arange(len(terms)), target)),
        shape=(len(terms), len(unique)),
    )
    return (counts @ merge).tocsr(), unique


def _select_columns(counts: sp.csr_matrix, config: EngineConfig) -> np.ndarray:
    n_docs = counts.shape[0]
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    low = config.min_df if isinstance(config.min_df, int) else config.min_df * n_docs
    high = config.max_df if isinstance(config.max_df, int) else config.max_df * n_docs
    if n_docs < 3:  # document frequency means nothing on one or two documents
        low, high = 1, n_docs
    keep = np.flatnonzero((df >= low) & (df <= max(high, low)))
    if config.max_features is not None and len(keep) > config.max_features:
        order = np.lexsort((keep, -df[keep]))[: config.max_features]
        keep = np.sort(keep[order])
    return keep


def _idf(df: np.ndarray, n_docs: int, smooth: bool) -> np.ndarray:
    extra = 1.0 if smooth else 0.0
    return (np.log((n_docs + extra) / (df + extra)) + 1.0).astype(np.float32)


def weigh(counts: sp.csr_matrix, idf: np.ndarray, config: EngineConfig) -> sp.csr_matrix:
    """Weighted counts -> tf-idf rows (sublinear tf, idf, L2 norm, tiny weights pruned)."""
    matrix = sp.csr_matrix(counts, dtype=np.float32, copy=True)
    matrix.eliminate_zeros()
    data = matrix.data
    if config.sublinear_tf:
        big = data > 1.0
        data[big] = 1.0 + np.log(data[big])
    data *= idf[matrix.indices]
    if config.norm == "l2":
        matrix = normalize(matrix, copy=False)
        if config.min_weight > 0:
            matrix.data[matrix.data < config.min_weight] = 0.0
            matrix.eliminate_zeros()
            matrix = normalize(matrix, copy=False)
    matrix.sort_indices()
    return matrix
