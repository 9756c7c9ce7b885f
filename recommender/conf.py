"""App settings, each overridable in the Django settings module."""

from django.conf import settings

DEFAULTS = {
    # Page models (app_label.ModelName) whose live, public pages are recommended.
    "RECOMMENDER_PAGE_MODELS": ["articles.ArticlePage"],
    # Attribute names on those pages that feed each engine field.
    "RECOMMENDER_FIELDS": {
        "title": "title",
        "intro": "intro",
        "body": "body",
        "tags": "tags",
        "categories": "categories",
    },
    "RECOMMENDER_IMAGE_FIELD": "hero_image",
    "RECOMMENDER_THUMBNAIL_SPEC": "fill-480x300",
    # How many suggestions are stored per page (the site setting picks how many are shown).
    "RECOMMENDER_STORED_PER_PAGE": 12,
    # Dotted path of a callable(page_id) that queues a refresh (e.g. a Celery task's delay);
    # None refreshes in-process right after the publishing transaction commits.
    "RECOMMENDER_REFRESH_DISPATCHER": None,
    # Dotted path of a callable(trigger=...) that queues a full retrain (the admin button).
    "RECOMMENDER_RETRAIN_DISPATCHER": "recommender.services.rebuild_all",
    # A run whose worker sent no heartbeat for this long is presumed dead and releases the lock.
    "RECOMMENDER_RUN_STALE_SECONDS": 300,
    # Documents per neighbour-computation chunk of a full retrain (one Celery task each).
    "RECOMMENDER_CHUNK_SIZE": 2000,
}


def get(name):
    return getattr(settings, name, DEFAULTS[name])
