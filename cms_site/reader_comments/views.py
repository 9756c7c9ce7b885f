from __future__ import annotations

import logging

from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.views import csrf
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from cms_site.articles.models import ArticlePage

from . import conf, moderation, notifications, ratelimit, tokens
from .forms import CommentForm
from .models import CommentSettings
from .threads import remember

logger = logging.getLogger(__name__)
TOO_FAST = "You are posting comments too quickly. Please wait a few minutes and try again."
CLOSED = "Comments are closed on this site."
STALE_TOKEN = (
    "Your comment has not been posted yet: this page's security check had expired. "
    "Press “Post Comment” again to send it."
)


def article_with_form(request: HttpRequest, page: ArticlePage, form, status: int) -> HttpResponse:
    """The article again, with the reader's form and its error messages."""
    response = page.serve(request)
    response.context_data["comment_form"] = form
    response.status_code = status
    return response


def comment_form_url(request: HttpRequest, page: ArticlePage) -> str:
    return f"{page.get_url(request)}#respond"


@require_http_methods(["GET", "POST"])
def post_comment(request: HttpRequest, page_id: int) -> HttpResponse:
    page = get_object_or_404(ArticlePage.objects.live().public(), pk=page_id)
    if request.method == "GET":  # a reload of the address a refused post left behind
        return redirect(comment_form_url(request, page))
    settings = CommentSettings.for_request(request)
    form = CommentForm(request.POST, page=page, settings=settings)
    if not settings.enabled:
        form.add_error(None, CLOSED)
        return article_with_form(request, page, form, 403)
    if not form.is_valid():
        if form.is_honeypot:
            logger.info("Honeypot field filled in a comment on page %s", page.pk)
        return article_with_form(request, page, form, 400)
    client = ratelimit.Client.from_request(request)
    window = settings.rate_window_minutes * 60
    email = form.cleaned_data["email"]
    reserved = ratelimit.reserve(client, email, settings.ip_limit, settings.email_limit, window)
    if reserved is None:
        form.add_error(None, TOO_FAST)
        return article_with_form(request, page, form, 429)
    browser = tokens.trusted_commenter_id(request.COOKIES.get(tokens.TRUST_COOKIE))
    try:
        comment = moderation.submit(page, form.submission(), client, settings, browser)
    except Exception:
        reserved.release()
        raise
    remember(request, comment)
    return redirect(f"{page.get_url(request)}#{comment.anchor}")


@never_cache
@require_GET
def form_token(request: HttpRequest) -> HttpResponse:
    """The CSRF token for a comment form that came from the page cache without one."""
    return JsonResponse({"token": get_token(request)})


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A comment refused by the CSRF check comes back in its form, with a fresh token."""
    match = request.resolver_match
    if match is None or match.view_name != "reader_comments:post":
        return csrf.csrf_failure(request, reason)
    page = ArticlePage.objects.live().public().filter(pk=match.kwargs["page_id"]).first()
    if page is None:
        return csrf.csrf_failure(request, reason)
    settings = CommentSettings.for_request(request)
    form = CommentForm(request.POST, page=page, settings=settings)
    form.add_error(None, STALE_TOKEN)
    return article_with_form(request, page, form, 403)


def link_problem(request: HttpRequest, error: tokens.LinkInvalid) -> HttpResponse:
    context = {
        "expired": isinstance(error, tokens.LinkExpired),
        "used": isinstance(error, tokens.LinkUsed),
    }
    return render(request, "reader_comments/link_problem.html", context, status=400)


@never_cache
@require_http_methods(["GET", "POST"])
def confirm_email(request: HttpRequest, token: str) -> HttpResponse:
    try:
        if request.method == "GET":
            tokens.read_confirm_token(token)
            return render(request, "reader_comments/confirm_email.html", {"confirmed": False})
        with transaction.atomic():
            commenter = tokens.use_confirm_token(token)
            notifications.confirm_email(commenter)
    except tokens.LinkInvalid as error:
        return link_problem(request, error)
    response = render(request, "reader_comments/confirm_email.html", {"confirmed": True})
    response.set_cookie(
        tokens.TRUST_COOKIE,
        tokens.trust_cookie_value(commenter),
        max_age=conf.get("COMMENTS_TRUST_COOKIE_AGE"),
        secure=request.is_secure(),
        httponly=True,
        samesite="Lax",
    )
    return response


# The signed token is the credential; mail clients send RFC 8058 one-click POSTs without a
# CSRF cookie. Only the address owner holds the token, so it may also undo the unsubscribe.
@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    try:
        commenter = tokens.read_unsubscribe_token(token)
    except tokens.LinkInvalid as error:
        return link_problem(request, error)
    state = "asked"
    if request.method == "POST" and request.POST.get("action") == "resubscribe":
        notifications.resubscribe(commenter)
        state = "resubscribed"
    elif request.method == "POST":
        notifications.unsubscribe(commenter)
        state = "unsubscribed"
    return render(request, "reader_comments/unsubscribe.html", {"state": state})
