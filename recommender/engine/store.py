"""An append-only CSR row store: rows are added in amortised O(row) and retired in place."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


class RowStore:
    def __init__(self, matrix: sp.csr_matrix) -> None:
        matrix = sp.csr_matrix(matrix, dtype=np.float32)
        self.n_features = matrix.shape[1]
        self.n_rows = matrix.shape[0]
        self.nnz = matrix.nnz
        self._data = np.array(matrix.data, dtype=np.float32)
        self._indices = np.array(matrix.indices, dtype=np.int32)
        self._indptr = np.array(matrix.indptr, dtype=np.int64)

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
        return self.n_rows - 1

    def clear(self, row: int) -> None:
        """Zero a row's weights in place: it then scores 0 against everything."""
        self._data[self._indptr[row] : self._indptr[row + 1]] = 0.0


def _reserve(array: np.ndarray, size: int) -> np.ndarray:
    if size <= len(array):
        return array
    grown = np.zeros(max(size, 2 * len(array), 16), dtype=array.dtype)
    grown[: len(array)] = array
    return grown
