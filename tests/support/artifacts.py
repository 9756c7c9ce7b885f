"""Hostile model artifacts: a pickle that runs a shell command, bare or in a forged envelope."""

import os
import pickle
from pathlib import Path

from recommender.engine.artifacts import MAC_SIZE, envelope_header


class TouchMarker:
    """Unpickling this runs ``touch <marker>``: the file exists only if something unpickled it."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def malicious_pickle(marker: Path) -> bytes:
    return pickle.dumps({"kind": "anything", "payload": TouchMarker(marker)})


def forged(kind: str, body: bytes) -> bytes:
    """A well-formed header around ``body`` with a MAC made up by someone without the key."""
    return envelope_header(kind) + b"\x00" * MAC_SIZE + body
