import logging

import pytest
from django.test import Client
from django.utils import timezone
from wagtail.models import ModelLogEntry

from cms_site.reader_comments import moderation, spam_model, tokens
from cms_site.reader_comments.models import ArticleComment, Commenter
from cms_site.reader_comments.moderation import Rules, Verdict, decide
from tests.support.comments import make_comment, post_comment

Status = ArticleComment.Status
Reason = ArticleComment.Reason
RULES = Rules(
    blocked_words=["casino"],
    hold_words=["diet pills"],
    max_links=1,
    spam_threshold=0.8,
    review_threshold=0.3,
    approve_new_commenters=False,
)


def verdict(body="A kind word.", score=None, trusted=False, rules=RULES, name="Sam", website=""):
    return decide(name, website, body, rules, score, trusted)


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        (
            {"body": "Casino diet pills http://a.example http://b.example", "score": 0.99},
            Verdict(Status.SPAM, Reason.BLOCKED_WORD, "blocked word: casino"),
        ),
        (
            {"body": "Diet pills http://a.example http://b.example", "score": 0.99},
            Verdict(Status.PENDING, Reason.HOLD_WORD, "hold word: diet pills"),
        ),
        (
            {"body": "See http://a.example and www.b.example", "score": 0.99},
            Verdict(Status.PENDING, Reason.TOO_MANY_LINKS, "2 links (most 1)"),
        ),
        (
            {"body": "Nice", "score": 0.8, "trusted": True},
            Verdict(Status.SPAM, Reason.SPAM_SCORE, "spam score 0.80"),
        ),
        (
            {"body": "Nice", "score": 0.5, "trusted": True},
            Verdict(Status.PENDING, Reason.POSSIBLE_SPAM, "spam score 0.50"),
        ),
        ({"score": 0.1, "trusted": True}, Verdict(Status.APPROVED, Reason.TRUSTED)),
        ({"score": None}, Verdict(Status.PENDING, Reason.NEW_COMMENTER)),
        (
            {"name": "Casino King"},
            Verdict(Status.SPAM, Reason.BLOCKED_WORD, "blocked word: casino"),
        ),
    ],
)
def test_pipeline_steps_run_in_order_and_give_their_reason(kwargs, expected):
    assert verdict(**kwargs) == expected


def test_words_match_whole_words_only_and_ignore_case():
    assert verdict("I visited Occasionally") == Verdict(Status.PENDING, Reason.NEW_COMMENTER)
    assert verdict("CASINO!").reason == Reason.BLOCKED_WORD


def test_site_setting_can_approve_comments_that_pass_every_check():
    rules = Rules(**{**RULES.__dict__, "approve_new_commenters": True})
    assert verdict(rules=rules) == Verdict(Status.APPROVED, Reason.AUTO_APPROVED)


@pytest.mark.django_db
def test_thresholds_and_word_lists_come_from_site_settings(client, article, comment_settings):
    comment_settings.blocked_words = "crypto giveaway\n"
    comment_settings.hold_words = "miracle\n"
    comment_settings.max_links = 0
    comment_settings.save()
    post_comment(client, article, comment="Join the Crypto Giveaway now")
    post_comment(client, article, comment="A miracle stretch")
    post_comment(client, article, comment="Read https://example.org first")
    reasons = list(ArticleComment.objects.order_by("pk").values_list("status", "status_reason"))
    assert reasons == [
        (Status.SPAM, Reason.BLOCKED_WORD),
        (Status.PENDING, Reason.HOLD_WORD),
        (Status.PENDING, Reason.TOO_MANY_LINKS),
    ]


@pytest.mark.django_db
def test_pipeline_uses_the_spam_score_and_site_thresholds(
    client, article, comment_settings, monkeypatch
):
    monkeypatch.setattr(spam_model, "spam_score", lambda text: (0.4, "v-test"))
    post_comment(client, article)
    comment = ArticleComment.objects.get()
    assert (comment.status, comment.status_reason) == (Status.PENDING, Reason.POSSIBLE_SPAM)
    assert comment.spam_score == 0.4 and comment.spam_model_version == "v-test"
    comment_settings.spam_threshold = 0.35
    comment_settings.save()
    post_comment(client, article, comment="Another one")
    assert ArticleComment.objects.latest("pk").status == Status.SPAM


@pytest.mark.django_db
def test_pipeline_works_without_any_model(client, article, settings):
    settings.COMMENTS_SPAM_STARTER = False
    assert spam_model.load_active() is None
    post_comment(client, article)
    comment = ArticleComment.objects.get()
    assert comment.spam_score is None
    assert comment.status_reason == Reason.NEW_COMMENTER


@pytest.mark.django_db
def test_comment_is_kept_when_a_check_fails(client, article, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("model exploded")

    monkeypatch.setattr(moderation, "decide", broken)
    with caplog.at_level(logging.ERROR):
        response = post_comment(client, article)
    comment = ArticleComment.objects.get()
    assert response.status_code == 302
    assert (comment.status, comment.status_reason) == (Status.PENDING, Reason.CHECK_FAILED)
    assert "Automatic checks failed" in caplog.text


@pytest.mark.django_db
def test_the_decision_is_in_the_audit_log(client, article):
    post_comment(client, article)
    comment = ArticleComment.objects.get()
    entry = ModelLogEntry.objects.for_instance(comment).get()
    assert entry.action == "reader_comments.checked"
    assert entry.data["reason"] == Reason.NEW_COMMENTER and entry.user is None
    assert "dana@example.com" not in str(entry.data) + entry.label


@pytest.mark.django_db
def test_ip_addresses_are_stored_only_as_network_hashes(article):
    Client(REMOTE_ADDR="203.0.113.7").post(*_post(article))
    Client(REMOTE_ADDR="203.0.113.99").post(*_post(article, email="b@example.com"))
    Client(REMOTE_ADDR="2001:db8:1:2::5").post(*_post(article, email="c@example.com"))
    first, second, third = ArticleComment.objects.order_by("pk")
    assert first.ip_hash == second.ip_hash != third.ip_hash
    assert len(first.ip_hash) == 32 and "203.0.113" not in first.ip_hash


def _post(page, **fields):
    from tests.support.comments import VALID, post_url

    return post_url(page), {**VALID, **fields}


@pytest.mark.django_db
class TestTrustedCommenters:
    def confirmed(self, client, article, comment_settings):
        comment_settings.save()
        commenter = Commenter.objects.create(email="dana@example.com")
        commenter.email_confirmed_at = commenter.created_at
        commenter.save()
        make_comment(
            article,
            email="dana@example.com",
            status_reason=Reason.MODERATOR,
            moderated_at=timezone.now(),
        )
        return commenter

    def test_confirmed_commenter_with_approved_comments_is_approved(
        self, client, article, comment_settings
    ):
        commenter = self.confirmed(client, article, comment_settings)
        client.cookies[tokens.TRUST_COOKIE] = tokens.trust_cookie_value(commenter)
        post_comment(client, article)
        latest = ArticleComment.objects.latest("pk")
        assert (latest.status, latest.status_reason) == (Status.APPROVED, Reason.TRUSTED)

    def test_someone_else_typing_the_address_still_waits(self, client, article, comment_settings):
        self.confirmed(client, article, comment_settings)
        post_comment(client, article)
        assert ArticleComment.objects.latest("pk").status == Status.PENDING

    def test_browser_check_can_be_switched_off(self, client, article, comment_settings):
        comment_settings.require_trusted_browser = False
        self.confirmed(client, article, comment_settings)
        post_comment(client, article)
        assert ArticleComment.objects.latest("pk").status_reason == Reason.TRUSTED

    def test_unconfirmed_commenter_waits(self, client, article, comment_settings):
        make_comment(article, email="dana@example.com")
        comment_settings.require_trusted_browser = False
        comment_settings.save()
        post_comment(client, article)
        assert ArticleComment.objects.latest("pk").status_reason == Reason.NEW_COMMENTER
