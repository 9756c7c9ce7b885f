"""Generic spam signals that n-grams see poorly: links, contact details, promotion phrases, shape.

Every pattern avoids nested quantifiers so that long hostile texts scan in linear time.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin

_TLD = r"(?:com|net|org|info|biz|ly|me|tk|co|us|uk|tv|be|gl|io|pl|ru|de|in|xyz|site|online)"
_OWNED = (
    r"(?:channel|page|videos?|vids?|website|site|blog|music|tracks?|songs?|playlist|covers?"
    r"|account|profile|facebook|instagram|twitter|app|game|store|shop|business|mixtape|album"
    r"|raps?|beats?|vlog|stream|movie|book|band)"
)

PATTERNS: dict[str, re.Pattern[str]] = {
    # Spaced dots ("site . com") only for the big three, else ". In" would count as a link.
    "url": re.compile(
        r"https?://\S+|www\.\S+|watch\?v=\S+|\w ?\. ?(?:com|net|org)\b(?:/\S*)?"
        rf"|\w\.{_TLD}\b(?:/\S*)?",
        re.IGNORECASE,
    ),
    "email": re.compile(r"(?<![\w.+-])[\w.+-]++@[\w-]++\.[a-z]{2,}", re.IGNORECASE),
    "phone": re.compile(r"(?<![\w+])\+?\d(?:[\s().-]?\d){7,14}(?!\d)"),
    # Advertising something the writer owns, or trading subscriptions.
    "self_promotion": re.compile(
        rf"\b(?:my|our) (?:[\w']+ ){{0,2}}?{_OWNED}\b"
        r"|\b(?:check|look|hit) me (?:out|up)\b"
        r"|\b(?:sub(?:scribe)?|follow|add) (?:to )?me\b"
        r"|\b(?:sub|like|follow) ?(?:4|for) ?(?:sub|like|follow)\b",
        re.IGNORECASE,
    ),
    "call_to_action": re.compile(
        r"\b(?:subscribe|check (?:it |this )?out|visit|click|go to|search for|look up"
        r"|take a look at|watch my|listen to my)\b|\bsearch \"",
        re.IGNORECASE,
    ),
    # Asking readers to like or share the comment itself.
    "engagement_bait": re.compile(
        r"\b(?:like|thumbs? up|upvote) (?:this|my) comment"
        r"|\bshare this\b"
        r"|\bgive (?:it|this|me) a (?:like|thumbs? up)\b"
        r"|\b(?:please|pls|plz) (?:like|share|subscribe|sub|vote|follow|support)\b",
        re.IGNORECASE,
    ),
    "money": re.compile(
        r"\b(?:earn|cash|dollars|free|win|winner|prize|gift ?cards?|get paid|income|discount"
        r"|promo ?code|bitcoin|invest(?:ment|ing)?|make money)\b|\$ ?\d",
        re.IGNORECASE,
    ),
}


def _capped_count(pattern: re.Pattern[str], cap: int) -> Callable[[str], float]:
    return lambda text: min(len(pattern.findall(text)), cap) / cap


def _digit_ratio(text: str) -> float:
    return sum(char.isdigit() for char in text) / len(text) if text else 0.0


def _upper_ratio(text: str) -> float:
    letters = [char for char in text if char.isalpha()]
    return sum(char.isupper() for char in letters) / len(letters) if len(letters) > 5 else 0.0


def _length(text: str) -> float:
    return min(math.log1p(len(text)) / 7.0, 1.0)


def _exclamations(text: str) -> float:
    return min(text.count("!"), 5) / 5


SIGNALS: dict[str, Callable[[str], float]] = {
    **{name: _capped_count(rx, 3 if name == "url" else 2) for name, rx in PATTERNS.items()},
    "digit_ratio": _digit_ratio,
    "upper_ratio": _upper_ratio,
    "length": _length,
    "exclamations": _exclamations,
}


class CommentSignals(TransformerMixin, BaseEstimator):
    """Texts (already cleaned) to a sparse matrix of the ``SIGNALS``, each in [0, 1]."""

    def fit(self, texts: Iterable[str], y: object = None) -> CommentSignals:
        self.n_signals_ = len(SIGNALS)
        return self

    def transform(self, texts: Iterable[str]) -> sparse.csr_matrix:
        rows = [[signal(text) for signal in SIGNALS.values()] for text in texts]
        return sparse.csr_matrix(np.array(rows, dtype=float).reshape(-1, len(SIGNALS)))

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        return np.array([f"signal__{name}" for name in SIGNALS], dtype=object)
