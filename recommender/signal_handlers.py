"""Keep stored lists honest: drop pages the moment they stop being public, refresh after commit."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils.module_loading import import_string
from wagtail.models import PageViewRestriction
from wagtail.signals import page_published, page_unpublished, post_page_move

from . import conf
from .corpus import page_models


def schedule_refresh(page_id: int) -> None:
    """Record the request in this transaction; after commit, hand it to the dispatcher."""
    from .refresh import mark_pending, process_pending_quietly

    mark_pending(page_id)
    dispatcher = conf.get("RECOMMENDER_REFRESH_DISPATCHER")
    if dispatcher:
        transaction.on_commit(lambda: import_string(dispatcher)(page_id))
    else:
        transaction.on_commit(process_pending_quietly)


def is_recommended(page) -> bool:
    return issubclass(page.specific_class or type(page), tuple(page_models()))


def on_published(sender, instance, **kwargs):
    if is_recommended(instance):
        schedule_refresh(instance.pk)


def on_gone(sender, instance, **kwargs):
    if not is_recommended(instance):
        return
    from .services import forget_page

    forget_page(instance.pk)
    schedule_refresh(instance.pk)


def on_moved(sender, instance, **kwargs):
    for page in instance.get_descendants(inclusive=True).live():
        if is_recommended(page):
            schedule_refresh(page.pk)


def on_restriction_saved(sender, instance, **kwargs):
    for page in instance.page.get_descendants(inclusive=True):
        on_gone(sender, page)


def register() -> None:
    page_published.connect(on_published, dispatch_uid="recommender_published")
    page_unpublished.connect(on_gone, dispatch_uid="recommender_unpublished")
    post_page_move.connect(on_moved, dispatch_uid="recommender_moved")
    post_save.connect(on_restriction_saved, sender=PageViewRestriction, dispatch_uid="rec_private")
    post_delete.connect(
        on_restriction_deleted, sender=PageViewRestriction, dispatch_uid="rec_public"
    )
    for model in page_models():
        post_delete.connect(on_gone, sender=model, dispatch_uid=f"recommender_deleted_{model}")


def on_restriction_deleted(sender, instance, **kwargs):
    for page in instance.page.get_descendants(inclusive=True).live():
        if is_recommended(page):
            schedule_refresh(page.pk)
