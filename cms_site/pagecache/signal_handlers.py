"""Every change that alters what an anonymous reader sees purges exactly the pages showing it."""

from copy import copy

from django.db.models.signals import post_delete, post_save
from wagtail.contrib.settings.models import BaseGenericSetting, BaseSiteSetting
from wagtail.models import Page, PageViewRestriction, Site
from wagtail.signals import page_published, page_unpublished, post_page_move
from wagtail.snippets.models import get_snippet_models

from cms_site.reader_comments.models import ArticleComment
from cms_site.reader_comments.signals import comment_status_changed, public_thread_changed
from recommender.signals import related_lists_changed

from .purging import (
    purge_pages_on_commit,
    purge_site_on_commit,
    subtree,
    urls_of,
    with_ancestors,
)


def on_page_changed(sender, instance, **kwargs):
    purge_pages_on_commit(with_ancestors(instance))


def on_page_deleted(sender, instance, **kwargs):
    if isinstance(instance, Page):
        purge_pages_on_commit(with_ancestors(instance), urls_of([instance]))


def on_page_moved(sender, instance, parent_page_before, url_path_before, **kwargs):
    before = copy(instance)
    before.url_path = url_path_before
    pages = subtree(instance) | with_ancestors(instance) | with_ancestors(parent_page_before)
    purge_pages_on_commit(pages, urls_of([before]))


def on_restriction_changed(sender, instance, **kwargs):
    purge_pages_on_commit(subtree(instance.page) | with_ancestors(instance.page))


def on_related_lists_changed(sender, page_ids, **kwargs):
    purge_pages_on_commit(page_ids)


def on_comment_decided(sender, comment, previous, **kwargs):
    approved = ArticleComment.Status.APPROVED
    if approved in (comment.status, previous):
        purge_pages_on_commit([comment.page_id])


def on_thread_changed(sender, page_ids, **kwargs):
    purge_pages_on_commit(page_ids)


def on_shared_content_saved(sender, instance, created=False, **kwargs):
    """Settings, sites and snippets (categories in every header) show on every page. A settings
    row is created holding its defaults (what pages already showed): that is no change."""
    settings = (BaseSiteSetting, BaseGenericSetting)
    if created and issubclass(sender, settings):
        return
    if issubclass(sender, (*settings, Site, *get_snippet_models())):
        purge_site_on_commit()


def register() -> None:
    page_published.connect(on_page_changed, dispatch_uid="pagecache_published")
    page_unpublished.connect(on_page_changed, dispatch_uid="pagecache_unpublished")
    post_page_move.connect(on_page_moved, dispatch_uid="pagecache_moved")
    post_delete.connect(on_page_deleted, dispatch_uid="pagecache_page_deleted")
    for signal, name in ((post_save, "saved"), (post_delete, "deleted")):
        signal.connect(
            on_restriction_changed,
            sender=PageViewRestriction,
            dispatch_uid=f"pagecache_restriction_{name}",
        )
        signal.connect(on_shared_content_saved, dispatch_uid=f"pagecache_shared_{name}")
    related_lists_changed.connect(on_related_lists_changed, dispatch_uid="pagecache_related")
    comment_status_changed.connect(on_comment_decided, dispatch_uid="pagecache_comments")
    public_thread_changed.connect(on_thread_changed, dispatch_uid="pagecache_thread")
