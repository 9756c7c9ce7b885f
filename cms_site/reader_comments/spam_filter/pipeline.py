"""The scikit-learn pipeline: word and character TF-IDF plus signals, NB-scaled, then logistic.

Scaling each feature by its naive Bayes log-count ratio before a logistic regression (the
"NBSVM" recipe of Wang & Manning, 2012) lets a few strongly spam-typed features, such as a link
or "like this comment", weigh more than hundreds of topical n-grams.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from .config import SpamFilterConfig
from .features import CommentSignals

WORD_PATTERN = r"(?u)\b\w+\b"


class NaiveBayesScaler(TransformerMixin, BaseEstimator):
    """Multiply each column by log(P(present | spam) / P(present | ham)), Laplace-smoothed."""

    def __init__(self, alpha: float = 1.0) -> None:
        self.alpha = alpha

    def fit(self, features: sparse.spmatrix, y: np.ndarray) -> NaiveBayesScaler:
        present = (sparse.csr_matrix(features) > 0).astype(float)
        positive = np.asarray(y, dtype=bool)
        spam = self.alpha + np.asarray(present[positive].sum(axis=0)).ravel()
        ham = self.alpha + np.asarray(present[~positive].sum(axis=0)).ravel()
        self.ratios_ = np.log((spam / spam.sum()) / (ham / ham.sum()))
        return self

    def transform(self, features: sparse.spmatrix) -> sparse.csr_matrix:
        return sparse.csr_matrix(sparse.csr_matrix(features).multiply(self.ratios_))


def build_pipeline(config: SpamFilterConfig) -> Pipeline:
    """Unfitted pipeline taking cleaned texts and 0/1 labels (1 = spam)."""
    features = FeatureUnion(
        [
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char_wb",
                    ngram_range=config.char_ngrams,
                    sublinear_tf=config.sublinear_tf,
                ),
            ),
            (
                "words",
                TfidfVectorizer(
                    analyzer="word",
                    ngram_range=config.word_ngrams,
                    sublinear_tf=config.sublinear_tf,
                    token_pattern=WORD_PATTERN,
                ),
            ),
            ("signals", CommentSignals()),
        ]
    )
    return Pipeline(
        [
            ("features", features),
            ("nb", NaiveBayesScaler(alpha=config.nb_smoothing)),
            ("logistic", LogisticRegression(C=config.regularisation_c, max_iter=3000)),
        ]
    )
