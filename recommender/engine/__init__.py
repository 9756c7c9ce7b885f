"""Related articles by field-weighted TF-IDF cosine similarity: plain data in, plain data out.

This package imports neither Django nor Wagtail; the CMS side turns pages into ``Document``s.
"""

from .artifacts import ArtifactMismatch
from .config import EngineConfig
from .documents import Document, Neighbour
from .index import ARTIFACT_KIND, IndexUpdate, RelatedIndex

__all__ = [
    "ARTIFACT_KIND",
    "ArtifactMismatch",
    "Document",
    "EngineConfig",
    "IndexUpdate",
    "Neighbour",
    "RelatedIndex",
]
