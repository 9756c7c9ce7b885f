"""Versioned model artifacts: a payload pickled with joblib beside the versions that made it.

Only artifacts this project wrote itself are ever loaded. An artifact written by other library
versions is refused with ``ArtifactMismatch`` so the caller retrains instead of trusting it.
"""

from __future__ import annotations

import io
import platform
from dataclasses import dataclass, field
from typing import Any

import joblib
import numpy
import scipy
import sklearn

FORMAT_VERSION = 1


class ArtifactMismatch(Exception):
    """The artifact cannot be used with this code or these library versions."""


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


def dump_artifact(kind: str, payload: Any, params: dict[str, Any] | None = None) -> bytes:
    buffer = io.BytesIO()
    artifact = Artifact(kind=kind, payload=payload, params=dict(params or {}))
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
    return buffer.getvalue()


def load_artifact(data: bytes, kind: str) -> Artifact:
    try:
        raw = joblib.load(io.BytesIO(data))
    except Exception as exc:  # corrupt or truncated bytes surface as many exception types
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
