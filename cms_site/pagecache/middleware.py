"""Serve anonymous readers' page views from the page cache (see store.py for invalidation)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

from . import store

HEADER = "X-Page-Cache"
MESSAGES_COOKIE = CookieStorage.cookie_name
UNCACHEABLE_CONTROLS = ("private", "no-cache", "no-store")


def is_anonymous_read(request: HttpRequest) -> bool:
    """A GET or HEAD from a browser with no session and no pending message: nothing on the
    page is its own."""
    personal = (settings.SESSION_COOKIE_NAME, MESSAGES_COOKIE)
    return request.method in ("GET", "HEAD") and not any(c in request.COOKIES for c in personal)


def is_shareable(request: HttpRequest, response: HttpResponse) -> bool:
    control = response.get("Cache-Control", "")
    session = getattr(request, "session", None)
    return (
        request.method == "GET"
        and response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not (session is not None and session.modified)
        and not any(word in control for word in UNCACHEABLE_CONTROLS)
    )


class PageCacheMiddleware:
    """Wagtail pages only: the ``before_serve_page`` hook names the page a response came from."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if store.seconds() <= 0:
            return self.get_response(request)
        if not is_anonymous_read(request):
            response = self.get_response(request)
            if getattr(request, "page_cache_page_id", None) is not None:
                response[HEADER] = "bypass"
            return response
        request.page_cache_eligible = True
        lookup = store.lookup(request)
        cached = lookup.cached()
        if cached is not None:
            cached[HEADER] = "hit"
            return cached
        response = self.get_response(request)
        page_id = getattr(request, "page_cache_page_id", None)
        if page_id is not None and is_shareable(request, response):
            self.for_shared_caches(response)
            response[HEADER] = "miss"
            store.save(lookup, page_id, response)
        return response

    @staticmethod
    def for_shared_caches(response: HttpResponse) -> None:
        if getattr(settings, "WAGTAILFRONTENDCACHE", None):
            patch_cache_control(response, public=True, s_maxage=store.seconds(), max_age=0)
