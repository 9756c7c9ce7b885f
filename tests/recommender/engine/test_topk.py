import io
import multiprocessing

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.preprocessing import normalize

from recommender.engine.topk import (
    Selection,
    TopK,
    all_top_k,
    top_k_of_rows,
    top_k_of_vector,
)


def random_matrix(n: int, seed: int) -> sp.csr_matrix:
    generator = np.random.default_rng(seed)
    dense = generator.random((n, 30)) * (generator.random((n, 30)) < 0.15)
    dense[: n // 10] = dense[n // 10 : 2 * (n // 10)]  # exact duplicates make exact ties
    dense[-3:] = 0.0  # empty rows
    return normalize(sp.csr_matrix(dense.astype(np.float32)))


def expected(matrix: sp.csr_matrix, selection: Selection, rank: np.ndarray) -> list[list[int]]:
    scores = (matrix @ matrix.T).toarray()
    lists = []
    for row, values in enumerate(scores):
        ok = [
            c
            for c in range(len(values))
            if c != row
            and values[c] >= selection.floor
            and (selection.ceiling is None or values[c] < selection.ceiling)
        ]
        ok.sort(key=lambda c: (-values[c], rank[c]))
        lists.append(ok[: selection.k])
    return lists


def as_lists(rows: np.ndarray) -> list[list[int]]:
    return [[int(c) for c in row if c >= 0] for row in rows]


@pytest.mark.parametrize("n_jobs", [1, 2])
@pytest.mark.parametrize(
    "selection", [Selection(5), Selection(3, min_score=0.4), Selection(4, ceiling=0.999)]
)
def test_all_top_k_is_exact_with_ties_and_blocks(selection, n_jobs):
    matrix = random_matrix(300, seed=1)
    rank = np.random.default_rng(2).permutation(300)  # ids in another order than rows
    found = all_top_k(matrix, selection, rank, memory_mb=1, n_jobs=n_jobs)
    assert as_lists(found.rows) == expected(matrix, selection, rank)
    assert np.all(found.scores[found.rows < 0] == 0)


def test_small_inputs():
    empty = all_top_k(sp.csr_matrix((0, 4), dtype=np.float32), Selection(3), np.arange(0))
    assert empty.rows.shape == (0, 3)
    one = all_top_k(sp.csr_matrix(np.ones((1, 4), np.float32)), Selection(3), np.arange(1))
    assert as_lists(one.rows) == [[]]


def _in_child(queue) -> None:
    matrix = random_matrix(200, seed=4)
    queue.put(as_lists(all_top_k(matrix, Selection(3), np.arange(200), 1, n_jobs=2).rows))


def test_a_child_forked_after_threaded_work_computes_on_one_thread():
    all_top_k(random_matrix(200, seed=5), Selection(3), np.arange(200), n_jobs=2)
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    process = context.Process(target=_in_child, args=(queue,), daemon=True)
    process.start()
    result = queue.get(timeout=30)
    process.join(timeout=30)
    matrix = random_matrix(200, seed=4)
    assert result == expected(matrix, Selection(3), np.arange(200))


def test_top_k_of_vector_orders_by_score_then_key():
    scores = np.array([0.5, 0.9, 0.5, 0.0, 0.5], np.float32)
    keys = ["e", "a", "c", "b", "d"]
    assert top_k_of_vector(scores, Selection(3), keys) == [
        (1, pytest.approx(0.9)),
        (2, 0.5),
        (4, 0.5),
    ]
    assert [row for row, _ in top_k_of_vector(scores, Selection(9), keys, np.array([1]))] == [
        2,
        4,
        0,
    ]


@pytest.mark.parametrize("size", [1, 7, 64, 300])
def test_blocks_of_rows_stack_to_the_whole_table(size):
    matrix = random_matrix(300, seed=6)
    rank = np.random.default_rng(7).permutation(300)
    selection = Selection(4, ceiling=0.999)
    transposed = matrix.T.tocsr()
    parts = [
        top_k_of_rows(matrix[start : start + size], transposed, start, selection, rank)
        for start in range(0, 300, size)
    ]
    assert as_lists(TopK.stack(parts).rows) == expected(matrix, selection, rank)


def test_rows_tied_beyond_the_candidates_are_recomputed_exactly():
    generator = np.random.default_rng(8)
    dense = generator.random((120, 20)) * (generator.random((120, 20)) < 0.3)
    dense[:40] = dense[40]  # 41 identical rows: 40 ties at score 1 for each of them
    matrix = normalize(sp.csr_matrix(dense.astype(np.float32)))
    rank = generator.permutation(120)
    for selection in (Selection(3), Selection(3, ceiling=0.999)):
        found = all_top_k(matrix, selection, rank, n_jobs=2)
        assert as_lists(found.rows) == expected(matrix, selection, rank)


def test_a_table_survives_bytes_and_foreign_bytes_are_refused():
    table = all_top_k(random_matrix(50, seed=9), Selection(3), np.arange(50))
    copy = TopK.from_bytes(table.to_bytes())
    assert np.array_equal(copy.rows, table.rows) and np.array_equal(copy.scores, table.scores)
    pickled = io.BytesIO()
    np.savez(pickled, rows=np.array([object()]), scores=np.zeros(1, np.float32))
    for foreign in (b"", b"not a table", table.to_bytes()[:100], pickled.getvalue()):
        with pytest.raises(ValueError):
            TopK.from_bytes(foreign)
