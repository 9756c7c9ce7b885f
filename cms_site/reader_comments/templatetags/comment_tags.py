from django import template

from ..forms import CommentForm
from ..models import CommentSettings
from ..text import render_plain_text
from ..threads import build_threads, count_shown, own_comment_ids, visible_comments

register = template.Library()


@register.filter
def comment_text(value: str):
    """Plain text, escaped, with links made rel="nofollow ugc"."""
    return render_plain_text(value or "")


def reply_target(comments, parent_id, max_depth: int):
    try:
        wanted = int(parent_id)
    except (TypeError, ValueError):
        return None
    return next(
        (c for c in comments if c.pk == wanted and c.is_visible and c.depth < max_depth), None
    )


@register.inclusion_tag("reader_comments/comments.html", takes_context=True)
def article_comments(context, page):
    request = context.get("request")
    settings = CommentSettings.for_request(request) if request else CommentSettings()
    own_ids = own_comment_ids(request)
    comments = visible_comments(page, own_ids)
    form = context.get("comment_form")
    if form is None:
        wanted = request.GET.get("replytocom") if request else None
        target = reply_target(comments, wanted, settings.max_depth)
        initial = {"parent": target.pk} if target else {}
        form = CommentForm(initial=initial, page=page, settings=settings)
    else:
        target = reply_target(comments, form["parent"].value(), settings.max_depth)
    threads = build_threads(comments)
    return {
        "page": page,
        "request": request,
        "threads": threads,
        "count": count_shown(threads),
        "own_ids": own_ids,
        "form": form,
        "reply_to": target,
        "max_depth": settings.max_depth,
        "open": settings.enabled,
        # A page shared through the page cache must not carry one reader's CSRF token.
        "token_by_script": getattr(request, "page_cache_eligible", False),
    }
