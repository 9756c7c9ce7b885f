"""The plugin's settings, each overridable in the host's Django settings, and site lookups."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from wagtail.models import Site


class AppSettings:
    """Reads ``NAME`` from the Django settings, falling back to this app's default."""

    def __init__(self, defaults: dict[str, Any]):
        self.defaults = defaults

    def get(self, name: str) -> Any:
        return getattr(settings, name, self.defaults[name])


DEFAULTS = {
    # Page models (app_label.ModelName) whose live, public pages are recommended. Required.
    "RECOMMENDER_PAGE_MODELS": [],
    # Attribute names on those pages that feed each engine field; a missing one is skipped.
    "RECOMMENDER_FIELDS": {
        "title": "title",
        "intro": "intro",
        "body": "body",
        "tags": "tags",
        "categories": "categories",
    },
    # Attribute holding a Wagtail image for the card thumbnail; None shows no thumbnails.
    "RECOMMENDER_IMAGE_FIELD": "hero_image",
    # Attribute holding the card's date; falls back to the first publication date.
    "RECOMMENDER_DATE_FIELD": "date",
    "RECOMMENDER_THUMBNAIL_SPEC": "fill-480x300",
    # How many suggestions are stored per page (the site setting picks how many are shown).
    "RECOMMENDER_STORED_PER_PAGE": 12,
    # True hands refreshes and retrains to Celery workers (recommender.tasks); False runs them
    # in the web process right after the publishing transaction commits.
    "RECOMMENDER_USE_CELERY": False,
    # A run whose worker sent no heartbeat for this long is presumed dead and releases the lock.
    "RECOMMENDER_RUN_STALE_SECONDS": 300,
    # Documents per neighbour-computation chunk of a full retrain (one Celery task each).
    "RECOMMENDER_CHUNK_SIZE": 2000,
}

app_settings = AppSettings(DEFAULTS)
get = app_settings.get


def default_site() -> Site | None:
    """The site marked as default, which holds the settings used outside a request."""
    return Site.objects.filter(is_default_site=True).first()


def for_default_site(setting_model):
    """A ``BaseSiteSetting`` for the default site, or its defaults when there is no site."""
    site = default_site()
    return setting_model.for_site(site) if site else setting_model()
