import hashlib
import io
import json
import zipfile

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from cms_site.reader_comments.spam_filter import ArtifactMismatch, SpamFilter
from cms_site.reader_comments.spam_filter.pipeline import WORD_PATTERN
from cms_site.reader_comments.spam_filter.portable import (
    PortableScorer,
    char_wb_ngrams,
    word_ngrams,
)
from cms_site.reader_comments.spam_filter.starter import (
    STARTER_FILE,
    STARTER_SHA256,
    build_starter,
    load_starter,
    starter_id,
    train_starter,
)
from cms_site.reader_comments.spam_filter.starter.__main__ import main as starter_main

from .test_spam_filter import HAM_TEXTS, SPAM_TEXTS

ODD_TEXTS = [
    "",
    "a",
    "I  x",
    "Ünïcødé STRASSE ß and İstanbul",
    "sub4sub!!! http://bit.ly/x?y=1 💪💪",
    "one-two three_four 5 6",
]
FITNESS_HAM = [
    "Great article, the squat cues fixed my form.",
    "How long should I rest between sets of deadlifts?",
]
OBVIOUS_SPAM = [
    "Check out my channel and subscribe!!! http://bit.ly/free-views",
    "Earn $500 a day from home, visit www.cash-now.biz",
]


@pytest.fixture(scope="module")
def small_filter():
    texts = SPAM_TEXTS + HAM_TEXTS
    return SpamFilter.train(texts, ["spam"] * len(SPAM_TEXTS) + ["ham"] * len(HAM_TEXTS))


@pytest.mark.parametrize("text", ODD_TEXTS)
def test_analyzers_match_scikit_learn(text):
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5)).build_analyzer()
    words = TfidfVectorizer(ngram_range=(1, 2), token_pattern=WORD_PATTERN).build_analyzer()
    assert sorted(char_wb_ngrams(text, 2, 5)) == sorted(chars(text))
    assert sorted(word_ngrams(text, 1, 2)) == sorted(words(text))


def test_rebuilt_scorer_gives_the_trained_pipelines_probabilities(small_filter):
    rebuilt = PortableScorer.from_bytes(PortableScorer.from_filter(small_filter).to_bytes())
    texts = SPAM_TEXTS + HAM_TEXTS + FITNESS_HAM + OBVIOUS_SPAM + ODD_TEXTS
    assert rebuilt.spam_probability(texts) == pytest.approx(
        small_filter.spam_probability(texts), abs=1e-12
    )
    assert rebuilt.config == small_filter.config


def test_export_is_byte_for_byte_reproducible(small_filter):
    assert PortableScorer.from_filter(small_filter).to_bytes() == (
        PortableScorer.from_filter(small_filter).to_bytes()
    )


def test_shipped_starter_is_verified_small_and_separates_obvious_cases():
    data = STARTER_FILE.read_bytes()
    assert hashlib.sha256(data).hexdigest() == STARTER_SHA256
    assert len(data) < 3_000_000
    assert starter_id() == f"starter-{STARTER_SHA256[:8]}"
    scorer = load_starter()
    assert min(scorer.spam_probability(OBVIOUS_SPAM)) > 0.9
    assert max(scorer.spam_probability(FITNESS_HAM)) < 0.2


def test_a_changed_starter_file_is_refused_before_it_is_read(tmp_path):
    data = bytearray(STARTER_FILE.read_bytes())
    data[len(data) // 2] ^= 0xFF
    changed = tmp_path / "starter.npz"
    changed.write_bytes(bytes(data))
    with pytest.raises(ArtifactMismatch, match="SHA-256"):
        load_starter(changed)


def _npz(**arrays) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "data",
    [
        b"not a zip",
        _npz(header=np.array([{"format": "x"}], dtype=object)),  # would need pickle
        _npz(header=np.frombuffer(b'{"format": "other"}', dtype=np.uint8)),
        b"",
    ],
)
def test_portable_loader_refuses_pickles_and_foreign_files(data):
    with pytest.raises(ArtifactMismatch):
        PortableScorer.from_bytes(data)


def test_portable_loader_refuses_weights_that_do_not_fit(small_filter):
    good = PortableScorer.from_filter(small_filter).to_bytes()
    with np.load(io.BytesIO(good), allow_pickle=False) as stored:
        arrays = {name: stored[name] for name in stored.files}
    arrays["weights"] = arrays["weights"][:, :-1]
    with pytest.raises(ArtifactMismatch, match="do not match"):
        PortableScorer.from_bytes(_npz(**arrays))


def test_build_command_writes_a_loadable_file(tmp_path, capsys):
    source = tmp_path / "tiny.jsonl"
    rows = [(t, "spam") for t in SPAM_TEXTS] + [(t, "ham") for t in HAM_TEXTS]
    source.write_text("\n".join(json.dumps({"text": t, "label": label}) for t, label in rows))
    out = tmp_path / "starter.npz"
    assert starter_main(["build", "--source", str(source), "--out", str(out)]) == 0
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    assert digest in capsys.readouterr().out
    assert zipfile.is_zipfile(out)
    assert load_starter(out, digest).spam_probability(["sub4sub"])[0] > 0.5


def test_starter_rebuilt_from_the_corpus_scores_as_the_shipped_file(eval_sets):
    source = eval_sets / "spam" / "youtube-spam.jsonl"
    fresh = train_starter(source)
    texts = OBVIOUS_SPAM + FITNESS_HAM + SPAM_TEXTS + HAM_TEXTS + ODD_TEXTS
    expected = fresh.spam_probability(texts)
    assert load_starter().spam_probability(texts) == pytest.approx(expected, abs=1e-9)
    rebuilt = PortableScorer.from_bytes(build_starter(source))
    assert rebuilt.spam_probability(texts) == pytest.approx(expected, abs=1e-12)
