"""The starter model: the spam filter trained on the YouTube Spam Collection, shipped as arrays.

It scores comments on a site whose moderators have not decided any yet. Built by
``python -m cms_site.reader_comments.spam_filter.starter build`` (see ATTRIBUTION.md for the
corpus, its authors and licence). The file's SHA-256 is checked before anything is read.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from recommender.engine import ArtifactMismatch

from ..classifier import SpamFilter
from ..config import SpamFilterConfig
from ..evaluation import deduplicate, load_jsonl
from ..portable import PortableScorer

STARTER_FILE = Path(__file__).with_name("youtube-spam-starter.npz")
STARTER_SHA256 = "1b9e785cde90d1783cd77fb4a570a0be50d4569dad5953c34a7207a6a56982f6"


def starter_id(sha256: str = STARTER_SHA256) -> str:
    """Model version string for scores given by the starter alone."""
    return f"starter-{sha256[:8]}"


def read_verified(path: Path, sha256: str) -> bytes:
    data = path.read_bytes()
    actual = hashlib.sha256(data).hexdigest()
    if actual != sha256:
        raise ArtifactMismatch(f"{path.name} has SHA-256 {actual}, expected {sha256}")
    return data


def load_starter(path: Path = STARTER_FILE, sha256: str = STARTER_SHA256) -> PortableScorer:
    """The shipped scorer; ``ArtifactMismatch`` if the file is not exactly the one built."""
    return PortableScorer.from_bytes(read_verified(path, sha256))


@lru_cache(maxsize=1)
def shipped_starter() -> PortableScorer:
    """``load_starter()`` once per process."""
    return load_starter()


def train_starter(source: Path, config: SpamFilterConfig | None = None) -> SpamFilter:
    """The filter trained on every deduplicated row of a JSON-lines corpus."""
    examples = deduplicate(load_jsonl(source))
    return SpamFilter.train([e.text for e in examples], [e.label for e in examples], config)


def build_starter(source: Path, config: SpamFilterConfig | None = None) -> bytes:
    return PortableScorer.from_filter(train_starter(source, config)).to_bytes()
