"""System checks: a misconfigured plugin says what is wrong at startup, not at the first publish."""

from importlib.util import find_spec

from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from . import conf

ENGINE_FIELDS = {"title", "intro", "body", "tags", "categories"}


@checks.register()
def check_settings(app_configs=None, **kwargs):
    from .corpus import page_models

    errors = []
    if not conf.get("RECOMMENDER_PAGE_MODELS"):
        errors.append(
            checks.Error(
                "RECOMMENDER_PAGE_MODELS is empty.",
                hint='Name the page models to recommend, e.g. ["blog.BlogPage"].',
                id="recommender.E001",
            )
        )
    try:
        page_models()
    except ImproperlyConfigured as exc:
        errors.append(checks.Error(str(exc), id="recommender.E002"))
    unknown = set(conf.get("RECOMMENDER_FIELDS")) - ENGINE_FIELDS
    if unknown:
        errors.append(
            checks.Error(
                f"RECOMMENDER_FIELDS has unknown keys: {', '.join(sorted(unknown))}.",
                hint=f"Use some of: {', '.join(sorted(ENGINE_FIELDS))}.",
                id="recommender.E003",
            )
        )
    if conf.get("RECOMMENDER_USE_CELERY") and find_spec("celery") is None:
        errors.append(
            checks.Error(
                "RECOMMENDER_USE_CELERY is on but Celery is not installed.",
                hint="pip install 'wagtail-articles-you-may-like[celery]' or turn it off.",
                id="recommender.E004",
            )
        )
    return errors
