"""Reference methods the engine is measured against."""

from __future__ import annotations

import random
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.neighbors import NearestNeighbors

from .documents import DocId, Document
from .topk import Selection, all_top_k


def _plain_text(document: Document, with_tags: bool = False) -> str:
    parts = [document.title, document.body, *(document.tags if with_tags else ())]
    return " ".join(parts)


def _ranked_ids(documents: Sequence[Document], matrix: sp.csr_matrix, k: int) -> dict:
    ids = [document.id for document in documents]
    order = sorted(range(len(ids)), key=ids.__getitem__)
    rank = np.empty(len(ids), dtype=np.int64)
    rank[order] = np.arange(len(ids))
    table = all_top_k(matrix, Selection(k), rank, n_jobs=1)
    return {
        ids[row]: [ids[other] for other in table.rows[row] if other >= 0] for row in range(len(ids))
    }


def random_neighbours(documents: Sequence[Document], k: int, seed: int = 0) -> dict:
    generator = random.Random(seed)
    ids = [document.id for document in documents]
    result = {}
    for doc in ids:
        picks = generator.sample(ids, min(len(ids), k + 1))
        result[doc] = [other for other in picks if other != doc][:k]
    return result


def tag_overlap_neighbours(documents: Sequence[Document], k: int) -> dict:
    """Like django-taggit's ``similar_objects``: most shared tags first, ties by id."""
    vocabulary: dict[str, int] = {}
    rows, cols = [], []
    for row, document in enumerate(documents):
        for tag in set(document.tags):
            rows.append(row)
            cols.append(vocabulary.setdefault(tag, len(vocabulary)))
    matrix = sp.csr_matrix(
        (np.ones(len(rows), np.float32), (rows, cols)), shape=(len(documents), len(vocabulary))
    )
    return _ranked_ids(documents, matrix, k)


def textbook_neighbours(documents: Sequence[Document], k: int, with_tags: bool = False) -> dict:
    """``TfidfVectorizer()`` with its defaults on ``title + " " + body`` (and tags), then cosine."""
    if not documents:
        return {}
    texts = [_plain_text(document, with_tags) for document in documents]
    matrix = TfidfVectorizer(dtype=np.float32).fit_transform(texts)
    return _ranked_ids(documents, matrix.tocsr(), k)


def nearest_neighbours_baseline(documents: Sequence[Document], k: int) -> dict[DocId, list]:
    """The speed reference: float32 ``TfidfVectorizer`` + brute-force cosine NearestNeighbors."""
    ids = [document.id for document in documents]
    matrix = TfidfVectorizer(dtype=np.float32).fit_transform(map(_plain_text, documents))
    model = NearestNeighbors(metric="cosine", algorithm="brute", n_jobs=2).fit(matrix)
    _, found = model.kneighbors(matrix, n_neighbors=min(k + 1, len(ids)))
    result = {}
    for row, others in enumerate(found):
        result[ids[row]] = [ids[other] for other in others if other != row][:k]
    return result
