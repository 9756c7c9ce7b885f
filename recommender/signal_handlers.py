"""Keep stored lists honest: drop pages the moment they stop being public, refresh after commit."""

from django.core.exceptions import ImproperlyConfigured
from django.db.models.signals import post_delete, post_save
from wagtail.models import PageViewRestriction
from wagtail.signals import page_published, page_unpublished, post_page_move

from .corpus import page_models
from .dispatch import refresh_after_commit


def is_recommended(page) -> bool:
    return issubclass(page.specific_class or type(page), tuple(page_models()))


def on_published(sender, instance, **kwargs):
    if is_recommended(instance):
        refresh_after_commit(instance.pk)


def on_gone(sender, instance, **kwargs):
    if not is_recommended(instance):
        return
    from .refresh import forget_page

    trigger = "delete" if kwargs.get("signal") is post_delete else "unpublish"
    forget_page(instance.pk, trigger=trigger)
    refresh_after_commit(instance.pk)


def recommended_under(page) -> list:
    return [p for p in page.get_descendants(inclusive=True) if is_recommended(p)]


def forget_private(pages: list) -> None:
    """Drop pages that became private from every list now; a refresh follows the commit."""
    from .refresh import forget_pages

    forget_pages([page.pk for page in pages], trigger="private")  # one signal for the subtree
    for page in pages:
        refresh_after_commit(page.pk)


def on_moved(sender, instance, **kwargs):
    if instance.get_view_restrictions().exists():
        forget_private(recommended_under(instance))
        return
    for page in instance.get_descendants(inclusive=True).live():
        if is_recommended(page):
            refresh_after_commit(page.pk)


def on_restriction_saved(sender, instance, **kwargs):
    forget_private(recommended_under(instance.page))


def on_restriction_deleted(sender, instance, **kwargs):
    for page in instance.page.get_descendants(inclusive=True).live():
        if is_recommended(page):
            refresh_after_commit(page.pk)


def register() -> None:
    page_published.connect(on_published, dispatch_uid="recommender_published")
    page_unpublished.connect(on_gone, dispatch_uid="recommender_unpublished")
    post_page_move.connect(on_moved, dispatch_uid="recommender_moved")
    post_save.connect(on_restriction_saved, sender=PageViewRestriction, dispatch_uid="rec_private")
    post_delete.connect(
        on_restriction_deleted, sender=PageViewRestriction, dispatch_uid="rec_public"
    )
    try:
        models = page_models()
    except ImproperlyConfigured:
        return  # the system checks report the setting
    for model in models:
        post_delete.connect(on_gone, sender=model, dispatch_uid=f"recommender_deleted_{model}")
