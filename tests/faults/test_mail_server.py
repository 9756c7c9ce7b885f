"""The mail server refusing: a real SMTP server answering 4xx (retried) or 5xx (final)."""

import re

import pytest
from django.urls import reverse

from cms_site.reader_comments import notifications
from cms_site.reader_comments.models import Commenter, NotificationIntent
from tests.support.comments import make_comment
from tests.support.smtp import mail_server

pytestmark = pytest.mark.django_db
Kind = NotificationIntent.Kind
TEMPORARY = "451 4.2.0 <{address}>: Recipient address temporarily rejected, try later"
PERMANENT = "550 5.1.1 <{address}>: Recipient address rejected: User unknown in virtual table"


@pytest.fixture
def smtp(settings):
    with mail_server() as (server, port):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        yield server


@pytest.fixture
def intent(db):
    commenter = Commenter.objects.create(email="dana.reader@example.com")
    return NotificationIntent.objects.create(kind=Kind.CONFIRM_EMAIL, commenter=commenter)


def test_a_temporary_refusal_is_retried_by_the_periodic_sender_and_sent_once(smtp, intent):
    smtp.refusal = TEMPORARY
    assert notifications.send_intent(intent.pk) == "failed"  # the immediate task
    assert notifications.send_pending() == 0  # the periodic sender, server still refusing
    intent.refresh_from_db()
    assert (intent.attempts, intent.outcome, intent.sent_at) == (2, "", None)
    assert "451" in intent.last_error and "temporarily rejected" in intent.last_error
    smtp.refusal = None
    assert notifications.send_pending() == 1
    assert notifications.send_pending() == 0
    assert notifications.send_intent(intent.pk) == "gone"  # a late copy of the immediate task
    intent.refresh_from_db()
    assert (intent.attempts, intent.outcome) == (3, "sent")
    assert smtp.recipients() == {"dana.reader@example.com": 1}


def test_a_permanent_refusal_is_final_and_says_why_without_the_address(smtp, intent):
    smtp.refusal = PERMANENT
    assert notifications.send_intent(intent.pk) == "failed"
    smtp.refusal = None
    assert notifications.send_pending() == 0  # not retried, even now that the server accepts
    intent.refresh_from_db()
    assert (intent.attempts, intent.outcome, intent.sent_at) == (1, "failed", None)
    assert intent.last_error.startswith("SMTPRecipientsRefused:")
    assert "550" in intent.last_error and "User unknown" in intent.last_error
    assert "dana.reader" not in intent.last_error and "@" not in intent.last_error
    assert smtp.delivered == []


def test_temporary_refusals_stop_after_the_configured_attempts(smtp, intent, settings):
    settings.COMMENTS_NOTIFICATION_ATTEMPTS = 2
    smtp.refusal = TEMPORARY
    notifications.send_intent(intent.pk)
    notifications.send_pending()
    smtp.refusal = None
    assert notifications.send_pending() == 0
    intent.refresh_from_db()
    assert (intent.attempts, intent.outcome) == (2, "failed")
    assert "@" not in intent.last_error


def test_a_mail_server_that_is_down_counts_as_temporary(settings, intent):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 1
    assert notifications.send_intent(intent.pk) == "failed"
    intent.refresh_from_db()
    assert (intent.attempts, intent.outcome, intent.claimed_at) == (1, "", None)
    assert "ConnectionRefusedError" in intent.last_error


def test_the_moderator_sees_why_an_email_failed(smtp, article, moderator, client):
    comment = make_comment(article, email="dana.reader@example.com", notify=True, confirmed=True)
    intent = NotificationIntent.objects.create(kind=Kind.APPROVED, comment=comment)
    smtp.refusal = PERMANENT
    notifications.send_intent(intent.pk)
    client.force_login(moderator)
    page = client.get(reverse("reader_comments_admin:detail", args=[comment.pk]))
    row = re.search(r"<td>Comment approved</td>(.*?)</tr>", page.content.decode(), re.S)[1]
    assert "<td>failed</td>" in row and "550" in row and "User unknown" in row
    assert "dana.reader@" not in page.content.decode()
