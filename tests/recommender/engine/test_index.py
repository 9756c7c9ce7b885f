import math

import numpy as np
import pytest

from recommender.engine import Document, EngineConfig, Neighbour, RelatedIndex
from recommender.engine.topk import TopK
from tests.support.engine_corpus import synthetic_documents

CONFIG = EngineConfig(top_k=5, n_jobs=1)


def ids(listing: list[Neighbour]) -> list:
    return [neighbour.id for neighbour in listing]


def brute_force(index: RelatedIndex) -> dict:
    """Every list recomputed from scratch with one query per document."""
    return {
        doc_id: ids(index.neighbours_of(doc_id, k=index.config.top_k + 50)[: index.config.top_k])
        for doc_id in index.ids
    }


def test_lists_are_deterministic_and_never_contain_self():
    documents = synthetic_documents(60)
    first = RelatedIndex.fit(documents, CONFIG).neighbours()
    second = RelatedIndex.fit(list(reversed(documents)), CONFIG).neighbours()
    assert first == second
    for doc_id, listing in first.items():
        assert doc_id not in ids(listing)
        assert len(listing) == 5
        scores = [neighbour.score for neighbour in listing]
        assert scores == sorted(scores, reverse=True)


def test_ties_are_broken_by_smaller_id():
    documents = [
        Document(10, title="alpha beta"),
        Document(7, title="alpha beta gamma"),
        Document(3, title="alpha beta gamma"),
        Document(5, title="alpha beta gamma"),
        Document(1, title="delta epsilon"),
        Document(2, title="delta epsilon"),
    ]
    index = RelatedIndex.fit(documents, EngineConfig(top_k=2, min_df=1, n_jobs=1))
    assert ids(index.neighbours()[10]) == [3, 5]
    assert ids(index.neighbours()[7]) == [3, 5]
    assert ids(index.query(Document(99, title="alpha beta"))) == [10, 3]


def test_matches_brute_force_on_several_blocks_and_threads():
    documents = synthetic_documents(400, seed=3)
    config = EngineConfig(top_k=4, memory_mb=1, n_jobs=2)
    index = RelatedIndex.fit(documents, config)
    assert {doc: ids(found) for doc, found in index.neighbours().items()} == brute_force(index)


def test_blocks_computed_apart_give_the_same_lists_once_adopted():
    documents = synthetic_documents(150, seed=4)
    whole = RelatedIndex.fit(documents, CONFIG)
    shared = RelatedIndex.fit(documents, CONFIG)
    blocks = [shared.neighbour_block(start, start + 40) for start in range(0, 150, 40)]
    assert not shared.has_table
    listed = {}
    for start, block in zip(range(0, 150, 40), blocks, strict=True):
        listed.update(shared.block_lists(block, start))
    assert listed == whole.neighbours()
    shared.adopt_table(TopK.stack(blocks))
    assert shared.neighbours() == whole.neighbours()
    probe = Document(999, title="squat lunge", body="glute knee hip")
    assert shared.add_or_update(probe) == whole.add_or_update(probe)
    with pytest.raises(ValueError):
        shared.adopt_table(TopK.stack(blocks[:-1]))


def test_empty_corpus():
    index = RelatedIndex.fit([], CONFIG)
    assert len(index) == 0
    assert index.neighbours() == {}
    assert index.query(Document(1, title="anything")) == []
    assert index.add_or_update(Document(1, title="first words")).neighbours == []


def test_one_document():
    index = RelatedIndex.fit([Document(1, title="Only one", body="a lonely article")], CONFIG)
    assert index.neighbours() == {1: []}
    assert ids(index.query(Document(2, title="lonely article"))) == [1]


def test_documents_without_text_get_no_neighbours_and_no_nan():
    documents = synthetic_documents(20) + [Document(100), Document(101, title="the and of")]
    index = RelatedIndex.fit(documents, CONFIG)
    lists = index.neighbours()
    assert lists[100] == [] and lists[101] == []
    for listing in lists.values():
        assert 100 not in ids(listing) and 101 not in ids(listing)
        assert all(math.isfinite(neighbour.score) for neighbour in listing)
    assert index.query(Document(200)) == []


def test_a_corpus_without_any_text():
    index = RelatedIndex.fit([Document(1), Document(2, tags=[]), Document(3, body="   ")], CONFIG)
    assert index.neighbours() == {1: [], 2: [], 3: []}
    assert index.add_or_update(Document(4, title="new words")).changed == {}


def test_unicode_and_mixed_scripts():
    documents = [
        Document(1, title="Приседания со штангой", body="ноги квадрицепсы ягодицы"),
        Document(2, title="Приседания с гантелями", body="ноги квадрицепсы"),
        Document(3, title="東京の天気", body="東京は晴れです"),
        Document(4, title="東京の観光", body="東京タワー"),
        Document(5, title="Café crème", body="naïve déjà vu café"),
        Document(6, title="Le café", body="déjà café"),
    ]
    lists = RelatedIndex.fit(documents, EngineConfig(top_k=1, min_df=1, n_jobs=1)).neighbours()
    assert ids(lists[1]) == [2]
    assert ids(lists[3]) == [4]
    assert ids(lists[5]) == [6]


def test_huge_body_is_truncated_not_fatal():
    huge = "squat " * 2_000_000  # 12 MB
    documents = synthetic_documents(10) + [Document(50, title="squat", body=huge)]
    index = RelatedIndex.fit(documents, CONFIG)
    listing = index.neighbours()[50]
    assert listing and all(documents[n.id].tags == ["legs"] for n in listing)
    assert index.query(Document(50, title="squat", body=huge)) == listing


def test_duplicate_ids_are_rejected():
    with pytest.raises(ValueError, match="duplicate"):
        RelatedIndex.fit([Document(1, title="a b"), Document(1, title="c d")], CONFIG)


def test_explain_returns_shared_terms():
    documents = [
        Document(1, title="Barbell back squat", body="squat deep with the barbell"),
        Document(2, title="Front squat", body="barbell front squat for quads"),
        Document(3, title="Bench press", body="press the bar from your chest"),
    ]
    index = RelatedIndex.fit(documents, EngineConfig(min_df=1, n_jobs=1))
    terms = index.explain(1, 2, n=3)
    assert terms[0][0] == "squat"
    assert {term for term, _ in terms} <= {"squat", "barbell", "barbell squat"}
    assert all(contribution > 0 for _, contribution in terms)
    assert index.explain(1, 3) == []


def test_query_of_a_new_document_is_close_to_a_refit():
    documents = synthetic_documents(80, seed=5)
    new = Document(1000, title="squat lunge", body="quad hamstring squat glute lunge knee")
    queried = ids(RelatedIndex.fit(documents, CONFIG).query(new))
    refit = ids(RelatedIndex.fit([*documents, new], CONFIG).neighbours()[1000])
    assert len(set(queried) & set(refit)) >= 3


def test_reverse_updates_and_add_match_a_recomputation():
    documents = synthetic_documents(120, seed=7)
    index = RelatedIndex.fit(documents[:-10], CONFIG)
    before = {doc: ids(found) for doc, found in index.neighbours().items()}
    for document in documents[-10:]:
        expected_reverse = set(ids(index.reverse_updates(document)))
        update = index.add_or_update(document)
        after = {doc: ids(found) for doc, found in index.neighbours().items()}
        assert after == brute_force(index)
        assert ids(update.neighbours) == after[document.id]
        assert set(update.changed) == expected_reverse
        assert {doc for doc in before if before[doc] != after[doc]} == expected_reverse
        assert all(document.id in ids(update.changed[doc]) for doc in expected_reverse)
        before = after


def test_update_and_remove_keep_lists_exact():
    documents = synthetic_documents(100, seed=11)
    index = RelatedIndex.fit(documents, CONFIG)
    index.neighbours()
    changed = Document(4, title="bench press", body="chest pectoral fly incline bench press")
    update = index.add_or_update(changed)
    assert {doc: ids(found) for doc, found in index.neighbours().items()} == brute_force(index)
    assert update.neighbours == index.neighbours()[4]
    removal = index.remove(9)
    assert 9 not in index and 9 not in index.neighbours()
    lists = {doc: ids(found) for doc, found in index.neighbours().items()}
    assert lists == brute_force(index)
    assert all(9 not in found for found in lists.values())
    assert all(lists[doc] == ids(found) for doc, found in removal.changed.items())
    with pytest.raises(KeyError):
        index.remove(9)


def test_near_duplicates_are_flagged_and_can_be_skipped():
    documents = synthetic_documents(30) + [
        Document(500, title="deadlift row", body="deadlift row grip spine trap"),
        Document(501, title="deadlift row", body="deadlift row grip spine trap"),
    ]
    index = RelatedIndex.fit(documents, CONFIG)
    first = index.neighbours()[500][0]
    assert first.id == 501 and first.near_duplicate and first.score == pytest.approx(1.0)
    assert index.near_duplicates() == [(500, 501, pytest.approx(1.0))]
    skipping = RelatedIndex.fit(
        documents, EngineConfig(top_k=5, n_jobs=1, skip_near_duplicates=True)
    )
    assert 501 not in ids(skipping.neighbours()[500])
    assert not any(n.near_duplicate for found in skipping.neighbours().values() for n in found)


def test_min_score_and_longer_lists():
    documents = synthetic_documents(50)
    index = RelatedIndex.fit(documents, EngineConfig(top_k=3, min_score=0.3, n_jobs=1))
    assert all(n.score >= 0.3 for found in index.neighbours().values() for n in found)
    longer = index.neighbours(k=8)
    assert all(len(found) <= 8 for found in longer.values())
    assert np.isclose(longer[0][0].score, index.neighbours()[0][0].score) if longer[0] else True
