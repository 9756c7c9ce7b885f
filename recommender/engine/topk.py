"""Exact cosine top-k for every row of an L2-normalised sparse matrix, in bounded memory.

Scores are computed one chunk of rows at a time: frequent terms by a dense float32 matrix
product (BLAS), the long tail of rare terms by a sparse product. The k best columns of each
row are found with a cheap threshold filter (the k-th best score among a sample of columns is a
lower bound of the true k-th score), and only the survivors are sorted.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

SAMPLE_COLUMNS = 2048


@dataclass(frozen=True)
class Selection:
    """Which scores may be listed: strictly positive, at least ``min_score``, below ``ceiling``."""

    k: int
    min_score: float = 0.0
    ceiling: float | None = None


@dataclass
class TopK:
    rows: np.ndarray  # (n, k) int64 row numbers, -1 where a list is shorter than k
    scores: np.ndarray  # (n, k) float32, 0 where rows is -1


class ScoreMatrix:
    """Computes chunks of ``matrix @ matrix.T`` with frequent terms in a dense block."""

    def __init__(self, matrix: sp.csr_matrix, dense_terms: int) -> None:
        matrix = sp.csr_matrix(matrix, dtype=np.float32)
        df = np.bincount(matrix.indices, minlength=matrix.shape[1])
        order = np.argsort(-df, kind="stable")
        frequent = np.sort(order[: min(dense_terms, int((df > 1).sum()))])
        rare = np.setdiff1d(np.arange(matrix.shape[1]), frequent)
        self.n_rows = matrix.shape[0]
        self.dense = matrix[:, frequent].toarray() if len(frequent) else None
        self.dense_t = np.ascontiguousarray(self.dense.T) if self.dense is not None else None
        self.sparse = matrix[:, rare].tocsr()
        self.sparse_t = self.sparse.T.tocsr()

    def chunk(self, start: int, stop: int) -> np.ndarray:
        if self.dense is not None:
            scores = self.dense[start:stop] @ self.dense_t
        else:
            scores = np.zeros((stop - start, self.n_rows), dtype=np.float32)
        if self.sparse.nnz:
            tail = self.sparse[start:stop] @ self.sparse_t
            _add_sparse(scores, tail.tocsr())
        return scores


def _add_sparse(dense: np.ndarray, tail: sp.csr_matrix) -> None:
    rows = np.repeat(np.arange(tail.shape[0]), np.diff(tail.indptr))
    dense[rows, tail.indices] += tail.data


def chunk_rows(n_rows: int, memory_mb: int) -> int:
    """Rows per chunk so that a chunk's dense scores and masks stay within ``memory_mb``."""
    per_row = max(n_rows, 1) * 6  # float32 scores plus a boolean mask and slack
    return int(max(16, min(4096, memory_mb * 2**20 // per_row)))


def _chunks(n_rows: int, size: int) -> Iterator[tuple[int, int]]:
    for start in range(0, n_rows, size):
        yield start, min(n_rows, start + size)


def all_top_k(
    matrix: sp.csr_matrix,
    selection: Selection,
    rank: np.ndarray,
    memory_mb: int = 256,
    dense_terms: int = 0,
    n_threads: int = 1,
) -> TopK:
    """The ``selection.k`` best other rows of every row, ties broken by smaller ``rank``."""
    n_rows, k = matrix.shape[0], selection.k
    result = TopK(np.full((n_rows, k), -1, np.int64), np.zeros((n_rows, k), np.float32))
    if n_rows < 2:
        return result
    scorer = ScoreMatrix(matrix, dense_terms)
    size = chunk_rows(n_rows, memory_mb // max(1, n_threads))

    def run(bounds: tuple[int, int]) -> None:
        start, stop = bounds
        scores = scorer.chunk(start, stop)
        local = np.arange(stop - start)
        scores[local, local + start] = -np.inf
        rows, values = select_rows(scores, selection, rank)
        result.rows[start:stop] = rows
        result.scores[start:stop] = values

    if n_threads > 1:
        with ThreadPoolExecutor(n_threads) as pool:
            list(pool.map(run, _chunks(n_rows, size)))
    else:
        for bounds in _chunks(n_rows, size):
            run(bounds)
    return result


def select_rows(
    scores: np.ndarray, selection: Selection, rank: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Top-k columns of each row of a dense score block (modified in place)."""
    n, width = scores.shape
    k = selection.k
    if selection.ceiling is not None:
        scores[scores >= selection.ceiling] = -np.inf
    floor = max(selection.min_score, np.finfo(np.float32).tiny)
    bound = _lower_bound(scores, k, floor)
    row_ids, cols = np.nonzero(scores >= bound[:, None])
    values = scores[row_ids, cols]
    order = np.lexsort((rank[cols], -values, row_ids))
    row_ids, cols, values = row_ids[order], cols[order], values[order]
    starts = np.searchsorted(row_ids, np.arange(n))
    position = np.arange(len(row_ids)) - starts[row_ids]
    keep = position < k
    out_rows = np.full((n, k), -1, np.int64)
    out_scores = np.zeros((n, k), np.float32)
    out_rows[row_ids[keep], position[keep]] = cols[keep]
    out_scores[row_ids[keep], position[keep]] = values[keep]
    return out_rows, out_scores


def _lower_bound(scores: np.ndarray, k: int, floor: float) -> np.ndarray:
    """Per row a value <= its k-th best score (or ``floor``), from a sample of columns."""
    n, width = scores.shape
    sample = scores[:, : min(width, max(SAMPLE_COLUMNS, 4 * k))]
    if sample.shape[1] <= k:
        return np.full(n, floor, np.float32)
    kth = np.partition(sample, sample.shape[1] - k, axis=1)[:, sample.shape[1] - k]
    return np.maximum(kth, floor).astype(np.float32)


def top_k_of_vector(
    scores: np.ndarray, selection: Selection, keys: list, exclude: np.ndarray | None = None
) -> list[tuple[int, float]]:
    """Top-k (row, score) of one score vector; ties by ``keys[row]`` (any sortable values)."""
    scores = np.array(scores, dtype=np.float32, copy=True)
    if exclude is not None and len(exclude):
        scores[exclude] = -np.inf
    if selection.ceiling is not None:
        scores[scores >= selection.ceiling] = -np.inf
    floor = max(selection.min_score, np.finfo(np.float32).tiny)
    k = selection.k
    candidates = np.flatnonzero(scores >= floor)
    if len(candidates) > k:
        kth = np.partition(scores[candidates], len(candidates) - k)[len(candidates) - k]
        candidates = candidates[scores[candidates] >= kth]
    ranked = sorted(candidates.tolist(), key=lambda row: (-scores[row], keys[row]))
    return [(row, float(scores[row])) for row in ranked[:k]]
