"""An append-only CSR row store with a term-major copy for fast one-document scoring.

Rows are appended in amortised O(row) and retired in place (weights zeroed, marked dead).
Scoring a few vectors against every row walks only the postings of their terms: the rows
present when the term-major copy was last built are read from it, later rows directly.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

REBUILD_SHARE = 0.1  # rebuild the term-major copy once this share of rows came after it


class RowStore:
    def __init__(self, matrix: sp.csr_matrix) -> None:
        matrix = sp.csr_matrix(matrix, dtype=np.float32)
        self.n_features = matrix.shape[1]
        self.n_rows = matrix.shape[0]
        self.nnz = matrix.nnz
        self.alive = np.ones(self.n_rows, dtype=bool)
        self._data = np.array(matrix.data, dtype=np.float32)
        self._indices = np.array(matrix.indices, dtype=np.int32)
        self._indptr = np.array(matrix.indptr, dtype=np.int64)
        self._postings: sp.csr_matrix | None = None  # (n_features, rows covered)

    def matrix(self) -> sp.csr_matrix:
        """A CSR view (no copy) of the rows stored so far."""
        return sp.csr_matrix(
            (self._data[: self.nnz], self._indices[: self.nnz], self._indptr[: self.n_rows + 1]),
            shape=(self.n_rows, self.n_features),
            copy=False,
        )

    def row(self, row: int) -> sp.csr_matrix:
        start, stop = self._indptr[row], self._indptr[row + 1]
        return sp.csr_matrix(
            (self._data[start:stop], self._indices[start:stop], [0, stop - start]),
            shape=(1, self.n_features),
        )

    def row_arrays(self, row: int) -> tuple[np.ndarray, np.ndarray]:
        """One row's columns and weights, as views."""
        start, stop = self._indptr[row], self._indptr[row + 1]
        return self._indices[start:stop], self._data[start:stop]

    def rows(self, rows: list[int]) -> sp.csr_matrix:
        return self.matrix()[rows]

    def append(self, vector: sp.csr_matrix) -> int:
        vector = sp.csr_matrix(vector, dtype=np.float32)
        size = vector.nnz
        self._data = _reserve(self._data, self.nnz + size)
        self._indices = _reserve(self._indices, self.nnz + size)
        self._indptr = _reserve(self._indptr, self.n_rows + 2)
        self._data[self.nnz : self.nnz + size] = vector.data
        self._indices[self.nnz : self.nnz + size] = vector.indices
        self.nnz += size
        self.n_rows += 1
        self._indptr[self.n_rows] = self.nnz
        self.alive = np.append(self.alive, True)
        return self.n_rows - 1

    def clear(self, row: int) -> None:
        """Retire a row: zero its weights so it scores 0 against everything."""
        self._data[self._indptr[row] : self._indptr[row + 1]] = 0.0
        self.alive[row] = False
        if self._postings is not None and row < self._postings.shape[1]:
            self._postings.data[self._postings.indices == row] = 0.0

    def prepare(self) -> None:
        """Build the term-major copy now (if due) rather than on the next scoring call."""
        self._covered()

    def transposed(self) -> sp.csr_matrix:
        """The term-major copy, covering every row stored so far."""
        if self._postings is None or self._postings.shape[1] != self.n_rows:
            self._postings = self.matrix().T.tocsr()
        return self._postings

    def dot(self, vectors: sp.csr_matrix) -> np.ndarray:
        """Dense (len(vectors), n_rows) cosine scores; retired rows score 0."""
        vectors = sp.csr_matrix(vectors, dtype=np.float32)
        scores = np.zeros((vectors.shape[0], self.n_rows), dtype=np.float32)
        if vectors.nnz == 0 or self.n_rows == 0:
            return scores
        covered = self._covered()
        if covered:
            scores[:, :covered] = (vectors @ self._postings).toarray()
        if covered < self.n_rows:
            tail = self.matrix()[covered:]
            scores[:, covered:] = (vectors @ tail.T).toarray()
        scores[:, ~self.alive] = 0.0
        return scores

    def _covered(self) -> int:
        covered = 0 if self._postings is None else self._postings.shape[1]
        if self.n_rows - covered > REBUILD_SHARE * max(covered, 1) or self._postings is None:
            self._postings = self.matrix().T.tocsr()
            covered = self.n_rows
        return covered


def _reserve(array: np.ndarray, size: int) -> np.ndarray:
    if size <= len(array):
        return array
    grown = np.zeros(max(size, 2 * len(array), 16), dtype=array.dtype)
    grown[: len(array)] = array
    return grown
