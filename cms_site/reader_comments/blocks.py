"""Moderators' blocks of an email address or a network; only keyed hashes are stored."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from wagtail.log_actions import log

from .models import ArticleComment, Block
from .ratelimit import keyed_hash

Kind = Block.Kind


class NothingToBlock(ValueError):
    """The comment has no email address or network to block."""


def email_hash(email: str) -> str:
    return keyed_hash("block-email", email.strip().lower())


def masked(email: str) -> str:
    local, _, domain = email.partition("@")
    return f"{local[:1]}…@{domain}"


def active() -> QuerySet[Block]:
    return Block.objects.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()))


def matching(email: str, ip_hash: str) -> Block | None:
    """The active block that covers this address or network, if any."""
    wanted = Q(kind=Kind.EMAIL, value_hash=email_hash(email))
    if ip_hash:
        wanted |= Q(kind=Kind.NETWORK, value_hash=ip_hash)
    return active().filter(wanted).first()


def target(comment: ArticleComment, kind: str) -> tuple[str, str]:
    """The hash and the label a block of this comment's email or network would store."""
    if kind == Kind.EMAIL and comment.commenter_id:
        return email_hash(comment.commenter.email), masked(comment.commenter.email)
    if kind == Kind.NETWORK and comment.ip_hash:
        return comment.ip_hash, f"{comment.ip_hash[:8]}… (comment #{comment.pk})"
    raise NothingToBlock(f"{comment} has no {kind} to block")


def block(
    comment: ArticleComment, kind: str, reason: str, expires_at: datetime | None, user
) -> Block:
    value_hash, label = target(comment, kind)
    with transaction.atomic():
        blocked, _ = Block.objects.update_or_create(
            kind=kind,
            value_hash=value_hash,
            defaults={
                "label": label,
                "reason": reason,
                "expires_at": expires_at,
                "created_by": user,
            },
        )
        log(blocked, "reader_comments.block", user=user, data=_log_data(blocked, comment))
    return blocked


def unblock(blocked: Block, user) -> None:
    with transaction.atomic():
        log(blocked, "reader_comments.unblock", user=user, data=_log_data(blocked))
        blocked.delete()


def _log_data(blocked: Block, comment: ArticleComment | None = None) -> dict:
    expires = blocked.expires_at.isoformat() if blocked.expires_at else None
    data = {"kind": blocked.kind, "label": blocked.label, "reason": blocked.reason}
    data["expires_at"] = expires
    if comment is not None:
        data["comment"] = comment.pk
    return data
