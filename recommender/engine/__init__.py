"""Related articles by field-weighted TF-IDF cosine similarity: plain data in, plain data out.

This package imports neither Django nor Wagtail; the CMS side turns pages into ``Document``s.
Its signed, versioned artifacts (``dump_artifact``/``load_artifact``) are public: other apps store
their own models with them, passing keys their framework glue derives.
"""

from .artifacts import ArtifactMismatch, ArtifactRefused, dump_artifact, load_artifact
from .config import EngineConfig
from .documents import Document, Neighbour
from .index import ARTIFACT_KIND, IndexUpdate, RelatedIndex

__all__ = [
    "ARTIFACT_KIND",
    "ArtifactMismatch",
    "ArtifactRefused",
    "dump_artifact",
    "load_artifact",
    "Document",
    "EngineConfig",
    "IndexUpdate",
    "Neighbour",
    "RelatedIndex",
]
