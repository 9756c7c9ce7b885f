"""Tokenising and counting terms fast: words become integer ids once, n-grams are id arithmetic.

``Analyzer.terms`` (one text, used for queries) and ``count_terms`` (a whole corpus, used when
fitting) produce exactly the same terms: lowercase, stop words removed, plurals folded, then
n-grams of the remaining words joined by a space.
"""

from __future__ import annotations

import re
from array import array
from collections import defaultdict
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from .config import EngineConfig

_ASCII_WORD = re.compile(r"[a-z]+\Z")


@lru_cache(maxsize=100_000)
def fold_word(word: str) -> str:
    """Fold a regular English plural onto its singular ("curls" -> "curl"), leave the rest."""
    if len(word) <= 3 or not _ASCII_WORD.match(word):
        return word
    if word.endswith("ies") and not word.endswith(("eies", "aies")):
        return word[:-3] + "y"
    if word.endswith("es") and not word.endswith(("aes", "ees", "oes")):
        return word[:-1]
    if word.endswith("s") and not word.endswith(("us", "ss", "is")):
        return word[:-1]
    return word


class Analyzer:
    def __init__(self, config: EngineConfig) -> None:
        self.pattern = re.compile(config.token_pattern)
        if config.stop_words == "english":
            self.stop_words = frozenset(ENGLISH_STOP_WORDS)
        else:
            self.stop_words = frozenset(config.stop_words or ())
        self.fold = config.fold_plurals
        self.ngram_range = tuple(config.ngram_range)

    def normal_word(self, token: str) -> str | None:
        if token in self.stop_words:
            return None
        return fold_word(token) if self.fold else token

    def words(self, text: str) -> list[str]:
        normal = (self.normal_word(token) for token in self.pattern.findall(text.lower()))
        return [word for word in normal if word is not None]

    def terms(self, text: str) -> list[str]:
        words = self.words(text)
        low, high = self.ngram_range
        return [
            " ".join(words[start : start + size])
            for size in range(low, high + 1)
            for start in range(len(words) - size + 1)
        ]


def count_terms(
    texts: Sequence[str], owners: np.ndarray, weights: np.ndarray, n_rows: int,
    analyzer: Analyzer,
) -> tuple[sp.csr_matrix, list[str]]:
    """Weighted term counts: text i adds ``weights[i]`` per occurrence to row ``owners[i]``."""
    token_ids, lengths, vocabulary = _tokenise(texts, analyzer.pattern)
    word_of, words = _normalise_vocabulary(vocabulary, analyzer)
    word_ids = word_of[token_ids]
    text_of = np.repeat(np.arange(len(texts)), lengths)
    kept = word_ids >= 0
    word_ids, text_of = word_ids[kept], text_of[kept]
    columns, texts_of_terms, decoders = _ngrams(word_ids, text_of, len(words), analyzer)
    n_terms = sum(len(keys) for keys, _ in decoders)
    counts = sp.csr_matrix(
        (weights[texts_of_terms].astype(np.float32), (owners[texts_of_terms], columns)),
        shape=(n_rows, n_terms),
    )
    counts.sum_duplicates()
    return counts, _TermNames(words, decoders)


class _TermNames(Sequence):
    """Term strings, decoded from n-gram keys only when asked for."""

    def __init__(self, words: list[str], decoders: list[tuple[np.ndarray, int]]) -> None:
        self.words = words
        self.decoders = decoders
        self.offsets = np.cumsum([0] + [len(keys) for keys, _ in decoders])

    def __len__(self) -> int:
        return int(self.offsets[-1])

    def __getitem__(self, column):  # type: ignore[override]
        order = int(np.searchsorted(self.offsets, column, side="right")) - 1
        keys, size = self.decoders[order]
        key = int(keys[column - self.offsets[order]])
        parts = []
        for _ in range(size):
            key, word = divmod(key, len(self.words))
            parts.append(self.words[word])
        return " ".join(reversed(parts))


def _tokenise(texts: Sequence[str], pattern: re.Pattern) -> tuple[np.ndarray, np.ndarray, dict]:
    vocabulary: defaultdict[str, int] = defaultdict()
    vocabulary.default_factory = vocabulary.__len__
    ids = array("q")
    lengths = np.zeros(len(texts), dtype=np.int64)
    for position, text in enumerate(texts):
        tokens = pattern.findall(text.lower())
        ids.extend(map(vocabulary.__getitem__, tokens))
        lengths[position] = len(tokens)
    return np.frombuffer(ids, dtype=np.int64) if len(ids) else np.zeros(0, np.int64), lengths, \
        vocabulary


def _normalise_vocabulary(vocabulary: dict, analyzer: Analyzer) -> tuple[np.ndarray, list[str]]:
    """Map raw token ids to ids of normalised words (-1 for stop words)."""
    words: dict[str, int] = {}
    word_of = np.full(len(vocabulary) + 1, -1, dtype=np.int64)
    for token, raw_id in vocabulary.items():
        word = analyzer.normal_word(token)
        if word is not None:
            word_of[raw_id] = words.setdefault(word, len(words))
    return word_of, list(words)


def _ngrams(
    word_ids: np.ndarray, text_of: np.ndarray, n_words: int, analyzer: Analyzer
) -> tuple[np.ndarray, np.ndarray, list[tuple[np.ndarray, int]]]:
    """Column of every n-gram occurrence, the text it came from, and per size the key table."""
    low, high = analyzer.ngram_range
    if float(max(n_words, 2)) ** high >= 2.0**62:
        raise ValueError("vocabulary too large for this ngram_range")
    columns, sources, decoders = [], [], []
    offset = 0
    keys = word_ids.copy()
    for size in range(1, high + 1):
        if size > 1:
            same_text = text_of[size - 1 :] == text_of[: len(text_of) - size + 1]
            keys = (keys[:-1] * n_words + word_ids[size - 1 :])
            keys = np.where(same_text, keys, -1)
        if size < low:
            continue
        valid = keys >= 0
        unique, inverse = np.unique(keys[valid], return_inverse=True)
        columns.append(inverse + offset)
        sources.append(text_of[: len(keys)][valid])
        decoders.append((unique, size))
        offset += len(unique)
    if not columns:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), []
    return np.concatenate(columns), np.concatenate(sources), decoders
