"""Emails: commenters hear about approval and replies (if they asked), moderators get a digest.

Every email to a commenter is first written as a ``NotificationIntent`` row in the transaction
that caused it. A task sends it right after the commit; a periodic task sends whatever is still
unsent, so a broker or mail outage delays an email but never loses it.

Delivery is at most once: a sender claims the row (committed) before it talks to the mail server.
A 4xx answer or an outage releases the claim for a later attempt; a 5xx answer or the last
attempt marks it failed; a claim whose sender died mid-send is marked unknown, not resent.
Stored errors never keep an email address.
"""

from __future__ import annotations

import logging
import re
import smtplib
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db.models import F, Max, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from recommender.conf import default_site

from . import conf, dispatch, tokens
from .models import ArticleComment, Commenter, NotificationIntent
from .moderation import queue_order

logger = logging.getLogger(__name__)
Kind = NotificationIntent.Kind
Status = ArticleComment.Status
MODERATE_PERMISSION = "reader_comments.moderate_articlecomment"
DIGEST_LISTED = 20
WAITING = "waiting"
SENT, SKIPPED, FAILED, UNKNOWN = "sent", "skipped", "failed", "unknown"
INTERRUPTED = "The sender stopped during the send; the email may or may not have gone out."
EMAIL_ADDRESS = re.compile(r"[\w.!#$%&*+/=?^`{|}~\\-]+@[\w-]+(?:\.[\w-]+)+")


def record(kind: str, comment=None, commenter=None) -> NotificationIntent:
    intent = NotificationIntent.objects.create(kind=kind, comment=comment, commenter=commenter)
    dispatch.enqueue("send_notification", intent.pk)
    return intent


def on_status_changed(comment: ArticleComment, previous: str | None, moderator) -> None:
    if previous is None and comment.status != Status.SPAM and comment.commenter_id:
        request_confirmation(comment.commenter)
    if comment.status != Status.APPROVED or previous == Status.APPROVED:
        return
    if moderator is not None and previous is not None and comment.notify:
        record(Kind.APPROVED, comment=comment)
    parent = comment.parent
    if (
        parent is not None
        and parent.notify
        and parent.commenter_id
        and parent.commenter_id != comment.commenter_id
    ):
        record(Kind.REPLY, comment=comment)


def request_confirmation(commenter: Commenter) -> None:
    if not commenter.needs_confirmation_link or commenter.emails_blocked_at:
        return
    now = timezone.now()
    resend_after = timedelta(seconds=conf.get("COMMENTS_CONFIRM_RESEND_AFTER"))
    if commenter.confirmation_sent_at and now - commenter.confirmation_sent_at < resend_after:
        return
    commenter.confirmation_sent_at = now
    commenter.save(update_fields=["confirmation_sent_at"])
    record(Kind.CONFIRM_EMAIL, commenter=commenter)


def confirm_email(commenter: Commenter) -> bool:
    """Mark the address as confirmed and send what waited for it; False if it already was."""
    if commenter.is_confirmed:
        return False
    commenter.email_confirmed_at = timezone.now()
    commenter.save(update_fields=["email_confirmed_at"])
    waiting = list(waiting_for(commenter).values_list("pk", flat=True))
    NotificationIntent.objects.filter(pk__in=waiting).update(outcome="")  # the sender's again
    for intent_id in waiting:
        dispatch.enqueue("send_notification", intent_id)
    return True


def waiting_for(commenter: Commenter):
    to_commenter = Q(kind=Kind.APPROVED, comment__commenter=commenter) | Q(
        kind=Kind.REPLY, comment__parent__commenter=commenter
    )
    return NotificationIntent.objects.filter(to_commenter, sent_at__isnull=True, outcome=WAITING)


def recipient(intent: NotificationIntent) -> Commenter | None:
    if intent.kind == Kind.APPROVED and intent.comment_id:
        return intent.comment.commenter
    if intent.kind == Kind.REPLY and intent.comment_id and intent.comment.parent_id:
        return intent.comment.parent.commenter
    return None


def must_wait(intent: NotificationIntent) -> bool:
    """Approval and reply emails go only to confirmed addresses: the rest wait for it."""
    commenter = recipient(intent)
    return commenter is not None and not commenter.is_confirmed


def unsubscribe(commenter: Commenter) -> None:
    commenter.emails_blocked_at = commenter.emails_blocked_at or timezone.now()
    commenter.save(update_fields=["emails_blocked_at"])
    commenter.comments.filter(notify=True).update(notify=False)


def resubscribe(commenter: Commenter) -> None:
    """The owner (holding an unsubscribe link) lifts the block; ticked boxes count again."""
    commenter.emails_blocked_at = None
    commenter.save(update_fields=["emails_blocked_at"])


def absolute_url(path: str) -> str:
    site = default_site()
    root = site.root_url if site else settings.WAGTAILADMIN_BASE_URL
    return f"{root.rstrip('/')}{path}"


def admin_url(path: str) -> str:
    return f"{settings.WAGTAILADMIN_BASE_URL.rstrip('/')}{path}"


def comment_url(comment: ArticleComment) -> str:
    return f"{comment.page.get_full_url()}#{comment.anchor}"


def site_name() -> str:
    return getattr(settings, "WAGTAIL_SITE_NAME", "our site")


def commenter_message(
    commenter: Commenter | None,
    subject: str,
    template: str,
    context: dict,
    confirmed_only: bool = True,
) -> EmailMessage | None:
    if commenter is None or commenter.emails_blocked_at:
        return None
    if confirmed_only and not commenter.is_confirmed:
        return None
    unsubscribe_url = absolute_url(
        reverse("reader_comments:unsubscribe", args=[tokens.unsubscribe_token(commenter)])
    )
    context = {**context, "site_name": site_name(), "unsubscribe_url": unsubscribe_url}
    return EmailMessage(
        subject=subject,
        body=render_to_string(template, context),
        to=[commenter.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


def confirmation_message(commenter: Commenter) -> EmailMessage | None:
    if not commenter.needs_confirmation_link:
        return None
    link = absolute_url(reverse("reader_comments:confirm", args=[tokens.confirm_token(commenter)]))
    days = max(1, conf.get("COMMENTS_CONFIRM_MAX_AGE") // 86400)
    return commenter_message(
        commenter,
        f"Confirm your email address for comments on {site_name()}",
        "reader_comments/emails/confirm_email.txt",
        {"confirm_url": link, "days": days},
        confirmed_only=False,
    )


def approved_message(comment: ArticleComment) -> EmailMessage | None:
    if comment.status != Status.APPROVED or not comment.notify:
        return None
    return commenter_message(
        comment.commenter,
        f"Your comment on “{comment.page.title}” is published",
        "reader_comments/emails/approved.txt",
        {"comment": comment, "url": comment_url(comment)},
    )


def reply_message(reply: ArticleComment) -> EmailMessage | None:
    parent = reply.parent
    if reply.status != Status.APPROVED or parent is None or not parent.notify:
        return None
    return commenter_message(
        parent.commenter,
        f"{reply.signed_name} replied to your comment on “{reply.page.title}”",
        "reader_comments/emails/reply.txt",
        {"reply": reply, "url": comment_url(reply)},
    )


def build_message(intent: NotificationIntent) -> EmailMessage | None:
    if intent.kind == Kind.CONFIRM_EMAIL and intent.commenter_id:
        return confirmation_message(intent.commenter)
    if intent.kind == Kind.APPROVED and intent.comment_id:
        return approved_message(intent.comment)
    if intent.kind == Kind.REPLY and intent.comment_id:
        return reply_message(intent.comment)
    return None


def send_intent(intent_id: int) -> str:
    """Send one recorded email at most once; returns sent, skipped, failed or gone.

    The claim is committed before the mail server is contacted, so a second sender (the
    periodic task, a redelivered task) never sends it again, even if this one is killed.
    """
    intent = claim(intent_id)
    if intent is None:
        return "gone"
    if must_wait(intent):
        NotificationIntent.objects.filter(pk=intent.pk).update(
            claimed_at=None, outcome=WAITING, attempts=F("attempts") - 1
        )
        return WAITING
    try:
        message = build_message(intent)
        if message is not None:
            message.send()
    except Exception as exc:
        release_after_failure(intent, exc)
        return FAILED
    outcome = SENT if message is not None else SKIPPED
    NotificationIntent.objects.filter(pk=intent.pk).update(sent_at=timezone.now(), outcome=outcome)
    return outcome


def claim(intent_id: int) -> NotificationIntent | None:
    claimed = NotificationIntent.objects.filter(
        pk=intent_id, sent_at__isnull=True, claimed_at__isnull=True, outcome=""
    ).update(claimed_at=timezone.now(), attempts=F("attempts") + 1)
    return NotificationIntent.objects.get(pk=intent_id) if claimed else None


def release_after_failure(intent: NotificationIntent, exc: Exception) -> None:
    """A refused or failed send: retried later unless permanent or out of attempts."""
    final = is_permanent(exc) or intent.attempts >= conf.get("COMMENTS_NOTIFICATION_ATTEMPTS")
    logger.warning(
        "Notification %s failed (attempt %s%s)", intent.pk, intent.attempts, ", final" * final
    )
    NotificationIntent.objects.filter(pk=intent.pk).update(
        claimed_at=None,
        outcome=FAILED if final else "",
        last_error=without_addresses(f"{type(exc).__name__}: {exc}")[:1000],
    )


def smtp_codes(exc: Exception) -> list[int]:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return [code for code, _ in exc.recipients.values()]
    if isinstance(exc, smtplib.SMTPResponseException):
        return [exc.smtp_code]
    return []


def is_permanent(exc: Exception) -> bool:
    """A 5xx answer will not change by retrying; 4xx, timeouts and outages may."""
    codes = smtp_codes(exc)
    return bool(codes) and all(500 <= code < 600 for code in codes)


def without_addresses(text: str) -> str:
    return EMAIL_ADDRESS.sub("<address>", text)


def mark_interrupted() -> int:
    """Claims older than the timeout belong to a sender that died mid-send: the email may or
    may not have left, so it is marked unknown for a person to check, never sent twice."""
    timeout = timedelta(seconds=conf.get("COMMENTS_NOTIFICATION_CLAIM_TIMEOUT"))
    return NotificationIntent.objects.filter(
        sent_at__isnull=True, outcome="", claimed_at__lt=timezone.now() - timeout
    ).update(outcome=UNKNOWN, last_error=INTERRUPTED)


def send_pending(limit: int = 200) -> int:
    """Send recorded emails the immediate task missed (broker down, mail server down)."""
    mark_interrupted()
    ids = NotificationIntent.objects.filter(
        sent_at__isnull=True,
        claimed_at__isnull=True,
        outcome="",
        attempts__lt=conf.get("COMMENTS_NOTIFICATION_ATTEMPTS"),
    ).values_list("pk", flat=True)[:limit]
    return sum(send_intent(pk) == SENT for pk in list(ids))


def moderator_emails() -> list[str]:
    users = get_user_model().objects.with_perm(
        MODERATE_PERMISSION,
        include_superusers=False,
        backend="django.contrib.auth.backends.ModelBackend",  # axes comes first and has no perms
    )
    return sorted({user.email for user in users if user.email})


def send_digest() -> int:
    """Email each moderator when comments arrived in the queue since the last digest."""
    last = NotificationIntent.objects.filter(kind=Kind.DIGEST, sent_at__isnull=False).aggregate(
        last=Max("sent_at")
    )["last"]
    pending = ArticleComment.objects.filter(status=Status.PENDING)
    fresh = pending.filter(created_at__gt=last) if last else pending
    recipients = moderator_emails()
    if not recipients or not fresh.exists():
        return 0
    context = {
        "count": pending.count(),
        "fresh": fresh.count(),
        "comments": queue_order(pending).select_related("page")[:DIGEST_LISTED],
        "queue_url": admin_url(reverse("reader_comments_admin:index")),
        "site_name": site_name(),
    }
    subject = f"{context['count']} comment(s) await moderation on {site_name()}"
    body = render_to_string("reader_comments/emails/digest.txt", context)
    messages = [EmailMessage(subject, body, to=[email]) for email in recipients]
    sent = get_connection().send_messages(messages) or 0
    NotificationIntent.objects.create(
        kind=Kind.DIGEST, sent_at=timezone.now(), outcome=f"sent to {sent}", attempts=1
    )
    return sent
