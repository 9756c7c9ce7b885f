"""Comment spam filter engine: pure Python and scikit-learn, no Django or Wagtail."""

from recommender.engine import ArtifactMismatch, ArtifactRefused

from .classifier import ARTIFACT_KIND, HAM, REVIEW, SPAM, SpamFilter
from .config import SpamFilterConfig

__all__ = [
    "ARTIFACT_KIND",
    "HAM",
    "REVIEW",
    "SPAM",
    "ArtifactMismatch",
    "ArtifactRefused",
    "SpamFilter",
    "SpamFilterConfig",
]
