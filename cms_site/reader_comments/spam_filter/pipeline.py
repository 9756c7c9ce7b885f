"""The scikit-learn pipeline: word and character TF-IDF plus signals, then two logistic models.

One model sees each feature scaled by its naive Bayes log-count ratio (the "NBSVM" recipe of
Wang & Manning, 2012), which lets a few strongly spam-typed features, such as a link or "like
this comment", weigh more than hundreds of topical n-grams. The other sees the plain TF-IDF
features and spreads its weight over many n-grams. The spam probability is the mean of the two.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
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


class TwoViewLogistic(ClassifierMixin, BaseEstimator):
    """Mean probability of a logistic regression on NB-scaled features and one on plain ones."""

    def __init__(self, alpha: float = 1.0, nb_c: float = 3.0, plain_c: float = 10.0) -> None:
        self.alpha = alpha
        self.nb_c = nb_c
        self.plain_c = plain_c

    def fit(self, features: sparse.spmatrix, y: np.ndarray) -> TwoViewLogistic:
        self.scaler_ = NaiveBayesScaler(self.alpha).fit(features, y)
        scaled = self.scaler_.transform(features)
        self.nb_ = LogisticRegression(C=self.nb_c, max_iter=3000).fit(scaled, y)
        self.plain_ = LogisticRegression(C=self.plain_c, max_iter=3000).fit(features, y)
        self.classes_ = self.nb_.classes_
        return self

    def predict_proba(self, features: sparse.spmatrix) -> np.ndarray:
        nb = self.nb_.predict_proba(self.scaler_.transform(features))[:, 1]
        plain = self.plain_.predict_proba(features)[:, 1]
        spam = (nb + plain) / 2
        return np.column_stack([1 - spam, spam])

    def predict(self, features: sparse.spmatrix) -> np.ndarray:
        return self.classes_[(self.predict_proba(features)[:, 1] >= 0.5).astype(int)]

    def linear_members(self) -> list[tuple[np.ndarray, float]]:
        """Each member as (weight per input feature, intercept); the NB scaling is folded in."""
        return [
            (self.nb_.coef_[0] * self.scaler_.ratios_, float(self.nb_.intercept_[0])),
            (self.plain_.coef_[0].copy(), float(self.plain_.intercept_[0])),
        ]


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
            (
                "logistic",
                TwoViewLogistic(
                    alpha=config.nb_smoothing,
                    nb_c=config.regularisation_c,
                    plain_c=config.plain_regularisation_c,
                ),
            ),
        ]
    )
