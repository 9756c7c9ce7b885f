"""The comments a reader sees under an article, as threads, from one query."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q
from django.http import HttpRequest

from .models import ArticleComment

Status = ArticleComment.Status
SESSION_KEY = "reader_comments.mine"
REMEMBERED = 20
SHOWN_FIELDS = (
    "pk",
    "parent_id",
    "depth",
    "author_name",
    "website",
    "body",
    "status",
    "status_reason",
    "moderator_author_id",
    "created_at",
)


@dataclass
class Node:
    comment: ArticleComment
    replies: list[Node] = field(default_factory=list)


def visible_comments(page, own_ids: list[int]) -> list[ArticleComment]:
    """Approved comments, plus this browser's own comments still waiting for a moderator."""
    shown = Q(status=Status.APPROVED)
    if own_ids:
        shown |= Q(pk__in=own_ids, status__in=[Status.PENDING, Status.SPAM])
    comments = ArticleComment.objects.filter(shown, page_id=page.pk).only(*SHOWN_FIELDS)
    return list(comments.order_by("created_at", "pk"))


def build_threads(comments: list[ArticleComment]) -> list[Node]:
    """Nest replies under their parents; a reply to a hidden comment is hidden too."""
    nodes = {comment.pk: Node(comment) for comment in comments}
    roots = []
    for comment in comments:
        if comment.parent_id is None:
            roots.append(nodes[comment.pk])
        elif comment.parent_id in nodes:
            nodes[comment.parent_id].replies.append(nodes[comment.pk])
    return roots


def count_shown(nodes: list[Node]) -> int:
    return sum(
        (node.comment.status == Status.APPROVED) + count_shown(node.replies) for node in nodes
    )


def own_comment_ids(request: HttpRequest | None) -> list[int]:
    session = getattr(request, "session", None)
    if session is None or settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return []
    return [pk for pk in session.get(SESSION_KEY, []) if isinstance(pk, int)]


def remember(request: HttpRequest, comment: ArticleComment) -> None:
    """Let this browser see its own comment while it waits for a moderator."""
    request.session[SESSION_KEY] = [*own_comment_ids(request), comment.pk][-REMEMBERED:]
