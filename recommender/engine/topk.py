"""Exact cosine top-k of rows of an L2-normalised sparse matrix against all of its rows.

The products run in sparse_dot_topn, which keeps only each row's best scores as it multiplies
and runs on threads outside the GIL (so it also works inside a Celery prefork child). It is
asked for more than k per row; a row whose k-th kept score is not above the last score returned
may have lost a tie or a slot to itself or to the ceiling, and is recomputed in full here.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sparse_dot_topn import sp_matmul_topn

TINY = float(np.finfo(np.float32).tiny)
FULL_ROWS = 256  # rows recomputed in full per dense product
_THREADED_IN: int | None = None  # the process whose OpenMP threads have started


@dataclass(frozen=True)
class Selection:
    """Which scores may be listed: positive, at least ``min_score``, below ``ceiling`` if set."""

    k: int
    min_score: float = 0.0
    ceiling: float | None = None

    @property
    def floor(self) -> float:
        return max(self.min_score, TINY)


@dataclass
class TopK:
    rows: np.ndarray  # (n, k) int64 row numbers, -1 where a list is shorter than k
    scores: np.ndarray  # (n, k) float32, 0 where rows is -1

    @classmethod
    def empty(cls, n_rows: int, k: int) -> TopK:
        return cls(np.full((n_rows, k), -1, np.int64), np.zeros((n_rows, k), np.float32))

    @classmethod
    def stack(cls, parts: list[TopK]) -> TopK:
        return cls(
            np.concatenate([part.rows for part in parts]),
            np.concatenate([part.scores for part in parts]),
        )

    def part(self, start: int, stop: int) -> TopK:
        return TopK(self.rows[start:stop].copy(), self.scores[start:stop].copy())

    def to_bytes(self) -> bytes:
        """Plain arrays (no pickle), so reading them back cannot run code."""
        buffer = io.BytesIO()
        np.savez(buffer, rows=self.rows.astype(np.int32), scores=self.scores)
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> TopK:
        """Read ``to_bytes`` output; ``ValueError`` if the bytes are not such a table."""
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
                rows, scores = arrays["rows"].astype(np.int64), arrays["scores"]
        except Exception as exc:  # truncated or foreign bytes fail in many ways
            raise ValueError(f"not a neighbour table: {exc}") from exc
        if rows.ndim != 2 or rows.shape != scores.shape or scores.dtype != np.float32:
            raise ValueError("not a neighbour table: mismatched arrays")
        return cls(rows, scores)


def all_top_k(
    matrix: sp.csr_matrix,
    selection: Selection,
    rank: np.ndarray,
    memory_mb: int = 256,
    n_jobs: int = 1,
) -> TopK:
    """The ``selection.k`` best other rows of every row, ties broken by smaller ``rank``."""
    matrix = sp.csr_matrix(matrix, dtype=np.float32)
    transposed = matrix.T.tocsr()
    size = block_rows(matrix.shape[1], selection.k, memory_mb)
    parts = [
        top_k_of_rows(matrix[start : start + size], transposed, start, selection, rank, n_jobs)
        for start in range(0, matrix.shape[0], size)
    ]
    return TopK.stack(parts) if parts else TopK.empty(0, selection.k)


def block_rows(n_columns: int, k: int, memory_mb: int) -> int:
    """Rows per product so that candidates and full recomputations fit ``memory_mb``."""
    per_row = 4 * max(n_columns, 1) // FULL_ROWS + 48 * (2 * k + 1)
    return max(64, memory_mb * 2**20 // per_row)


def top_k_of_rows(
    block: sp.csr_matrix,
    transposed: sp.csr_matrix,
    first_row: int,
    selection: Selection,
    rank: np.ndarray,
    n_jobs: int = 1,
) -> TopK:
    """Top-k of rows ``first_row ...`` (``block``) against every row (columns of ``transposed``).

    Each row skips itself; ties go to the smaller ``rank``.
    """
    block = sp.csr_matrix(block, dtype=np.float32)
    n_rows, k = block.shape[0], selection.k
    result = TopK.empty(n_rows, k)
    if n_rows == 0 or transposed.shape[1] < 2:
        return result
    wanted = min(2 * k + 1, transposed.shape[1])
    found = sp_matmul_topn(
        block,
        sp.csr_matrix(transposed, dtype=np.float32),
        top_n=wanted,
        threshold=float(np.nextafter(np.float32(selection.floor), np.float32(0))),
        n_threads=_threads(n_jobs),
    )
    unsure = _keep_best(found, first_row, selection, rank, wanted, result)
    for start in range(0, len(unsure), FULL_ROWS):
        rows = unsure[start : start + FULL_ROWS]
        scores = (block[rows] @ transposed).toarray()
        for row, values in zip(rows.tolist(), scores, strict=True):
            _set_row(result, row, _exact_row(values, first_row + row, selection, rank))
    return result


def _threads(n_jobs: int) -> int | None:
    """Threads for the product; none in a child forked after this process started them.

    OpenMP (GNU libgomp) hangs in a forked child once the parent has used its thread pool.
    """
    global _THREADED_IN
    if n_jobs < 2 or _THREADED_IN not in (None, os.getpid()):
        return None
    _THREADED_IN = os.getpid()
    return n_jobs


def _keep_best(
    found: sp.csr_matrix,
    first_row: int,
    selection: Selection,
    rank: np.ndarray,
    wanted: int,
    result: TopK,
) -> np.ndarray:
    """Fill ``result`` from the candidates; return the rows that must be recomputed in full."""
    k = selection.k
    counts = np.diff(found.indptr)
    rows = np.repeat(np.arange(len(counts)), counts)
    cols, values = found.indices.astype(np.int64), found.data
    lowest = np.full(len(counts), np.inf, np.float32)
    np.minimum.at(lowest, rows, values)
    keep = (cols != rows + first_row) & (values >= selection.floor)
    if selection.ceiling is not None:
        keep &= values < selection.ceiling
    rows, cols, values = rows[keep], cols[keep], values[keep]
    order = np.lexsort((rank[cols], -values, rows))
    rows, cols, values = rows[order], cols[order], values[order]
    position = np.arange(len(rows)) - np.searchsorted(rows, rows)
    listed = position < k
    result.rows[rows[listed], position[listed]] = cols[listed]
    result.scores[rows[listed], position[listed]] = values[listed]
    kth = np.where(result.rows[:, -1] >= 0, result.scores[:, -1], -np.inf)
    certain = (counts < wanted) | (kth > lowest)
    return np.flatnonzero(~certain)


def _exact_row(scores: np.ndarray, own: int, selection: Selection, rank: np.ndarray):
    scores[own] = -np.inf
    if selection.ceiling is not None:
        scores[scores >= selection.ceiling] = -np.inf
    candidates = np.flatnonzero(scores >= selection.floor)
    order = np.lexsort((rank[candidates], -scores[candidates]))[: selection.k]
    return candidates[order], scores[candidates[order]]


def _set_row(result: TopK, row: int, found: tuple[np.ndarray, np.ndarray]) -> None:
    cols, values = found
    result.rows[row] = -1
    result.scores[row] = 0.0
    result.rows[row, : len(cols)] = cols
    result.scores[row, : len(cols)] = values


def top_k_of_vector(
    scores: np.ndarray, selection: Selection, keys: list, exclude: np.ndarray | None = None
) -> list[tuple[int, float]]:
    """Top-k (row, score) of one score vector; ties by ``keys[row]`` (any sortable values)."""
    scores = np.array(scores, dtype=np.float32, copy=True)
    if exclude is not None and len(exclude):
        scores[exclude] = -np.inf
    if selection.ceiling is not None:
        scores[scores >= selection.ceiling] = -np.inf
    k = selection.k
    candidates = np.flatnonzero(scores >= selection.floor)
    if len(candidates) > k:
        kth = np.partition(scores[candidates], len(candidates) - k)[len(candidates) - k]
        candidates = candidates[scores[candidates] >= kth]
    ranked = sorted(candidates.tolist(), key=lambda row: (-scores[row], keys[row]))
    return [(row, float(scores[row])) for row in ranked[:k]]
