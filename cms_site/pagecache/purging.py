"""What a change makes stale, purged from the server's page cache and from a CDN if any."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from wagtail.contrib.frontend_cache.utils import PurgeBatch
from wagtail.models import Page

from . import store

logger = logging.getLogger(__name__)


def cdn_configured() -> bool:
    return bool(getattr(settings, "WAGTAILFRONTENDCACHE", None))


def urls_of(pages: Iterable[Page]) -> list[str]:
    """Public addresses of pages as they are now (before a move or delete changes them)."""
    if not cdn_configured():
        return []
    batch = PurgeBatch()
    batch.add_pages(pages)
    return list(batch.urls)


def purge_pages_on_commit(page_ids: Iterable[int], old_urls: Iterable[str] = ()) -> None:
    ids, urls = frozenset(page_ids), tuple(old_urls)
    if ids or urls:
        transaction.on_commit(lambda: purge_pages(ids, urls))


def purge_site_on_commit() -> None:
    transaction.on_commit(purge_site)


def purge_pages(page_ids: Iterable[int], old_urls: Iterable[str] = ()) -> None:
    ids = set(page_ids)
    store.purge_pages(ids)
    if cdn_configured():
        pages = Page.objects.filter(pk__in=ids).specific().iterator()
        purge_cdn([*old_urls, *urls_of(pages)])


def purge_site() -> None:
    store.purge_site()
    if cdn_configured():
        purge_cdn(urls_of(Page.objects.live().specific().iterator()))


def purge_cdn(urls: list[str]) -> None:
    try:
        PurgeBatch(dict.fromkeys(urls)).purge()
    except Exception:  # a CDN outage must not undo or block the change that caused the purge
        logger.exception("Could not purge %d addresses from the CDN", len(urls))


def with_ancestors(page: Page) -> set[int]:
    """A page and the pages that list it (its index, the home page)."""
    return {page.pk, *Page.objects.ancestor_of(page).values_list("pk", flat=True)}


def subtree(page: Page) -> set[int]:
    return set(Page.objects.descendant_of(page, inclusive=True).values_list("pk", flat=True))
