import json
import subprocess
import sys

import pytest

from recommender.engine import baselines
from recommender.engine.evaluation import (
    coverage,
    engine_neighbours,
    labels_of,
    mean_reciprocal_rank,
    precision_at_k,
    read_rows,
    score,
    to_documents,
)

ROWS = [
    {
        "id": "a",
        "title": "Back squat",
        "body": "squat legs",
        "tags": ["barbell"],
        "labels": ["legs"],
    },
    {
        "id": "b",
        "title": "Front squat",
        "body": "squat quads",
        "tags": ["barbell"],
        "labels": ["legs"],
    },
    {
        "id": "c",
        "title": "Bench press",
        "body": "chest press",
        "tags": ["barbell"],
        "labels": ["chest"],
    },
    {
        "id": "d",
        "title": "Push-up",
        "body": "chest press floor",
        "tags": [],
        "labels": ["chest", "arms"],
    },
]


def test_read_rows_and_documents_carry_no_labels(tmp_path):
    path = tmp_path / "set.jsonl"
    path.write_text("\n".join(json.dumps(row) for row in ROWS) + "\n\n", encoding="utf-8")
    rows = read_rows(path)
    documents = to_documents(rows)
    assert [document.id for document in documents] == ["a", "b", "c", "d"]
    assert documents[0].title == "Back squat" and documents[0].tags == ("barbell",)
    assert not any(hasattr(document, "labels") for document in documents)
    assert labels_of(rows)["d"] == frozenset({"chest", "arms"})


def test_metrics_by_hand():
    labels = labels_of(ROWS)
    neighbours = {"a": ["c", "b"], "b": ["a"], "c": ["d", "a"], "d": []}
    assert precision_at_k(neighbours, labels, 2) == pytest.approx((1 / 2 + 1 / 2 + 1 / 2 + 0) / 4)
    assert mean_reciprocal_rank(neighbours, labels, 2) == pytest.approx((1 / 2 + 1 + 1 + 0) / 4)
    assert coverage(neighbours, labels, 2) == pytest.approx(2 / 4)
    assert score({}, {}, 5).precision == 0.0


def test_engine_and_baselines_produce_lists():
    documents, labels = to_documents(ROWS), labels_of(ROWS)
    for method in (
        lambda: engine_neighbours(documents, 1),
        lambda: baselines.textbook_neighbours(documents, 1),
        lambda: baselines.nearest_neighbours_baseline(documents, 1),
    ):
        found = method()
        assert found["a"] == ["b"] and found["c"] == ["d"]
        assert score(found, labels, 1).precision == 1.0
    assert baselines.tag_overlap_neighbours(documents, 2)["a"] == ["b", "c"]
    assert baselines.tag_overlap_neighbours(documents, 2)["d"] == []
    first = baselines.random_neighbours(documents, 2, seed=1)
    assert first == baselines.random_neighbours(documents, 2, seed=1)
    assert all(doc not in found and len(found) == 2 for doc, found in first.items())


def test_engine_imports_no_django_or_wagtail():
    code = (
        "import recommender.engine, recommender.engine.evaluation, recommender.engine.benchmark,"
        " sys; assert not any(m.startswith(('django', 'wagtail')) for m in sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
