"""The comments of one imported post: threads rebuilt parents first, nothing sent, nothing twice.

Rows are bulk-created, so no signal fires and no notification is queued. Approved and spam
comments become moderator decisions, which the spam filter learns from.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.utils import timezone

from cms_site.articles.importing import by_import_id
from cms_site.articles.models import ArticlePage
from cms_site.reader_comments.models import MAX_COMMENT_LENGTH, ArticleComment, Commenter
from cms_site.reader_comments.ratelimit import STORED_PREFIX, keyed_hash, network
from cms_site.reader_comments.spam_model import SpamModelRefused, spam_score

from .values import aware, email_or_none, one_line, plain_text, web_address
from .wxr import Comment

NOT_COMMENTS = {"pingback", "trackback"}
Status = ArticleComment.Status
Reason = ArticleComment.Reason
STATUS = {"1": Status.APPROVED, "spam": Status.SPAM, "trash": Status.REJECTED}


class ThreadImport:
    def __init__(
        self,
        page: ArticlePage,
        comments: list[Comment],
        import_id: Callable[[int], str],
        posted_at: dt.datetime,
    ):
        self.page = page
        self.comments = comments
        self.import_id = import_id
        self.posted_at = posted_at
        self.known: dict[int, tuple[int, int]] = {}  # WordPress id: (pk, depth)
        self.created = self.skipped = 0
        self.warnings: list[str] = []

    def run(self) -> ThreadImport:
        waiting = self.new_comments()
        commenters = commenters_for(waiting)
        while waiting:
            pending_ids = {c.wp_id for c in waiting}
            ready = [c for c in waiting if c.parent_id not in pending_ids] or waiting
            rows = self.create(ready, commenters)
            for comment, row in zip(ready, rows, strict=True):
                self.known[comment.wp_id] = (row.pk, row.depth)
            waiting = [c for c in waiting if c.wp_id not in self.known]
        return self

    def new_comments(self) -> list[Comment]:
        unique: dict[int, Comment] = {}
        for comment in self.comments:
            if comment.wp_id in unique:
                self.warnings.append(f"comment {comment.wp_id} appears twice; kept the first")
            elif comment.kind not in NOT_COMMENTS:
                unique[comment.wp_id] = comment
        self.skipped = len(self.comments) - len(unique)
        wordpress_ids = {self.import_id(wp_id): wp_id for wp_id in unique}
        for import_id, pk, depth in by_import_id(ArticleComment.objects, wordpress_ids).values_list(
            "import_id", "pk", "depth"
        ):
            self.known[wordpress_ids[import_id]] = (pk, depth)
        self.skipped += len(self.known)
        return [c for wp_id, c in unique.items() if wp_id not in self.known]

    def create(self, ready: list[Comment], commenters: dict[str, Commenter]):
        rows = ArticleComment.objects.bulk_create([self.row(c, commenters) for c in ready])
        for row, comment in zip(rows, ready, strict=True):
            row.created_at = row.updated_at = aware(comment.date, self.posted_at)
        ArticleComment.objects.bulk_update(rows, ["created_at", "updated_at"])
        self.created += len(rows)
        return rows

    def row(self, comment: Comment, commenters: dict[str, Commenter]) -> ArticleComment:
        parent_pk, parent_depth = self.parent_of(comment)
        status = STATUS.get(comment.approved, Status.PENDING)
        decided = status != Status.PENDING
        body = self.body(comment)
        score, version = (None, "") if decided else self.score(body)
        return ArticleComment(
            page=self.page,
            parent_id=parent_pk,
            depth=parent_depth + 1,
            commenter=commenters.get(email_or_none(comment.email) or ""),
            author_name=one_line(comment.author, 80) or "Anonymous",
            website=web_address(comment.url),
            body=body,
            status=status,
            status_reason=Reason.MODERATOR if decided else Reason.NEW_COMMENTER,
            status_detail="imported from WordPress" + ("" if decided else ", pending there"),
            spam_score=score,
            spam_model_version=version,
            moderated_at=timezone.now() if decided else None,
            ip_hash=keyed_hash("ip", network(comment.ip, STORED_PREFIX)) if comment.ip else "",
            import_id=self.import_id(comment.wp_id),
        )

    @staticmethod
    def score(body: str) -> tuple[float | None, str]:
        try:
            return spam_score(body)
        except SpamModelRefused:
            return None, ""  # imported pending comments wait for a moderator anyway

    def parent_of(self, comment: Comment) -> tuple[int | None, int]:
        if not comment.parent_id:
            return None, 0
        if comment.parent_id not in self.known:
            self.warnings.append(
                f"comment {comment.wp_id} replies to a comment that was not imported; "
                "it starts its own thread"
            )
            return None, 0
        return self.known[comment.parent_id]

    def body(self, comment: Comment) -> str:
        text = plain_text(comment.content) or "(empty comment)"
        if len(text) > MAX_COMMENT_LENGTH:
            self.warnings.append(
                f"comment {comment.wp_id} was cut to {MAX_COMMENT_LENGTH:,} characters"
            )
        return text[:MAX_COMMENT_LENGTH]


def commenters_for(comments: list[Comment]) -> dict[str, Commenter]:
    emails = {email for c in comments if (email := email_or_none(c.email))}
    found = set(Commenter.objects.filter(email__in=emails).values_list("email", flat=True))
    Commenter.objects.bulk_create(
        [Commenter(email=email) for email in emails - found], ignore_conflicts=True
    )
    return {c.email: c for c in Commenter.objects.filter(email__in=emails)}
