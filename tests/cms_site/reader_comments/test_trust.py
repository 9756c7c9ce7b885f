"""Trust is earned and lost; unsubscribes belong to the owner; confirmation links work once."""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cms_site.reader_comments import moderation, notifications, tokens
from cms_site.reader_comments.models import ArticleComment, Commenter, NotificationIntent
from tasks import comments as comment_tasks
from tests.support.comments import VALID, make_comment, post_comment

pytestmark = pytest.mark.django_db
Status = ArticleComment.Status
Reason = ArticleComment.Reason
VICTIM = "victim@example.com"


def confirm_url(commenter: Commenter) -> str:
    return reverse("reader_comments:confirm", args=[tokens.confirm_token(commenter)])


def browser_of(commenter: Commenter) -> Client:
    """A browser that followed the commenter's confirmation link."""
    browser = Client()
    browser.cookies[tokens.TRUST_COOKIE] = tokens.trust_cookie_value(commenter)
    return browser


def latest() -> ArticleComment:
    return ArticleComment.objects.latest("pk")


@pytest.fixture
def victim(article):
    """A confirmed commenter who unsubscribed from every email."""
    comment = make_comment(article, email=VICTIM, notify=True, confirmed=True)
    notifications.unsubscribe(comment.commenter)
    return Commenter.objects.get(email=VICTIM)


class TestUnsubscribeStays:
    def test_someone_elses_post_with_notify_does_not_resubscribe(
        self, client, article, moderator, victim, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = post_comment(client, article, email=VICTIM, notify="on")
        assert response.status_code == 302
        victim.refresh_from_db()
        assert victim.emails_blocked_at is not None
        comment = latest()
        assert comment.notify is False

        parent = make_comment(article, email=VICTIM, notify=True)
        with django_capture_on_commit_callbacks(execute=True):
            moderation.moderate_ids([comment.pk], "approve", moderator)
            moderation.reply_as_moderator(parent, moderator, "Hello")
        assert mail.outbox == []

    def test_the_answer_does_not_tell_whether_the_address_is_subscribed(
        self, client, article, victim
    ):
        blocked = post_comment(client, article, email=VICTIM, notify="on", comment="One a")
        fresh = post_comment(client, article, email="new@example.com", notify="on", comment="Two")
        assert blocked.status_code == fresh.status_code == 302
        assert blocked["Location"].split("#")[0] == fresh["Location"].split("#")[0]

    def test_the_owners_browser_can_resubscribe(self, article, victim):
        response = post_comment(browser_of(victim), article, email=VICTIM, notify="on")
        assert response.status_code == 302
        victim.refresh_from_db()
        assert victim.emails_blocked_at is None
        assert latest().notify is True

    def test_the_unsubscribe_link_can_undo_it_one_click_cannot(self, article, victim):
        url = reverse("reader_comments:unsubscribe", args=[tokens.unsubscribe_token(victim)])
        owner = Client(enforce_csrf_checks=True)
        again = owner.post(url, {"List-Unsubscribe": "One-Click"})
        assert "Subscribe again" in again.content.decode()
        victim.refresh_from_db()
        assert victim.emails_blocked_at is not None

        done = owner.post(url, {"action": "resubscribe"})
        assert done.status_code == 200 and "You can hear from us again" in done.content.decode()
        victim.refresh_from_db()
        assert victim.emails_blocked_at is None


class TestEmailsOnlyToConfirmedAddresses:
    def test_approval_email_waits_for_the_confirmation(
        self, client, article, moderator, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            post_comment(client, article, email="someone@example.com", notify="on")
        assert [m.subject for m in mail.outbox] == [
            "Confirm your email address for comments on Fitness Journal"
        ]
        comment = latest()
        with django_capture_on_commit_callbacks(execute=True):
            moderation.moderate_ids([comment.pk], "approve", moderator)
        assert len(mail.outbox) == 1
        intent = NotificationIntent.objects.get(kind=NotificationIntent.Kind.APPROVED)
        assert (intent.outcome, intent.sent_at) == ("waiting", None)
        assert comment_tasks.send_pending_notifications.run() == 0

        with django_capture_on_commit_callbacks(execute=True):
            Client().post(confirm_url(comment.commenter))
        assert mail.outbox[-1].subject == "Your comment on “Hip mobility basics” is published"
        assert mail.outbox[-1].to == ["someone@example.com"]
        intent.refresh_from_db()
        assert intent.outcome == "sent"

    def test_reply_email_waits_for_the_confirmation(
        self, article, moderator, django_capture_on_commit_callbacks
    ):
        parent = make_comment(article, email="parent@example.com", notify=True)
        with django_capture_on_commit_callbacks(execute=True):
            moderation.reply_as_moderator(parent, moderator, "Thanks")
        assert mail.outbox == []
        with django_capture_on_commit_callbacks(execute=True):
            notifications.confirm_email(parent.commenter)
        assert [m.to for m in mail.outbox] == [["parent@example.com"]]

    def test_unsubscribed_address_gets_no_confirmation_email(
        self, client, article, victim, django_capture_on_commit_callbacks
    ):
        Commenter.objects.filter(pk=victim.pk).update(email_confirmed_at=None)
        with django_capture_on_commit_callbacks(execute=True):
            post_comment(client, article, email=VICTIM, notify="on")
        assert mail.outbox == []


def approved_by_moderator(article, email="dana@example.com", when=None):
    return make_comment(
        article,
        email=email,
        confirmed=True,
        status_reason=Reason.MODERATOR,
        moderated_at=when or timezone.now(),
    )


class TestTrustIsLost:
    def test_spam_decision_withdraws_trust_until_a_new_approval(self, article, moderator):
        first = approved_by_moderator(article)
        commenter = first.commenter
        browser = browser_of(commenter)
        post_comment(browser, article, comment="Trusted and published.")
        assert latest().status_reason == Reason.TRUSTED

        moderation.moderate_ids([latest().pk], "spam", moderator)
        commenter.refresh_from_db()
        assert commenter.trust_withdrawn_at is not None
        old_cookie = browser.cookies[tokens.TRUST_COOKIE].value
        assert tokens.trusted_commenter_id(old_cookie) is None
        post_comment(browser, article, comment="Now waits again.")
        assert (latest().status, latest().status_reason) == (Status.PENDING, Reason.NEW_COMMENTER)

        new_browser = browser_of(commenter)
        post_comment(new_browser, article, comment="A new cookie alone is not enough.")
        assert latest().status == Status.PENDING

        moderation.moderate_ids([latest().pk], "approve", moderator)
        post_comment(new_browser, article, comment="Trusted again after a new approval.")
        assert latest().status_reason == Reason.TRUSTED

    def test_reject_withdraws_trust_too(self, article, moderator):
        first = approved_by_moderator(article)
        other = make_comment(article, email="dana@example.com", status=Status.PENDING)
        moderation.moderate_ids([other.pk], "reject", moderator)
        post_comment(browser_of(first.commenter), article)
        assert latest().status_reason == Reason.NEW_COMMENTER

    def test_trust_needs_a_recent_moderator_approval(self, article, settings):
        settings.COMMENTS_TRUST_MAX_AGE = 30 * 24 * 3600
        old = approved_by_moderator(article, when=timezone.now() - timedelta(days=31))
        browser = browser_of(old.commenter)
        post_comment(browser, article, comment="Approval too old.")
        assert latest().status_reason == Reason.NEW_COMMENTER

        ArticleComment.objects.filter(pk=old.pk).update(
            moderated_at=timezone.now() - timedelta(days=29)
        )
        post_comment(browser, article, comment="Approval recent enough.")
        assert latest().status_reason == Reason.TRUSTED

    def test_automatic_approvals_do_not_extend_trust(self, article):
        auto = make_comment(article, email="dana@example.com", confirmed=True)
        assert auto.status_reason == Reason.RECEIVED and auto.moderated_at is None
        post_comment(browser_of(auto.commenter), article)
        assert latest().status_reason == Reason.NEW_COMMENTER

    def test_after_withdrawal_the_next_post_brings_a_fresh_link(
        self, article, moderator, django_capture_on_commit_callbacks
    ):
        first = approved_by_moderator(article)
        moderation.moderate_ids([first.pk], "spam", moderator)
        with django_capture_on_commit_callbacks(execute=True):
            post_comment(Client(), article, comment="Please trust me again.")
        assert [m.to for m in mail.outbox] == [["dana@example.com"]]
        link = mail.outbox[0].body.split("/comments/confirm/")[1].split("/")[0]
        response = Client().post(reverse("reader_comments:confirm", args=[link]))
        assert response.status_code == 200
        cookie = response.cookies[tokens.TRUST_COOKIE].value
        assert tokens.trusted_commenter_id(cookie) == first.commenter_id


class TestLinkWorksOnce:
    def test_second_use_confirms_nothing_and_sets_no_cookie(self, article):
        commenter = Commenter.objects.create(email=VALID["email"])
        url = confirm_url(commenter)
        first = Client().post(url)
        assert first.status_code == 200 and tokens.TRUST_COOKIE in first.cookies
        commenter.refresh_from_db()
        assert commenter.is_confirmed and commenter.confirm_link_used_at is not None

        again = Client().post(url)
        assert again.status_code == 400
        assert tokens.TRUST_COOKIE not in again.cookies
        assert "This link was already used" in again.content.decode()
        shown = Client().get(url)
        assert shown.status_code == 400 and "already used" in shown.content.decode()

    def test_resent_links_share_one_nonce_and_a_later_link_does_not_revive_it(self, article):
        commenter = Commenter.objects.create(email=VALID["email"])
        url = confirm_url(commenter)
        resent = confirm_url(commenter)
        assert Client().post(resent).status_code == 200
        assert Client().post(url).status_code == 400
        commenter.refresh_from_db()
        later = confirm_url(commenter)
        assert Client().post(later).status_code == 200
        assert Client().post(url).status_code == 400

    def test_two_presses_at_once_mint_one_cookie(self, article, monkeypatch):
        commenter = Commenter.objects.create(email=VALID["email"])
        token = tokens.confirm_token(commenter)
        read_by_second = tokens.read_confirm_token(token)
        first = Client().post(reverse("reader_comments:confirm", args=[token]))
        assert tokens.TRUST_COOKIE in first.cookies
        monkeypatch.setattr(tokens, "read_confirm_token", lambda token: read_by_second)
        with pytest.raises(tokens.LinkUsed):
            tokens.use_confirm_token(token)
