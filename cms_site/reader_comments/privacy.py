"""Export or erase everything stored about one commenter, found by email address."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from wagtail.log_actions import log

from . import dispatch
from .models import ArticleComment, Commenter, ErasureMark, NotificationIntent
from .signals import public_thread_changed

ERASED_NAME = "Anonymous"
ERASED_BODY = "[This comment was removed at its author's request.]"


@dataclass(frozen=True)
class Erasure:
    found: bool
    deleted: int = 0
    anonymised: int = 0


def find_commenter(email: str) -> Commenter | None:
    return Commenter.objects.filter(email=email.strip().lower()).first()


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _comment_data(comment: ArticleComment) -> dict:
    return {
        "id": comment.pk,
        "article": comment.page.title,
        "url": f"{comment.page.get_full_url()}#{comment.anchor}",
        "reply_to": comment.parent_id,
        "name": comment.author_name,
        "website": comment.website,
        "comment": comment.body,
        "status": comment.status,
        "notify": comment.notify,
        "network_hash": comment.ip_hash,
        "created_at": _when(comment.created_at),
    }


def export_commenter(email: str, user=None) -> dict:
    """Plain data (JSON-ready) of one commenter: address, confirmations, comments, emails."""
    commenter = find_commenter(email)
    if commenter is None:
        return {"email": email.strip().lower(), "found": False, "comments": []}
    comments = commenter.comments.select_related("page").order_by("created_at", "pk")
    intents = NotificationIntent.objects.filter(
        Q(commenter=commenter) | Q(comment__commenter=commenter)
    )
    log(commenter, "reader_comments.export", user=user)
    return {
        "email": commenter.email,
        "found": True,
        "created_at": _when(commenter.created_at),
        "email_confirmed_at": _when(commenter.email_confirmed_at),
        "emails_blocked_at": _when(commenter.emails_blocked_at),
        "trust_withdrawn_at": _when(commenter.trust_withdrawn_at),
        "confirm_link_used_at": _when(commenter.confirm_link_used_at),
        "comments": [_comment_data(comment) for comment in comments],
        "emails": [
            {"kind": i.kind, "created_at": _when(i.created_at), "sent_at": _when(i.sent_at)}
            for i in intents.order_by("created_at", "pk")
        ],
        "exported_at": _when(timezone.now()),
    }


def erase_commenter(email: str, user=None) -> Erasure:
    """Delete the commenter's comments; those with replies keep their place, emptied."""
    with transaction.atomic():
        commenter = find_commenter(email)
        if commenter is None:
            return Erasure(found=False)
        own = commenter.comments.all()
        shown = own.filter(status=ArticleComment.Status.APPROVED)
        pages = set(shown.values_list("page_id", flat=True))
        answered = set(
            ArticleComment.objects.filter(parent__in=own).values_list("parent_id", flat=True)
        )
        kept = own.filter(pk__in=answered)
        NotificationIntent.objects.filter(comment__in=kept).delete()
        anonymised = kept.update(
            author_name=ERASED_NAME,
            website="",
            body=ERASED_BODY,
            ip_hash="",
            notify=False,
            status_reason=ArticleComment.Reason.ERASED,
            status_detail="",
            commenter=None,
        )
        _, removed = own.exclude(pk__in=answered).delete()
        deleted = removed.get(ArticleComment._meta.label, 0)
        log(
            commenter,
            "reader_comments.erase",
            user=user,
            data={"anonymised": anonymised, "deleted": deleted},
        )
        commenter.delete()
        public_thread_changed.send(sender=ArticleComment, page_ids=frozenset(pages))
        ErasureMark.objects.create()  # last, so models that read the comments all predate it
    dispatch.enqueue("forget_erased_comments")
    return Erasure(found=True, deleted=deleted, anonymised=anonymised)
