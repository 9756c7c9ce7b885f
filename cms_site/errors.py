"""Error pages: a database outage is a 503 the reader can retry, not a 500."""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.views import defaults

DATABASE_ERRORS = (InterfaceError, OperationalError)
RETRY_AFTER_SECONDS = 30
KEPT_FIELDS = ("name", "email", "website", "notify", "parent")


def server_error(request: HttpRequest) -> HttpResponse:
    if isinstance(sys.exc_info()[1], DATABASE_ERRORS):
        return database_unavailable(request)
    return defaults.server_error(request)


def database_unavailable(request: HttpRequest) -> HttpResponse:
    """Rendered without context processors or anything else that needs the database."""
    match = request.resolver_match
    posting = (
        request.method == "POST" and match is not None and match.view_name == "reader_comments:post"
    )
    context = {"posting": posting, "retry_after": RETRY_AFTER_SECONDS}
    if posting:
        context.update(
            action=request.path,
            csrf_token=get_token(request),
            comment=request.POST.get("comment", ""),
            kept=[(name, request.POST[name]) for name in KEPT_FIELDS if request.POST.get(name)],
        )
    response = HttpResponse(render_to_string("503.html", context), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
