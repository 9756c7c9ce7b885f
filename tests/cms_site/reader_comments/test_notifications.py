import logging
import re
import time

import pytest
from django.core import mail, signing
from django.test import Client
from django.urls import reverse

from cms_site.reader_comments import conf, moderation, notifications, tokens
from cms_site.reader_comments.models import ArticleComment, Commenter, NotificationIntent
from tasks import comments as comment_tasks
from tests.support.comments import make_comment, post_comment

pytestmark = pytest.mark.django_db
Status = ArticleComment.Status
Kind = NotificationIntent.Kind


def link_in(message, name: str) -> str:
    return re.search(rf"https?://\S+/comments/{name}/\S+/", message.body).group(0)


def post_and_run_tasks(client, article, capture, **fields):
    with capture(execute=True):
        return post_comment(client, article, **fields)


class TestEmailConfirmation:
    def test_first_comment_sends_a_confirmation_link(
        self, client, article, django_capture_on_commit_callbacks
    ):
        post_and_run_tasks(client, article, django_capture_on_commit_callbacks)
        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert message.to == ["dana@example.com"]
        assert "Confirm your email address" in message.subject
        assert link_in(message, "confirm")
        assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    def test_get_shows_a_button_and_changes_nothing_post_confirms(self, client, article):
        commenter = Commenter.objects.create(email="dana@example.com")
        url = reverse("reader_comments:confirm", args=[tokens.confirm_token(commenter)])
        page = client.get(url)
        assert page.status_code == 200
        assert "Confirm my email address" in page.content.decode()
        commenter.refresh_from_db()
        assert not commenter.is_confirmed
        assert tokens.TRUST_COOKIE not in page.cookies

        done = client.post(url)
        commenter.refresh_from_db()
        assert done.status_code == 200 and commenter.is_confirmed
        assert "Email address confirmed" in done.content.decode()
        assert tokens.trusted_commenter_id(done.cookies[tokens.TRUST_COOKIE].value) == commenter.pk

    def test_confirmation_requires_csrf(self, article):
        commenter = Commenter.objects.create(email="dana@example.com")
        url = reverse("reader_comments:confirm", args=[tokens.confirm_token(commenter)])
        assert Client(enforce_csrf_checks=True).post(url).status_code == 403

    def test_expired_link_is_refused(self, client, article, monkeypatch):
        commenter = Commenter.objects.create(email="dana@example.com")
        token = tokens.confirm_token(commenter)
        later = time.time() + conf.get("COMMENTS_CONFIRM_MAX_AGE") + 60
        monkeypatch.setattr(signing.time, "time", lambda: later)
        response = client.post(reverse("reader_comments:confirm", args=[token]))
        assert response.status_code == 400
        assert "This link has expired" in response.content.decode()
        commenter.refresh_from_db()
        assert not commenter.is_confirmed

    @pytest.mark.parametrize(
        "mangle", [lambda t: t[:-2] + "xx", lambda t: "x" + t, lambda t: "a:b"]
    )
    def test_tampered_link_is_refused(self, client, article, mangle):
        commenter = Commenter.objects.create(email="dana@example.com")
        url = reverse("reader_comments:confirm", args=[mangle(tokens.confirm_token(commenter))])
        response = client.post(url)
        assert response.status_code == 400
        assert "This link is not valid" in response.content.decode()
        commenter.refresh_from_db()
        assert not commenter.is_confirmed

    def test_link_dies_when_the_address_changes(self, client, article):
        commenter = Commenter.objects.create(email="dana@example.com")
        token = tokens.confirm_token(commenter)
        Commenter.objects.filter(pk=commenter.pk).update(email="someone@example.com")
        assert client.post(reverse("reader_comments:confirm", args=[token])).status_code == 400

    def test_confirmation_is_not_resent_at_every_comment(
        self, client, article, django_capture_on_commit_callbacks
    ):
        for text in ("One", "Two", "Three"):
            post_and_run_tasks(client, article, django_capture_on_commit_callbacks, comment=text)
        assert len(mail.outbox) == 1


class TestCommenterNotifications:
    def test_opted_in_commenter_hears_about_approval(
        self, client, article, moderator, django_capture_on_commit_callbacks
    ):
        post_comment(client, article, notify="on")
        comment = ArticleComment.objects.get()
        Commenter.objects.update(email_confirmed_at=comment.created_at)
        with django_capture_on_commit_callbacks(execute=True):
            moderation.moderate_ids([comment.pk], "approve", moderator)
        assert [m.subject for m in mail.outbox] == [
            "Your comment on “Hip mobility basics” is published"
        ]
        assert f"{article.full_url}#comment-{comment.pk}" in mail.outbox[0].body

    def test_no_email_without_opt_in(
        self, client, article, moderator, django_capture_on_commit_callbacks
    ):
        post_comment(client, article)
        Commenter.objects.update(email_confirmed_at=ArticleComment.objects.get().created_at)
        with django_capture_on_commit_callbacks(execute=True):
            moderation.moderate_ids([ArticleComment.objects.get().pk], "approve", moderator)
        assert mail.outbox == []

    def test_reply_notifies_the_parent_author(
        self, client, article, moderator, django_capture_on_commit_callbacks
    ):
        parent = make_comment(article, email="parent@example.com", notify=True, confirmed=True)
        with django_capture_on_commit_callbacks(execute=True):
            moderation.reply_as_moderator(parent, moderator, "Thanks, glad it helped.")
        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert message.to == ["parent@example.com"]
        assert message.subject.startswith("Morgan Mod (moderator) replied to your comment")
        assert "Thanks, glad it helped." in message.body

    def test_unsubscribe_get_confirms_post_unsubscribes(self, client, article):
        parent = make_comment(article, email="parent@example.com", notify=True)
        url = reverse(
            "reader_comments:unsubscribe", args=[tokens.unsubscribe_token(parent.commenter)]
        )
        page = client.get(url)
        assert page.status_code == 200 and "Unsubscribe" in page.content.decode()
        parent.refresh_from_db()
        assert parent.notify

        done = Client(enforce_csrf_checks=True).post(url, {"List-Unsubscribe": "One-Click"})
        assert done.status_code == 200 and "You are unsubscribed" in done.content.decode()
        parent.refresh_from_db()
        assert not parent.notify and parent.commenter.emails_blocked_at is not None

    def test_unsubscribed_commenter_gets_no_reply_email(
        self, article, moderator, django_capture_on_commit_callbacks
    ):
        parent = make_comment(article, email="parent@example.com", notify=True)
        notifications.unsubscribe(parent.commenter)
        parent.refresh_from_db()
        parent.notify = True  # even if the flag came back, the block wins
        parent.save()
        with django_capture_on_commit_callbacks(execute=True):
            moderation.reply_as_moderator(parent, moderator, "Hello")
        assert mail.outbox == []

    def test_bad_unsubscribe_link_is_refused(self, client, article):
        assert client.get(reverse("reader_comments:unsubscribe", args=["nope"])).status_code == 400


class TestOutbox:
    def test_broker_outage_keeps_the_comment_and_the_email_goes_out_later(
        self, client, article, settings, monkeypatch, caplog, django_capture_on_commit_callbacks
    ):
        settings.COMMENTS_ENQUEUE = True

        def broker_down(*args, **kwargs):
            raise ConnectionError("broker unreachable")

        monkeypatch.setattr(comment_tasks.send_notification, "apply_async", broker_down)
        with caplog.at_level(logging.WARNING, logger="cms_site.reader_comments.dispatch"):
            response = post_and_run_tasks(client, article, django_capture_on_commit_callbacks)
        assert response.status_code == 302
        assert ArticleComment.objects.count() == 1
        assert "Could not run comment task send_notification" in caplog.text
        assert mail.outbox == []
        intent = NotificationIntent.objects.get()
        assert intent.sent_at is None

        assert comment_tasks.send_pending_notifications.run() == 1
        assert len(mail.outbox) == 1
        intent.refresh_from_db()
        assert intent.sent_at is not None and intent.outcome == "sent"
        assert comment_tasks.send_pending_notifications.run() == 0

    def test_mail_failure_is_retried(self, article, monkeypatch):
        commenter = Commenter.objects.create(email="dana@example.com")
        intent = NotificationIntent.objects.create(kind=Kind.CONFIRM_EMAIL, commenter=commenter)

        def smtp_down(*args, **kwargs):
            raise OSError("mail server down")

        monkeypatch.setattr("django.core.mail.EmailMessage.send", smtp_down)
        assert comment_tasks.send_notification.run(intent.pk) == "failed"
        monkeypatch.undo()
        intent.refresh_from_db()
        assert intent.attempts == 1 and "mail server down" in intent.last_error
        assert comment_tasks.send_notification.run(intent.pk) == "sent"
        assert comment_tasks.send_notification.run(intent.pk) == "gone"
        assert len(mail.outbox) == 1


class TestModeratorDigest:
    def test_digest_lists_waiting_comments_riskiest_first(self, article, moderator, editor):
        make_comment(article, status=Status.PENDING, body="Calm question", spam_score=0.1)
        make_comment(article, status=Status.PENDING, body="Buy followers now", spam_score=0.7)
        make_comment(article, status=Status.APPROVED, body="Already published")
        assert comment_tasks.send_moderator_digest.run() == 1
        message = mail.outbox[0]
        assert message.to == ["mod@example.com"]
        assert message.subject == "2 comment(s) await moderation on Fitness Journal"
        assert message.body.index("Buy followers") < message.body.index("Calm question")
        assert "Already published" not in message.body
        assert "/admin/comments/" in message.body
        assert "@example.com" not in message.body

    def test_digest_only_when_new_comments_arrived(self, article, moderator):
        make_comment(article, status=Status.PENDING)
        assert notifications.send_digest() == 1
        assert notifications.send_digest() == 0
        make_comment(article, status=Status.PENDING, email="new@example.com")
        assert notifications.send_digest() == 1
        assert len(mail.outbox) == 2

    def test_no_digest_when_nothing_waits(self, article, moderator):
        make_comment(article, status=Status.APPROVED)
        assert notifications.send_digest() == 0
        assert mail.outbox == []
