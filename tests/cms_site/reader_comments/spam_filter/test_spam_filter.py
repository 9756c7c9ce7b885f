import io
import subprocess
import sys
import time
from pathlib import Path

import joblib
import pytest

from cms_site.reader_comments.spam_filter import (
    ARTIFACT_KIND,
    ArtifactMismatch,
    ArtifactRefused,
    SpamFilter,
    SpamFilterConfig,
)
from cms_site.reader_comments.spam_filter.features import SIGNALS, CommentSignals
from cms_site.reader_comments.spam_filter.text import clean_text
from recommender.engine.artifacts import dump_artifact, seal, verified_body

KEY = b"spam-filter-test-key"
KEYS = [KEY]

REPO = Path(__file__).resolve().parents[4]

SPAM_TEXTS = [
    "Check out my channel and subscribe! http://my-channel.example.com",
    "subscribe to my channel please, new videos every day",
    "Earn $500 a day from home, click here www.fast-cash.biz",
    "Visit my website kidsmediausa . com for free gift cards",
    "please like this comment and share this video!!!",
    "sub 4 sub? check out my new song on my channel",
    "FREE iPhone winner!!! claim your prize now http://bit.ly/win",
    "Follow me on instagram @cheapfollowers, like 4 like",
]
HAM_TEXTS = [
    "Great article, my squat depth improved after two weeks.",
    "How many sets of deadlifts should a beginner do?",
    "I tried the mobility routine before running and my knees feel better.",
    "Thanks for explaining progressive overload so clearly.",
    "My physio recommended something similar for shoulder pain.",
    "Is it fine to do this workout on consecutive days?",
    "The pictures of the plank variations are really helpful.",
    "I have been stretching every morning, it makes a big difference.",
]


@pytest.fixture(scope="module")
def spam_filter():
    texts = SPAM_TEXTS + HAM_TEXTS
    labels = ["spam"] * len(SPAM_TEXTS) + ["ham"] * len(HAM_TEXTS)
    return SpamFilter.train(texts, labels)


def test_classifies_obvious_spam_and_ham(spam_filter):
    spam = "Subscribe to my channel, check out my new video http://promo.example.com"
    ham = "Thanks, this article on squat form helped my knees a lot."
    p_spam, p_ham = spam_filter.spam_probability([spam, ham])
    assert p_spam > 0.5 > p_ham
    assert spam_filter.predict([spam, ham], threshold=0.5) == ["spam", "ham"]


def test_predict_and_triage_use_configured_thresholds(spam_filter):
    texts = ["check out my channel http://x.example.com", "nice workout, thanks"]
    probabilities = spam_filter.spam_probability(texts)
    assert all(0.0 <= p <= 1.0 for p in probabilities)
    config = spam_filter.config
    expected = [
        "spam"
        if p >= config.spam_threshold
        else "review"
        if p >= config.review_threshold
        else "ham"
        for p in probabilities
    ]
    assert spam_filter.triage(texts) == expected
    assert spam_filter.predict(texts, threshold=0.0) == ["spam", "spam"]
    assert spam_filter.predict(texts, threshold=1.01) == ["ham", "ham"]


def test_refuses_one_class_training():
    with pytest.raises(ValueError, match="both 'spam' and 'ham'"):
        SpamFilter.train(HAM_TEXTS, ["ham"] * len(HAM_TEXTS))


def test_refuses_too_few_examples():
    with pytest.raises(ValueError, match="at least 2 examples of each class"):
        SpamFilter.train(["buy now", "hello", "nice"], ["spam", "ham", "ham"])


@pytest.mark.parametrize(
    ("texts", "labels", "message"),
    [
        (["a", "b"], ["spam"], "2 texts but 1 labels"),
        (["a", "b", "c", "d"], ["spam", "spam", "ham", "junk"], "labels must be"),
    ],
)
def test_refuses_bad_training_input(texts, labels, message):
    with pytest.raises(ValueError, match=message):
        SpamFilter.train(texts, labels)


def test_hostile_texts_do_not_crash(spam_filter):
    megabyte = "buy cheap pills http://x.example.com " * 30_000
    texts = [
        "",
        "   ",
        "\x00\x01\x1b[31m\x7f\u200b\ufeff",
        "\ud800 lone surrogate",
        megabyte,
        "💪" * 1000,
        "a." * 500_000,
    ]
    started = time.perf_counter()
    probabilities = spam_filter.spam_probability(texts)
    assert time.perf_counter() - started < 3
    assert len(probabilities) == len(texts)
    assert all(0.0 <= p <= 1.0 for p in probabilities)


def test_rejects_a_single_string_and_accepts_no_texts(spam_filter):
    with pytest.raises(TypeError):
        spam_filter.spam_probability("one comment")
    assert spam_filter.spam_probability([]) == []
    assert spam_filter.predict([]) == []


def test_bytes_roundtrip(spam_filter):
    restored = SpamFilter.from_bytes(spam_filter.to_bytes(KEY), KEYS)
    texts = SPAM_TEXTS[:2] + HAM_TEXTS[:2]
    assert restored.config == spam_filter.config
    assert restored.spam_probability(texts) == pytest.approx(spam_filter.spam_probability(texts))


def _tampered(data: bytes, change) -> bytes:
    """Changed inside, then signed again with the right key: only the checks after it can tell."""
    raw = joblib.load(io.BytesIO(verified_body(data, ARTIFACT_KIND, KEYS)))
    change(raw)
    buffer = io.BytesIO()
    joblib.dump(raw, buffer)
    return seal(ARTIFACT_KIND, buffer.getvalue(), KEY)


@pytest.mark.parametrize(
    "change",
    [
        lambda raw: raw["versions"].update({"scikit-learn": "0.0.1"}),
        lambda raw: raw["versions"].update({"python": "2.7"}),
        lambda raw: raw.update({"format_version": 999}),
        lambda raw: raw["params"].update({"engine_version": 999}),
        lambda raw: raw.update({"kind": "related-index"}),
        lambda raw: raw.update({"payload": {"pipeline": "not a pipeline"}}),
        lambda raw: raw["params"].update({"config": {"spam_threshold": 7}}),
    ],
)
def test_refuses_mismatched_artifacts(spam_filter, change):
    with pytest.raises(ArtifactMismatch):
        SpamFilter.from_bytes(_tampered(spam_filter.to_bytes(KEY), change), KEYS)


def test_refuses_a_filter_signed_with_another_key(spam_filter):
    with pytest.raises(ArtifactRefused, match="signature"):
        SpamFilter.from_bytes(spam_filter.to_bytes(b"someone-else"), KEYS)


def test_refuses_other_artifact_kinds():
    with pytest.raises(ArtifactMismatch):
        SpamFilter.from_bytes(dump_artifact("related-index", {"pipeline": None}, key=KEY), KEYS)


@pytest.mark.parametrize(
    "corrupt",
    [
        lambda data: b"",
        lambda data: data[: len(data) // 2],
        lambda data: data[:40] + bytes(b ^ 0xFF for b in data[40:80]) + data[80:],
        lambda data: b"not an artifact at all",
    ],
)
def test_refuses_corrupted_bytes(spam_filter, corrupt):
    with pytest.raises(ArtifactMismatch):
        SpamFilter.from_bytes(corrupt(spam_filter.to_bytes(KEY)), KEYS)


def test_config_dict_roundtrip_and_validation():
    config = SpamFilterConfig(spam_threshold=0.7, review_threshold=0.1, word_ngrams=(1, 1))
    assert SpamFilterConfig.from_dict(config.to_dict()) == config
    with pytest.raises(ValueError, match="unknown"):
        SpamFilterConfig.from_dict({"threshold": 0.5})
    with pytest.raises(ValueError):
        SpamFilterConfig(spam_threshold=0.2, review_threshold=0.5)
    with pytest.raises(ValueError):
        SpamFilterConfig(char_ngrams=(3, 2))


def test_clean_text_strips_invisible_and_control_characters():
    assert clean_text("  Hello\ufeff\u200b \x00 World\n\n") == "Hello World"
    assert clean_text("ＦＵＬＬＷＩＤＴＨ") == "FULLWIDTH"
    assert len(clean_text("x" * 10_000, max_chars=100)) == 100


def test_signals_detect_links_contacts_and_promotion():
    names = list(SIGNALS)
    rows = (
        CommentSignals()
        .fit([])
        .transform(
            [
                "see http://a.example.com and mail me at joe@example.org or call +44 7911 123456",
                "subscribe to my channel and like this comment",
                "a plain remark about squats. In short, good.",
            ]
        )
        .toarray()
    )
    first, second, third = (dict(zip(names, row, strict=True)) for row in rows)
    assert first["url"] > 0 and first["email"] > 0 and first["phone"] > 0
    assert second["self_promotion"] > 0 and second["engagement_bait"] > 0
    assert second["call_to_action"] > 0
    assert all(third[name] == 0 for name in ("url", "email", "phone", "self_promotion"))


def test_engine_imports_no_django_or_wagtail():
    code = (
        "import sys\n"
        "import cms_site.reader_comments.spam_filter\n"
        "import cms_site.reader_comments.spam_filter.evaluation\n"
        "import cms_site.reader_comments.spam_filter.benchmark\n"
        "import cms_site.reader_comments.spam_filter.starter\n"
        "cms_site.reader_comments.spam_filter.starter.load_starter()\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('django', 'wagtail'))\n"
        "print(bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)},
    )
    assert result.returncode == 0, result.stdout + result.stderr
