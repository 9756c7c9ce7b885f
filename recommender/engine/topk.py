"""Exact cosine top-k for every row of an L2-normalised sparse matrix, in bounded memory.

The score matrix ``X @ X.T`` is symmetric, so it is computed once per pair of row blocks, each
block product by a sparse matrix product written into a reused dense buffer. Every row keeps a
running top-k; its current k-th score is a lower bound of the final one, so a block only hands
over the few entries that reach it. Diagonal blocks go first to make those bounds tight early.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

TINY = float(np.finfo(np.float32).tiny)


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


def block_size(n_rows: int, memory_mb: int, n_jobs: int) -> int:
    """Rows per block so that each worker's dense block and its temporaries fit its share."""
    per_job = memory_mb * 2**20 / max(1, n_jobs)
    side = int((per_job / 16) ** 0.5)  # float32 scores, sparse product, boolean masks
    return max(64, min(4096, side, max(n_rows, 1)))


class _Running:
    """Per-row best-so-far lists, merged as blocks report candidates."""

    def __init__(self, n_rows: int, selection: Selection, rank: np.ndarray) -> None:
        self.k = selection.k
        self.rank = rank
        self.rows = np.full((n_rows, self.k), -1, np.int64)
        self.scores = np.full((n_rows, self.k), -np.inf, np.float32)
        self.bound = np.full(n_rows, selection.floor, np.float32)
        self.floor = selection.floor

    def bounds(self, start: int, size: int) -> tuple[np.ndarray, np.ndarray]:
        """Current lower bounds of the k-th best scores of rows, and which lists are not full."""
        stop = start + size
        return self.bound[start:stop].copy(), np.flatnonzero(self.rows[start:stop, -1] < 0)

    def merge(self, rows: np.ndarray, cols: np.ndarray, values: np.ndarray) -> None:
        if not len(rows):
            return
        touched = np.unique(rows)
        old = self.rows[touched]
        filled = old >= 0
        all_rows = np.concatenate([np.repeat(touched, self.k)[filled.ravel()], rows])
        all_cols = np.concatenate([old[filled], cols])
        all_values = np.concatenate([self.scores[touched][filled], values])
        order = np.lexsort((self.rank[all_cols], -all_values, all_rows))
        all_rows, all_cols, all_values = all_rows[order], all_cols[order], all_values[order]
        group = np.searchsorted(touched, all_rows)
        position = np.arange(len(all_rows)) - np.searchsorted(all_rows, touched)[group]
        keep = position < self.k
        self.rows[touched] = -1
        self.scores[touched] = -np.inf
        self.rows[all_rows[keep], position[keep]] = all_cols[keep]
        self.scores[all_rows[keep], position[keep]] = all_values[keep]
        full = self.rows[touched, -1] >= 0
        self.bound[touched[full]] = np.maximum(self.scores[touched[full], -1], self.floor)

    def result(self) -> TopK:
        scores = np.where(self.rows >= 0, self.scores, 0.0).astype(np.float32)
        return TopK(self.rows, scores)


def all_top_k(
    matrix: sp.csr_matrix,
    selection: Selection,
    rank: np.ndarray,
    memory_mb: int = 256,
    n_jobs: int = 1,
) -> TopK:
    """The ``selection.k`` best other rows of every row, ties broken by smaller ``rank``.

    With ``n_jobs`` > 1 the block products run in forked worker processes (when the platform
    and the calling process allow it); the lists are merged here either way.
    """
    matrix = sp.csr_matrix(matrix, dtype=np.float32)
    n_rows = matrix.shape[0]
    running = _Running(n_rows, selection, np.asarray(rank))
    if n_rows < 2:
        return running.result()
    blocks = _Blocks.split(matrix, block_size(n_rows, memory_mb, n_jobs), selection)
    count = len(blocks.starts)
    diagonal = [(i, i) for i in range(count)]
    others = sorted(
        ((i, j) for i in range(count) for j in range(i + 1, count)),
        key=lambda pair: (pair[1] - pair[0], pair),
    )
    with _workers(blocks, n_jobs if count > 2 else 1) as pool:
        for pairs in (diagonal, others):  # diagonal blocks first: tight bounds early
            _run_pairs(pairs, blocks, running, pool, 2 * n_jobs)
    return running.result()


@dataclass
class _Blocks:
    """The matrix cut into row blocks, with each block transposed for the products."""

    starts: list[int]
    rows: list[sp.csr_matrix]
    transposed: list[sp.csr_matrix]
    selection: Selection
    buffer: np.ndarray | None = None

    @classmethod
    def split(cls, matrix: sp.csr_matrix, size: int, selection: Selection) -> _Blocks:
        starts = list(range(0, matrix.shape[0], size))
        rows = [matrix[start : start + size] for start in starts]
        return cls(starts, rows, [block.T.tocsr() for block in rows], selection)


_FORKED: _Blocks | None = None  # the blocks forked workers inherit
_FORK_LOCK = threading.Lock()


@contextmanager
def _workers(blocks: _Blocks, n_jobs: int) -> Iterator[ProcessPoolExecutor | None]:
    """A pool of forked processes that see ``blocks``, or None to work in this process."""
    global _FORKED
    forkable = "fork" in multiprocessing.get_all_start_methods()
    if n_jobs < 2 or not forkable or multiprocessing.current_process().daemon:
        yield None  # e.g. inside a Celery prefork child, which may not have children
        return
    with _FORK_LOCK:
        _FORKED = blocks
        try:
            context = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(n_jobs, mp_context=context) as pool:
                yield pool
        finally:
            _FORKED = None


def _run_pairs(
    pairs: list,
    blocks: _Blocks,
    running: _Running,
    pool: ProcessPoolExecutor | None,
    window: int,
) -> None:
    if pool is None:
        for pair in pairs:
            running.merge(*_block_candidates(blocks, _task(pair, blocks, running)))
        return
    queue = iter(pairs)
    pending: set = set()
    while True:
        while len(pending) < window and (pair := next(queue, None)) is not None:
            # bounds travel with the task: few tasks in flight keeps them fresh
            pending.add(pool.submit(_forked_candidates, _task(pair, blocks, running)))
        if not pending:
            return
        done, pending = wait(pending, return_when=FIRST_COMPLETED)
        for future in done:
            running.merge(*future.result())


def _task(pair: tuple[int, int], blocks: _Blocks, running: _Running) -> tuple:
    i, j = pair
    return (
        pair,
        running.bounds(blocks.starts[i], blocks.rows[i].shape[0]),
        running.bounds(blocks.starts[j], blocks.rows[j].shape[0]),
    )


def _forked_candidates(task: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    assert _FORKED is not None, "worker started without blocks"
    return _block_candidates(_FORKED, task)


def _block_candidates(blocks: _Blocks, task: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row, column, score) of the entries of one block that can enter a top-k list."""
    (i, j), (row_bound, row_open), (col_bound, col_open) = task
    selection, starts = blocks.selection, blocks.starts
    scores = _dense(blocks, blocks.rows[i] @ blocks.transposed[j])
    if i == j:
        np.fill_diagonal(scores, -np.inf)
    if selection.ceiling is not None:
        scores[scores >= selection.ceiling] = -np.inf
    row_bound = _tighten(row_bound, row_open, scores, selection)
    rows, cols = np.nonzero(scores >= row_bound[:, None])
    found = [(rows + starts[i], cols + starts[j], scores[rows, cols])]
    if i != j:  # the same block read by columns serves the rows of block j
        col_bound = _tighten(col_bound, col_open, scores.T, selection)
        rows, cols = np.nonzero(scores >= col_bound[None, :])
        found.append((cols + starts[j], rows + starts[i], scores[rows, cols]))
    return tuple(np.concatenate(parts) for parts in zip(*found, strict=True))


def _dense(blocks: _Blocks, product: sp.csr_matrix) -> np.ndarray:
    """The product as a dense array, in a buffer reused by this process (no page faults)."""
    size = product.shape[0] * product.shape[1]
    if blocks.buffer is None or len(blocks.buffer) < size:
        blocks.buffer = np.empty(size, np.float32)
    return product.toarray(out=blocks.buffer[:size].reshape(product.shape))


def _tighten(bound: np.ndarray, open_rows: np.ndarray, scores: np.ndarray, selection: Selection):
    """Rows whose list is not full yet take the block's own k-th best score as their bound."""
    if len(open_rows):
        bound = bound.copy()
        bound[open_rows] = np.maximum(
            bound[open_rows], _kth_best(scores[open_rows], selection.k, selection.floor)
        )
    return bound


def _kth_best(scores: np.ndarray, k: int, floor: float) -> np.ndarray:
    """Per row the k-th best score: nothing below it can be in that row's top k."""
    width = scores.shape[1]
    if width <= k:
        return np.full(scores.shape[0], floor, np.float32)
    return np.partition(scores, width - k, axis=1)[:, width - k]


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
