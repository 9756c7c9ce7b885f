import io

import joblib
import pytest

from recommender.engine import ArtifactMismatch, ArtifactRefused, dump_artifact, load_artifact
from recommender.engine.artifacts import MAC_SIZE, MAGIC, envelope_header
from tests.support.artifacts import forged, malicious_pickle

KIND = "test-model"
KEY = b"current-key"
OLD_KEY = b"previous-key"
PAYLOAD = {"weights": [0.25, 0.5], "name": "tiny"}


@pytest.fixture
def signed() -> bytes:
    return dump_artifact(KIND, PAYLOAD, {"alpha": 1}, key=KEY)


def test_signed_roundtrip(signed):
    loaded = load_artifact(signed, KIND, [KEY])
    assert (loaded.kind, loaded.payload, loaded.params) == (KIND, PAYLOAD, {"alpha": 1})
    assert signed.startswith(MAGIC)


def test_any_of_the_keys_verifies_so_a_rotated_key_still_loads():
    old = dump_artifact(KIND, PAYLOAD, key=OLD_KEY)
    assert load_artifact(old, KIND, [KEY, OLD_KEY]).payload == PAYLOAD
    with pytest.raises(ArtifactRefused, match="signature"):
        load_artifact(old, KIND, [KEY])


def test_refusal_is_an_artifact_mismatch_for_existing_callers():
    assert issubclass(ArtifactRefused, ArtifactMismatch)


def test_the_malicious_pickle_is_live(tmp_path):
    """Control: the payload the refusal tests use really runs its command when unpickled."""
    marker = tmp_path / "owned"
    joblib.load(io.BytesIO(malicious_pickle(marker)))
    assert marker.exists()


@pytest.mark.parametrize("wrap", [lambda body: body, lambda body: forged(KIND, body)])
def test_a_malicious_pickle_is_refused_before_unpickling(tmp_path, wrap):
    marker = tmp_path / "owned"
    with pytest.raises(ArtifactRefused, match="signature"):
        load_artifact(wrap(malicious_pickle(marker)), KIND, [KEY])
    assert not marker.exists()


def test_a_legacy_unsigned_artifact_is_refused_as_unsigned():
    buffer = io.BytesIO()
    joblib.dump({"kind": KIND, "format_version": 1, "payload": PAYLOAD}, buffer, compress=3)
    with pytest.raises(ArtifactRefused, match="unsigned"):
        load_artifact(buffer.getvalue(), KIND, [KEY])


def test_every_flipped_byte_is_refused(signed):
    for position in range(len(signed)):
        damaged = bytearray(signed)
        damaged[position] ^= 0x01
        with pytest.raises(ArtifactRefused):
            load_artifact(bytes(damaged), KIND, [KEY])


def test_truncated_artifacts_are_refused(signed):
    header = len(envelope_header(KIND))
    for length in (0, 3, header, header + MAC_SIZE - 1, header + MAC_SIZE, len(signed) - 1):
        with pytest.raises(ArtifactRefused):
            load_artifact(signed[:length], KIND, [KEY])


def test_another_kind_is_refused_even_with_the_same_key(signed):
    with pytest.raises(ArtifactRefused):
        load_artifact(signed, "other-model", [KEY])


def test_memoryview_from_a_database_row_loads(signed):
    assert load_artifact(memoryview(signed), KIND, [KEY]).payload == PAYLOAD


def test_bad_keys_are_clear_errors(signed):
    with pytest.raises(TypeError):
        load_artifact(signed, KIND, KEY)
    with pytest.raises(ArtifactRefused, match="no key"):
        load_artifact(signed, KIND, [b""])
    with pytest.raises(ValueError):
        dump_artifact(KIND, PAYLOAD, key=b"")
