"""Whole-page responses for anonymous readers, invalidated exactly by generation numbers.

Every cached response is filed under the page that served it and that page's current
generation (plus one generation for the whole site). Purging a page gives it a new
generation, so every variant of it (hosts, query strings, routable sub-pages) is missed at
once without listing keys. The generations are read before the view runs, so a response
rendered from data older than a purge is filed under the old generation and never served.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse

SITE = "site"
ROUTE_SECONDS = 7 * 24 * 3600


def cache():
    return caches[settings.PAGE_CACHE_ALIAS]


def seconds() -> int:
    return settings.PAGE_CACHE_SECONDS


def _digest(*parts: str) -> str:
    return hashlib.blake2b("\n".join(parts).encode(), digest_size=16).hexdigest()


def _route_key(request: HttpRequest) -> str:
    return "pagecache:route:" + _digest(request.get_host(), request.path)


def _generation_key(scope: int | str) -> str:
    return f"pagecache:gen:{scope}"


@dataclass(frozen=True)
class Lookup:
    """Where a request's response is filed, as known before the view runs."""

    route_key: str
    page_id: int | None
    entry_key: str | None

    def cached(self) -> HttpResponse | None:
        return cache().get(self.entry_key) if self.entry_key else None


def lookup(request: HttpRequest) -> Lookup:
    route_key = _route_key(request)
    site_key = _generation_key(SITE)
    found = cache().get_many([route_key, site_key])
    page_id = found.get(route_key)
    if page_id is None:
        return Lookup(route_key, None, None)
    page_generation = cache().get(_generation_key(page_id))
    site_generation = found.get(site_key)
    if page_generation is None or site_generation is None:
        return Lookup(route_key, page_id, None)
    url = _digest(request.get_host(), request.get_full_path())
    return Lookup(
        route_key, page_id, f"pagecache:{page_id}:{page_generation}:{site_generation}:{url}"
    )


def save(lookup: Lookup, page_id: int, response: HttpResponse) -> bool:
    """File the response if the lookup, made before the view ran, expected this page."""
    if lookup.page_id == page_id and lookup.entry_key:
        cache().set(lookup.entry_key, response, seconds())
        return True
    if lookup.page_id != page_id:
        cache().set(lookup.route_key, page_id, ROUTE_SECONDS)
    for scope in (page_id, SITE):
        cache().add(_generation_key(scope), uuid.uuid4().hex, None)
    return False


def purge_pages(page_ids: Iterable[int]) -> None:
    """Every cached response of these pages is missed from now on."""
    cache().set_many({_generation_key(pk): uuid.uuid4().hex for pk in set(page_ids)}, None)


def purge_site() -> None:
    cache().set(_generation_key(SITE), uuid.uuid4().hex, None)
