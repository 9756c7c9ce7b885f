"""Versioned, signed model artifacts: a joblib payload inside an HMAC-SHA256 envelope.

Layout: ``MAGIC | format | kind length | kind | HMAC-SHA256(key, header + body) | body``, where
the body is the joblib dump. ``load_artifact`` checks the MAC against each key it is given before
the body is unpickled, so bytes nobody signed (tampered, truncated, legacy or forged) are refused
with ``ArtifactRefused`` and never reach pickle. A signed artifact written by other library
versions is refused with ``ArtifactMismatch`` so the caller retrains instead of trusting it.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import platform
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import joblib
import numpy
import scipy
import sklearn

FORMAT_VERSION = 2
MAGIC = b"WAYLART\x00"
MAC_SIZE = hashlib.sha256().digest_size


class ArtifactMismatch(Exception):
    """The artifact cannot be used with this code or these library versions."""


class ArtifactRefused(ArtifactMismatch):
    """The artifact's signature is missing or wrong; nothing in it was unpickled."""


def library_versions() -> dict[str, str]:
    return {
        "python": ".".join(platform.python_version_tuple()[:2]),
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "scikit-learn": sklearn.__version__,
        "joblib": joblib.__version__,
    }


@dataclass
class Artifact:
    kind: str
    payload: Any
    params: dict[str, Any] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=library_versions)
    format_version: int = FORMAT_VERSION


def dump_artifact(
    kind: str, payload: Any, params: dict[str, Any] | None = None, *, key: bytes
) -> bytes:
    """Pickle ``payload`` with joblib and sign it with ``key`` (keep the key secret)."""
    artifact = Artifact(kind=kind, payload=payload, params=dict(params or {}))
    buffer = io.BytesIO()
    joblib.dump(
        {
            "kind": artifact.kind,
            "format_version": artifact.format_version,
            "versions": artifact.versions,
            "params": artifact.params,
            "payload": artifact.payload,
        },
        buffer,
        compress=3,
    )
    return seal(kind, buffer.getvalue(), key)


def seal(kind: str, body: bytes, key: bytes) -> bytes:
    """Wrap already serialised ``body`` in a signed envelope."""
    if not isinstance(key, bytes) or not key:
        raise ValueError("signing an artifact needs a non-empty bytes key")
    header = envelope_header(kind)
    return header + _mac(key, header, body) + body


def envelope_header(kind: str) -> bytes:
    name = kind.encode()
    if not 0 < len(name) < 256:
        raise ValueError(f"artifact kind {kind!r} must be 1 to 255 bytes")
    return MAGIC + bytes([FORMAT_VERSION, len(name)]) + name


def verified_body(data: bytes, kind: str, keys: Sequence[bytes]) -> bytes:
    """The body of a signed ``kind`` artifact, or ``ArtifactRefused``; nothing is unpickled."""
    if isinstance(keys, bytes | bytearray | str):
        raise TypeError("pass a sequence of keys, not a single key")
    data = bytes(data)
    if not data.startswith(MAGIC):
        raise ArtifactRefused(
            "no signature header: unsigned (written before signing) or not an artifact"
        )
    header = envelope_header(kind)
    if len(data) < len(header) + MAC_SIZE:
        raise ArtifactRefused("truncated before its signature")
    if data[: len(header)] != header:
        raise ArtifactRefused(f"signature header is not for a format {FORMAT_VERSION} {kind!r}")
    mac, body = data[len(header) : len(header) + MAC_SIZE], data[len(header) + MAC_SIZE :]
    usable = [key for key in keys if key]
    if not usable:
        raise ArtifactRefused("no key to check the signature with")
    if not any(hmac.compare_digest(mac, _mac(key, header, body)) for key in usable):
        raise ArtifactRefused("bad signature: tampered, truncated or signed with another key")
    return body


def load_artifact(data: bytes, kind: str, keys: Sequence[bytes]) -> Artifact:
    """Verify, then unpickle; ``ArtifactRefused`` or ``ArtifactMismatch`` if it is unusable."""
    body = verified_body(data, kind, keys)
    try:
        raw = joblib.load(io.BytesIO(body))
    except Exception as exc:  # a signed but unreadable body: many exception types
        raise ArtifactMismatch(f"artifact could not be read: {exc}") from exc
    if not isinstance(raw, dict) or raw.get("kind") != kind:
        raise ArtifactMismatch(f"expected a {kind!r} artifact")
    if raw.get("format_version") != FORMAT_VERSION:
        raise ArtifactMismatch(
            f"artifact format {raw.get('format_version')} is not {FORMAT_VERSION}"
        )
    current = library_versions()
    if raw.get("versions") != current:
        raise ArtifactMismatch(f"artifact built with {raw.get('versions')}, running {current}")
    return Artifact(
        kind=raw["kind"],
        payload=raw["payload"],
        params=raw["params"],
        versions=raw["versions"],
        format_version=raw["format_version"],
    )


def _mac(key: bytes, header: bytes, body: bytes) -> bytes:
    digest = hmac.new(key, header, hashlib.sha256)
    digest.update(body)
    return digest.digest()
