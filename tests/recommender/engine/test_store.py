import numpy as np
import scipy.sparse as sp

from recommender.engine.store import RowStore


def test_a_retired_row_scores_zero_in_every_copy():
    matrix = sp.csr_matrix(np.array([[1, 0, 1], [1, 1, 0], [0, 1, 1]], np.float32))
    store = RowStore(matrix)
    transposed = store.transposed()
    store.clear(1)
    probe = sp.csr_matrix(np.ones((1, 3), np.float32))
    assert (probe @ store.transposed()).toarray()[0, 1] == 0
    assert (probe @ transposed).toarray()[0, 1] == 0  # the copy handed out before
    assert store.dot(probe)[0, 1] == 0 and store.dot(probe)[0, 0] == 2
