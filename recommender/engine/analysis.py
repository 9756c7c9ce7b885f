"""Tokenising and counting terms fast: words become integer ids once, n-grams are id arithmetic.

One document at a time (``Analyzer.words`` then ``Vocabulary.columns``, for queries) and a whole
corpus at once (``count_terms``, when fitting) yield the same terms: lowercase, stop words
removed, plurals folded, then n-grams of the remaining words (``Analyzer.terms`` spells them).
"""

from __future__ import annotations

import re
from array import array
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
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


# scikit-learn's list drops words that carry meaning in training articles ("upper back",
# "side plank", "full body", "front squat", "bottom position"); keep them.
CONTENT_WORDS = frozenset({"back", "front", "side", "full", "top", "bottom", "thick", "thin"})


class Analyzer:
    def __init__(self, config: EngineConfig) -> None:
        self.pattern = re.compile(config.token_pattern)
        if config.stop_words == "english":
            self.stop_words = frozenset(ENGLISH_STOP_WORDS - CONTENT_WORDS)
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


@dataclass
class Vocabulary:
    """Terms as integer keys: a word is its id, an n-gram is its word ids in base ``len(words)``.

    ``blocks`` holds, per n-gram size, the sorted keys of the kept terms; columns number the
    blocks' keys in order. Term strings are only decoded on demand (for explanations).
    """

    words: list[str]
    blocks: list[tuple[int, np.ndarray]]
    _word_ids: dict[str, int] | None = field(default=None, repr=False, compare=False)
    _offsets: np.ndarray | None = field(default=None, repr=False, compare=False)
    _names: dict[int, str] = field(default_factory=dict, repr=False, compare=False)

    def __len__(self) -> int:
        return sum(len(keys) for _, keys in self.blocks)

    def __getstate__(self) -> dict:
        return {"words": self.words, "blocks": self.blocks}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["words"], state["blocks"])

    def offsets(self) -> np.ndarray:
        if self._offsets is None:
            self._offsets = np.cumsum([0] + [len(keys) for _, keys in self.blocks])
        return self._offsets

    def select(self, columns: np.ndarray) -> Vocabulary:
        """The vocabulary restricted to ``columns`` (sorted), renumbered from 0."""
        offsets = self.offsets()
        blocks = []
        for position, (size, keys) in enumerate(self.blocks):
            low, high = offsets[position], offsets[position + 1]
            inside = columns[(columns >= low) & (columns < high)] - low
            blocks.append((size, keys[inside]))
        return Vocabulary(self.words, blocks)

    def term(self, column: int) -> str:
        column = int(column)
        if column not in self._names:
            self._names[column] = self._spell(column)
        return self._names[column]

    def _spell(self, column: int) -> str:
        offsets = self.offsets()
        position = int(np.searchsorted(offsets, column, side="right")) - 1
        size, keys = self.blocks[position]
        key = int(keys[column - offsets[position]])
        parts = []
        for _ in range(size):
            key, word = divmod(key, len(self.words))
            parts.append(self.words[word])
        return " ".join(reversed(parts))

    def columns(self, words: Sequence[str]) -> np.ndarray:
        """Columns of every known n-gram of a normalised word sequence (unknown ones dropped)."""
        if self._word_ids is None:
            self._word_ids = {word: i for i, word in enumerate(self.words)}
        ids = np.fromiter((self._word_ids.get(word, -1) for word in words), np.int64, len(words))
        found = []
        for (size, keys), offset in zip(self.blocks, self.offsets(), strict=False):
            grams = _gram_keys(ids, size, len(self.words))
            grams = grams[grams >= 0]
            where = np.minimum(np.searchsorted(keys, grams), max(len(keys) - 1, 0))
            hit = keys[where] == grams if len(keys) else np.zeros(len(grams), bool)
            found.append(where[hit] + offset)
        return np.concatenate(found) if found else np.zeros(0, np.int64)


def _gram_keys(ids: np.ndarray, size: int, n_words: int) -> np.ndarray:
    """Keys of the n-grams of one word-id sequence; -1 where a gram holds an unknown word."""
    if len(ids) < size:
        return np.zeros(0, np.int64)
    keys = ids[: len(ids) - size + 1].copy()
    unknown = keys < 0
    for step in range(1, size):
        following = ids[step : len(ids) - size + 1 + step]
        keys = keys * n_words + following
        unknown |= following < 0
    keys[unknown] = -1
    return keys


def count_terms(
    texts: Sequence[str],
    owners: np.ndarray,
    weights: np.ndarray,
    n_rows: int,
    analyzer: Analyzer,
) -> tuple[sp.csr_matrix, Vocabulary]:
    """Weighted term counts: text i adds ``weights[i]`` per occurrence to row ``owners[i]``."""
    token_ids, lengths, raw_vocabulary = _tokenise(texts, analyzer.pattern)
    word_of, words = _normalise_vocabulary(raw_vocabulary, analyzer)
    word_ids = word_of[token_ids]
    del token_ids
    text_of = np.repeat(np.arange(len(texts), dtype=np.int32), lengths)
    kept = word_ids >= 0
    word_ids, text_of = word_ids[kept], text_of[kept]
    del kept
    columns, sources, blocks = _ngrams(word_ids, text_of, len(words), analyzer.ngram_range)
    del word_ids, text_of
    vocabulary = Vocabulary(words, blocks)
    counts = sp.coo_matrix(
        (weights[sources].astype(np.float32), (owners[sources].astype(np.int32), columns)),
        shape=(n_rows, len(vocabulary)),
    ).tocsr()
    counts.sum_duplicates()
    return counts, vocabulary


def _tokenise(texts: Sequence[str], pattern: re.Pattern) -> tuple[np.ndarray, np.ndarray, dict]:
    vocabulary: defaultdict[str, int] = defaultdict()
    vocabulary.default_factory = vocabulary.__len__
    ids = array("i")
    lengths = np.zeros(len(texts), dtype=np.int64)
    for position, text in enumerate(texts):
        tokens = pattern.findall(text.lower())
        ids.extend(map(vocabulary.__getitem__, tokens))
        lengths[position] = len(tokens)
    token_ids = np.frombuffer(ids, dtype=np.int32) if len(ids) else np.zeros(0, np.int32)
    return token_ids, lengths, vocabulary


def _normalise_vocabulary(vocabulary: dict, analyzer: Analyzer) -> tuple[np.ndarray, list[str]]:
    """Map raw token ids to ids of normalised words (-1 for stop words)."""
    words: dict[str, int] = {}
    word_of = np.full(len(vocabulary) + 1, -1, dtype=np.int32)
    for token, raw_id in vocabulary.items():
        word = analyzer.normal_word(token)
        if word is not None:
            word_of[raw_id] = words.setdefault(word, len(words))
    return word_of, list(words)


def _ngrams(
    word_ids: np.ndarray, text_of: np.ndarray, n_words: int, ngram_range: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray, list[tuple[int, np.ndarray]]]:
    """Column of every n-gram occurrence, the text it came from, and the key block per size."""
    low, high = ngram_range
    if float(max(n_words, 2)) ** high >= 2.0**62 or n_words >= 2**31:
        raise ValueError("vocabulary too large for this ngram_range")
    columns, sources, blocks = [], [], []
    offset = 0
    for size in range(low, high + 1):
        stop = max(len(word_ids) - size + 1, 0)
        keys = word_ids[:stop].astype(np.int64)
        for step in range(1, size):
            keys = keys * n_words + word_ids[step : stop + step]
        same_text = text_of[size - 1 : size - 1 + stop] == text_of[:stop]
        if size == 1:
            unique, inverse = np.arange(n_words), keys  # word ids are already dense
        else:
            unique, inverse = np.unique(keys[same_text], return_inverse=True)
        columns.append((inverse + offset).astype(np.int32))
        sources.append(text_of[:stop][same_text])
        blocks.append((size, unique.astype(np.int64)))
        offset += len(unique)
    return np.concatenate(columns), np.concatenate(sources), blocks
