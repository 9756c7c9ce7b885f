"""Pure TF-IDF related-article engine: plain data in, plain data out, no Django."""

from .artifacts import ArtifactMismatch
from .config import EngineConfig
from .documents import DocId, Document, Neighbour
from .index import IndexUpdate, RelatedIndex

__all__ = [
    "ArtifactMismatch",
    "DocId",
    "Document",
    "EngineConfig",
    "IndexUpdate",
    "Neighbour",
    "RelatedIndex",
]
