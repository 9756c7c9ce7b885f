"""The auto-moderation pipeline and the moderators' decisions.

A new comment is saved first, as pending; only then do the checks that can fail run, so a broken
spam model, mail server or cache never loses a comment.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Case, F, IntegerField, QuerySet, When
from django.utils import timezone
from wagtail.log_actions import log

from . import blocks, conf, dispatch, spam_model
from .models import MODERATOR_FALLBACK_NAME, ArticleComment, Commenter, CommentSettings
from .ratelimit import Client
from .signals import comment_status_changed
from .text import count_links, find_phrase, phrase_list

logger = logging.getLogger(__name__)
Status = ArticleComment.Status
Reason = ArticleComment.Reason
ACTIONS = {"approve": Status.APPROVED, "spam": Status.SPAM, "reject": Status.REJECTED}
STATUS_RANK = Case(
    When(status=Status.PENDING, then=0),
    When(status=Status.SPAM, then=1),
    When(status=Status.APPROVED, then=2),
    default=3,
    output_field=IntegerField(),
)


def queue_order(comments: QuerySet[ArticleComment]) -> QuerySet[ArticleComment]:
    """Pending first, then the riskiest (highest spam score), then the newest."""
    return comments.annotate(status_rank=STATUS_RANK).order_by(
        "status_rank", F("spam_score").desc(nulls_last=True), "-created_at", "-pk"
    )


@dataclass(frozen=True)
class Rules:
    blocked_words: list[str]
    hold_words: list[str]
    max_links: int
    spam_threshold: float
    review_threshold: float
    approve_new_commenters: bool

    @classmethod
    def from_settings(cls, settings: CommentSettings) -> Rules:
        return cls(
            blocked_words=phrase_list(settings.blocked_words),
            hold_words=phrase_list(settings.hold_words),
            max_links=settings.max_links,
            spam_threshold=settings.spam_threshold,
            review_threshold=settings.review_threshold,
            approve_new_commenters=settings.approve_new_commenters,
        )


@dataclass(frozen=True)
class Verdict:
    status: str
    reason: str
    detail: str = ""


@dataclass(frozen=True)
class Submission:
    name: str
    email: str
    body: str
    website: str = ""
    notify: bool = False
    parent: ArticleComment | None = None


def decide(
    name: str, website: str, body: str, rules: Rules, score: float | None, trusted: bool
) -> Verdict:
    """The pipeline, first matching step wins; pure so every step can be tested on its own."""
    everything = f"{name}\n{website}\n{body}"
    if word := find_phrase(everything, rules.blocked_words):
        return Verdict(Status.SPAM, Reason.BLOCKED_WORD, f"blocked word: {word}")
    if word := find_phrase(everything, rules.hold_words):
        return Verdict(Status.PENDING, Reason.HOLD_WORD, f"hold word: {word}")
    links = count_links(body)
    if links > rules.max_links:
        return Verdict(
            Status.PENDING, Reason.TOO_MANY_LINKS, f"{links} links (most {rules.max_links})"
        )
    if score is not None and score >= rules.spam_threshold:
        return Verdict(Status.SPAM, Reason.SPAM_SCORE, f"spam score {score:.2f}")
    if score is not None and score >= rules.review_threshold:
        return Verdict(Status.PENDING, Reason.POSSIBLE_SPAM, f"spam score {score:.2f}")
    if trusted:
        return Verdict(Status.APPROVED, Reason.TRUSTED)
    if rules.approve_new_commenters:
        return Verdict(Status.APPROVED, Reason.AUTO_APPROVED)
    return Verdict(Status.PENDING, Reason.NEW_COMMENTER)


def commenter_for(email: str) -> Commenter:
    commenter, _ = Commenter.objects.get_or_create(email=email.strip().lower())
    return commenter


def wants_emails(commenter: Commenter, notify: bool, browser_id: int | None) -> bool:
    """Only the address owner's browser may undo an unsubscribe; anyone else's tick is ignored."""
    if not notify or not commenter.emails_blocked_at:
        return notify
    if browser_id != commenter.pk:
        return False
    commenter.emails_blocked_at = None
    commenter.save(update_fields=["emails_blocked_at"])
    return True


def submit(
    page,
    submission: Submission,
    client: Client,
    settings: CommentSettings,
    browser_commenter_id: int | None = None,
) -> ArticleComment:
    parent = submission.parent
    with transaction.atomic():  # never a commenter without the comment that brought them
        commenter = commenter_for(submission.email)
        comment = ArticleComment.objects.create(
            page=page,
            parent=parent,
            depth=parent.depth + 1 if parent else 1,
            commenter=commenter,
            author_name=submission.name,
            website=submission.website,
            body=submission.body,
            notify=wants_emails(commenter, submission.notify, browser_commenter_id),
            ip_hash=client.stored_hash,
        )
    try:
        with transaction.atomic():
            if block := blocks.matching(commenter.email, comment.ip_hash):
                record(comment, Verdict(Status.SPAM, Reason.BLOCKED, str(block)), previous=None)
                return comment
            trusted = is_trusted(comment, settings, browser_commenter_id)
            classify(comment, Rules.from_settings(settings), trusted)
    except spam_model.SpamModelRefused as refused:
        logger.warning("Comment %s held for a moderator: %s", comment.pk, refused)
        hold_after_failure(comment, str(refused))
        if refused.first:
            dispatch.enqueue("retrain_spam_filter", "refused")
    except Exception:
        logger.exception("Automatic checks failed for comment %s; held for a moderator", comment.pk)
        hold_after_failure(comment)
    return comment


def hold_after_failure(comment: ArticleComment, detail: str = "") -> None:
    ArticleComment.objects.filter(pk=comment.pk).update(
        status=Status.PENDING, status_reason=Reason.CHECK_FAILED, status_detail=detail[:255]
    )
    comment.refresh_from_db()


def trust_starts(commenter: Commenter) -> datetime:
    """Only a moderator's approval after this moment makes a commenter trusted."""
    oldest = timezone.now() - timedelta(seconds=conf.get("COMMENTS_TRUST_MAX_AGE"))
    withdrawn = commenter.trust_withdrawn_at
    return max(oldest, withdrawn) if withdrawn else oldest


def is_trusted(comment: ArticleComment, settings: CommentSettings, browser_id: int | None) -> bool:
    commenter = comment.commenter
    if commenter is None or not commenter.is_confirmed:
        return False
    if settings.require_trusted_browser and browser_id != commenter.pk:
        return False
    approvals = commenter.comments.filter(
        status=Status.APPROVED,
        status_reason=Reason.MODERATOR,
        moderated_at__gt=trust_starts(commenter),
    )
    return approvals.exclude(pk=comment.pk).exists()


def withdraw_trust(comment: ArticleComment) -> None:
    if comment.commenter_id:
        Commenter.objects.filter(pk=comment.commenter_id).update(trust_withdrawn_at=timezone.now())


def classify(comment: ArticleComment, rules: Rules, trusted: bool) -> Verdict:
    score, version = spam_model.spam_score(comment.body)
    comment.spam_score = score
    comment.spam_model_version = version
    verdict = decide(comment.author_name, comment.website, comment.body, rules, score, trusted)
    if verdict.reason == Reason.SPAM_SCORE and not spam_model.may_bin(version):
        detail = f"{verdict.detail}, held: the starter model leads until moderators decide more"
        verdict = Verdict(Status.PENDING, Reason.POSSIBLE_SPAM, detail)
    record(comment, verdict, previous=None)
    return verdict


def record(
    comment: ArticleComment,
    verdict: Verdict,
    previous: str | None,
    moderator=None,
    action: str = "checked",
) -> None:
    """Store a status with its reason, write the audit log and tell the signal receivers."""
    comment.status = verdict.status
    comment.status_reason = verdict.reason
    comment.status_detail = verdict.detail[:255]
    if moderator is not None:
        comment.moderated_at = timezone.now()
        comment.moderated_by = moderator
        if verdict.status in (Status.SPAM, Status.REJECTED):
            withdraw_trust(comment)
    comment.save()
    log(
        comment,
        f"reader_comments.{action}",
        user=moderator,
        data={
            "from": previous,
            "to": verdict.status,
            "reason": verdict.reason,
            "detail": comment.status_detail,
        },
    )
    comment_status_changed.send(
        sender=ArticleComment, comment=comment, previous=previous, moderator=moderator
    )


def moderate(comments: QuerySet[ArticleComment], action: str, user) -> list[ArticleComment]:
    """Apply one moderator decision to many comments; every one is logged."""
    status = ACTIONS[action]
    with transaction.atomic():
        decided = list(comments.select_for_update().order_by("pk"))
        for comment in decided:
            verdict = Verdict(status, Reason.MODERATOR)
            record(comment, verdict, comment.status, moderator=user, action=action)
    if decided and status != Status.REJECTED:
        dispatch.enqueue("retrain_spam_filter_if_due")
    return decided


def moderate_ids(ids: Iterable[int], action: str, user) -> list[ArticleComment]:
    return moderate(ArticleComment.objects.filter(pk__in=list(ids)), action, user)


def moderator_name(user) -> str:
    full_name = (user.get_full_name() or "").strip()
    return full_name[:80] or MODERATOR_FALLBACK_NAME


def reply_as_moderator(parent: ArticleComment, user, body: str) -> ArticleComment:
    """Publish a moderator's reply, approving the comment it answers if it was waiting."""
    with transaction.atomic():
        if parent.status != Status.APPROVED:
            moderate(ArticleComment.objects.filter(pk=parent.pk), "approve", user)
        reply = ArticleComment.objects.create(
            page_id=parent.page_id,
            parent=parent,
            depth=parent.depth + 1,
            moderator_author=user,
            author_name=moderator_name(user),
            body=body,
            status=Status.APPROVED,
            status_reason=Reason.MODERATOR_REPLY,
            moderated_at=timezone.now(),
            moderated_by=user,
        )
        log(parent, "reader_comments.reply", user=user, data={"reply": reply.pk})
        log(reply, "reader_comments.reply", user=user, data={"parent": parent.pk})
        comment_status_changed.send(
            sender=ArticleComment, comment=reply, previous=None, moderator=user
        )
    return reply
