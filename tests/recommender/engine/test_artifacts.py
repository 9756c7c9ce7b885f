import io

import joblib
import pytest

from recommender.engine import (
    ArtifactMismatch,
    ArtifactRefused,
    Document,
    EngineConfig,
    RelatedIndex,
)
from recommender.engine.artifacts import FORMAT_VERSION, seal, verified_body
from recommender.engine.index import ARTIFACT_KIND
from tests.support.engine_corpus import synthetic_documents

KEY = b"engine-test-key"
KEYS = [KEY]


@pytest.fixture(scope="module")
def index() -> RelatedIndex:
    built = RelatedIndex.fit(synthetic_documents(40), EngineConfig(top_k=4, n_jobs=1))
    built.neighbours()
    return built


def tampered(data: bytes, change) -> bytes:
    """Changed inside, then signed again with the right key: only the checks after it can tell."""
    raw = joblib.load(io.BytesIO(verified_body(data, ARTIFACT_KIND, KEYS)))
    change(raw)
    buffer = io.BytesIO()
    joblib.dump(raw, buffer)
    return seal(ARTIFACT_KIND, buffer.getvalue(), KEY)


def test_roundtrip_keeps_lists_queries_and_config(index):
    loaded = RelatedIndex.from_bytes(index.to_bytes(KEY), KEYS, EngineConfig(top_k=4, n_jobs=1))
    assert loaded.config == index.config
    assert loaded.neighbours() == index.neighbours()
    probe = Document(999, title="squat lunge", body="glute knee hip")
    assert loaded.query(probe) == index.query(probe)
    assert loaded.explain(0, 4) == index.explain(0, 4)


def test_roundtrip_after_incremental_changes(index):
    copy = RelatedIndex.from_bytes(index.to_bytes(KEY), KEYS)
    copy.add_or_update(Document(77, title="curl bicep", body="hammer curl forearm"))
    copy.remove(3)
    loaded = RelatedIndex.from_bytes(copy.to_bytes(KEY), KEYS)
    assert loaded.neighbours() == copy.neighbours()
    assert (
        loaded.add_or_update(Document(78, title="row")).neighbours
        == copy.add_or_update(Document(78, title="row")).neighbours
    )


def test_an_index_signed_with_another_key_is_refused(index):
    with pytest.raises(ArtifactRefused, match="signature"):
        RelatedIndex.from_bytes(index.to_bytes(b"someone-else"), KEYS)
    assert len(RelatedIndex.from_bytes(index.to_bytes(b"old"), [KEY, b"old"])) == len(index)


def test_a_different_config_is_refused(index):
    with pytest.raises(ArtifactMismatch):
        RelatedIndex.from_bytes(index.to_bytes(KEY), KEYS, EngineConfig(top_k=4, prune_ratio=0.1))


def test_runtime_settings_do_not_count_as_a_different_config(index):
    loaded = RelatedIndex.from_bytes(index.to_bytes(KEY), KEYS, EngineConfig(top_k=4, n_jobs=2))
    assert len(loaded) == len(index)


@pytest.mark.parametrize(
    "change",
    [
        lambda raw: raw["versions"].update({"scikit-learn": "0.0.1"}),
        lambda raw: raw["versions"].update({"numpy": "1.0.0"}),
        lambda raw: raw.update({"format_version": FORMAT_VERSION + 1}),
        lambda raw: raw.update({"kind": "something-else"}),
        lambda raw: raw["payload"].update({"index_format": 999}),
        lambda raw: raw["params"].update({"top_k": 99}),
    ],
)
def test_tampered_artifacts_are_refused(index, change):
    with pytest.raises(ArtifactMismatch):
        RelatedIndex.from_bytes(tampered(index.to_bytes(KEY), change), KEYS)


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: d[: len(d) // 2],
        lambda d: b"not an artifact",
        lambda d: bytes(b ^ 0xFF for b in d[:64]) + d[64:],
    ],
)
def test_corrupted_bytes_are_refused(index, damage):
    with pytest.raises(ArtifactMismatch):
        RelatedIndex.from_bytes(damage(index.to_bytes(KEY)), KEYS)


def test_config_dict_roundtrip():
    config = EngineConfig(field_weights={"title": 5.0}, ngram_range=(1, 1), stop_words=("a", "b"))
    assert EngineConfig.from_dict(config.to_dict()) == config
    with pytest.raises(ValueError):
        EngineConfig.from_dict({"no_such_setting": 1})
    with pytest.raises(ValueError):
        EngineConfig(field_weights={"summary": 1.0})
