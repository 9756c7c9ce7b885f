"""A corrupt or tampered model artifact in the database is refused before it is unpickled.

Posting a comment while the stored spam model is refused keeps the comment pending for a
moderator with the reason, and tells the reader it awaits moderation. The recommender keeps
serving its stored lists and retrains on the next publish. The cache, settings and signing keys
are the ones ``cms_site.settings.test`` builds from ``REDIS_URL`` and ``SECRET_KEY``.
"""

import io
import uuid

import joblib
import pytest
from django.test import Client
from django.urls import reverse
from django.utils.crypto import get_random_string

from cms_site.reader_comments.models import ArticleComment, SpamModel
from cms_site.reader_comments.spam_filter import ARTIFACT_KIND, SpamFilter
from recommender import model_cache, signing
from recommender.engine import ARTIFACT_KIND as INDEX_KIND
from recommender.models import RecommenderModel, RecommenderRun
from recommender.retrain import rebuild_all
from tests.support.artifacts import forged, malicious_pickle
from tests.support.comments import HAM_TEXTS, SPAM_TEXTS, VALID, make_comment, post_url
from tests.support.factories import ArticlePageFactory, make_article
from tests.support.related import shown_lists

pytestmark = pytest.mark.django_db
Status = ArticleComment.Status
MODERATOR = ArticleComment.Reason.MODERATOR
OTHER_SECRET = "another-site-secret-" + "x" * 40


@pytest.fixture
def article(article_index, settings):
    settings.COMMENTS_ENQUEUE = False  # notifications run in this process, not via a broker
    page = ArticlePageFactory(parent=article_index, title="Hip mobility", slug="hip-mobility")
    page.save_revision().publish()
    return page


@pytest.fixture(scope="module")
def fitted() -> SpamFilter:
    labels = ["spam"] * len(SPAM_TEXTS) + ["ham"] * len(HAM_TEXTS)
    return SpamFilter.train(SPAM_TEXTS + HAM_TEXTS, labels)


@pytest.fixture
def marker(tmp_path):
    return tmp_path / "code-ran"


def store_spam_model(artifact: bytes) -> str:
    version = f"fault-{uuid.uuid4().hex[:8]}"  # new version: no process has it loaded
    SpamModel.objects.create(version=version, is_active=True, artifact=artifact)
    return version


def post_as_new_reader(page):
    """One fresh client per post: its own network and address, so no rate limit is shared."""
    client = Client(REMOTE_ADDR=f"198.51.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}")
    email = f"reader-{get_random_string(8).lower()}@example.com"
    response = client.post(post_url(page), {**VALID, "email": email})
    return client, response


def flip_byte(data: bytes, position: int) -> bytes:
    damaged = bytearray(data)
    damaged[position] ^= 0x01
    return bytes(damaged)


def forge(kind: str, marker) -> bytes:
    return forged(kind, malicious_pickle(marker))


def legacy(fitted: SpamFilter) -> bytes:
    buffer = io.BytesIO()
    joblib.dump({"kind": ARTIFACT_KIND, "format_version": 1, "payload": fitted}, buffer)
    return buffer.getvalue()


def signed_with(fitted: SpamFilter, secret: str) -> bytes:
    return fitted.to_bytes(signing.derive_key(ARTIFACT_KIND, secret))


TAMPERED = {
    "malicious pickle": lambda fitted, marker: malicious_pickle(marker),
    "malicious pickle, forged header": lambda fitted, marker: forge(ARTIFACT_KIND, marker),
    "flipped byte": lambda fitted, marker: flip_byte(fitted.to_bytes(key()), -100),
    "another secret key": lambda fitted, marker: signed_with(fitted, OTHER_SECRET),
    "unsigned, written before signing": lambda fitted, marker: legacy(fitted),
    "truncated": lambda fitted, marker: fitted.to_bytes(key())[:-1],
}


def key() -> bytes:
    return signing.signing_key(ARTIFACT_KIND)


@pytest.mark.parametrize("case", TAMPERED)
def test_tampered_spam_model_holds_the_comment_with_its_reason(
    case, article, fitted, marker, admin_client, caplog
):
    version = store_spam_model(TAMPERED[case](fitted, marker))
    client, response = post_as_new_reader(article)
    assert response.status_code == 302
    assert "Your comment is awaiting moderation." in client.get(response.url).content.decode()
    comment = ArticleComment.objects.get()
    assert (comment.status, comment.spam_score) == (Status.PENDING, None)
    assert comment.status_reason == ArticleComment.Reason.CHECK_FAILED
    assert f"spam model {version} refused, signature" in comment.status_detail
    assert not marker.exists()
    refusal = [r for r in caplog.records if r.levelname == "ERROR" and version in r.getMessage()]
    assert refusal and "signature" in refusal[0].getMessage()
    assert "retrain_spam_filter" in refusal[0].getMessage()
    queue = admin_client.get(reverse("reader_comments_admin:index")).content.decode()
    detail = admin_client.get(reverse("reader_comments_admin:detail", args=[comment.pk]))
    assert f"spam model {version} refused" in queue
    assert f"spam model {version} refused" in detail.content.decode()


def test_a_refused_model_holds_every_comment_until_a_retrain(article, fitted, caplog):
    store_spam_model(signed_with(fitted, OTHER_SECRET))
    for _ in range(2):
        assert post_as_new_reader(article)[1].status_code == 302
    assert set(ArticleComment.objects.values_list("status", flat=True)) == {Status.PENDING}
    assert len([r for r in caplog.records if "signature did not verify" in r.getMessage()]) == 1
    SpamModel.objects.all().delete()
    store_spam_model(fitted.to_bytes(key()))  # what retrain_spam_filter stores
    post_as_new_reader(article)
    assert ArticleComment.objects.latest("pk").spam_score is not None


def test_the_first_refusal_queues_one_retrain_that_restores_scoring(
    article, fitted, marker, django_capture_on_commit_callbacks
):
    for n, text in enumerate(SPAM_TEXTS + HAM_TEXTS):
        status = Status.SPAM if text in SPAM_TEXTS else Status.APPROVED
        make_comment(article, status, f"d{n}@example.com", body=text, status_reason=MODERATOR)
    refused = store_spam_model(forge(ARTIFACT_KIND, marker))
    with django_capture_on_commit_callbacks(execute=True):
        assert post_as_new_reader(article)[1].status_code == 302
    held = ArticleComment.objects.latest("pk")
    assert held.status == Status.PENDING and refused in held.status_detail
    retrained = SpamModel.objects.get(is_active=True)
    assert retrained.version != refused and retrained.trigger == "refused"
    assert not marker.exists()
    with django_capture_on_commit_callbacks(execute=True):
        post_as_new_reader(article)
    assert ArticleComment.objects.latest("pk").spam_model_version == f"{retrained.version}+starter"
    assert SpamModel.objects.filter(trigger="refused").count() == 1


def test_a_model_signed_before_a_key_rotation_still_scores(article, fitted, settings):
    old_secret = settings.SECRET_KEY
    version = store_spam_model(fitted.to_bytes(key()))
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = OTHER_SECRET, [old_secret]
    post_as_new_reader(article)
    comment = ArticleComment.objects.get()
    assert comment.spam_model_version == f"{version}+starter" and comment.spam_score is not None
    assert comment.status_reason != ArticleComment.Reason.CHECK_FAILED


def test_a_rotated_key_without_fallback_is_refused(article, fitted, settings):
    store_spam_model(fitted.to_bytes(key()))
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = OTHER_SECRET, []
    post_as_new_reader(article)
    assert ArticleComment.objects.get().status_reason == ArticleComment.Reason.CHECK_FAILED


RECOMMENDER_TAMPERING = {
    "malicious pickle": lambda data, marker: malicious_pickle(marker),
    "malicious pickle, forged header": lambda data, marker: forge(INDEX_KIND, marker),
    "flipped byte": lambda data, marker: flip_byte(data, len(data) // 2),
}


@pytest.mark.parametrize("case", RECOMMENDER_TAMPERING)
def test_tampered_recommender_model_keeps_lists_and_retrains(
    case, corpus, article_index, marker, caplog, client, django_capture_on_commit_callbacks
):
    rebuild_all()
    pages = [page for topic in corpus.values() for page in topic]
    before = shown_lists(pages)
    model = RecommenderModel.objects.get(is_active=True)
    tampered = RECOMMENDER_TAMPERING[case](bytes(model.artifact), marker)
    RecommenderModel.objects.filter(pk=model.pk).update(artifact=tampered)
    model_cache.forget_loaded()  # as a freshly started process
    assert model_cache.load_index(RecommenderModel.objects.get(pk=model.pk)) is None
    assert not marker.exists()
    refusal = [r for r in caplog.records if model.version in r.getMessage()]
    assert refusal and "signature" in refusal[0].getMessage()
    assert shown_lists(pages) == before  # lists are stored rows, served without the model
    assert client.get(pages[0].url).status_code == 200
    category = corpus["running"][0].categories.first()
    with django_capture_on_commit_callbacks(execute=True):
        make_article(article_index, "Tempo running", "running tempo pace race", category)
    fresh = RecommenderModel.objects.get(is_active=True)
    assert fresh.version != model.version
    assert RecommenderRun.objects.filter(trigger="unusable-model", status="succeeded").exists()
    assert model_cache.load_index(fresh) is not None
    assert not marker.exists()


def test_recommender_model_signed_with_a_fallback_key_loads(corpus, settings):
    rebuild_all()
    model = RecommenderModel.objects.get(is_active=True)
    old_secret = settings.SECRET_KEY
    model_cache.forget_loaded()
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = OTHER_SECRET, []
    assert model_cache.load_index(model) is None
    model_cache.forget_loaded()
    settings.SECRET_KEY_FALLBACKS = [old_secret]
    assert model_cache.load_index(model) is not None
