"""Turn live, public pages into engine documents and card snapshots."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterator

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Model
from django.utils.text import Truncator
from wagtail.fields import StreamField
from wagtail.models import Page, Site

from . import conf
from .cards import Card
from .engine import Document

logger = logging.getLogger(__name__)
EXCERPT_WORDS = 30


def page_models() -> list[type[Page]]:
    """The page models named by RECOMMENDER_PAGE_MODELS (the system checks explain mistakes)."""
    models = []
    for label in conf.get("RECOMMENDER_PAGE_MODELS"):
        try:
            model = apps.get_model(label)
        except (LookupError, ValueError) as exc:
            raise ImproperlyConfigured(f"RECOMMENDER_PAGE_MODELS: {label!r}: {exc}") from None
        if not issubclass(model, Page):
            raise ImproperlyConfigured(f"RECOMMENDER_PAGE_MODELS: {label!r} is not a page model")
        models.append(model)
    return models


def candidate_pages(model: type[Page]):
    pages = model.objects.live().public()
    image_field = conf.get("RECOMMENDER_IMAGE_FIELD")
    if image_field and hasattr(model, image_field):
        pages = pages.select_related(image_field)
    return pages.order_by("pk")


def all_candidates(chunk_size: int = 2000) -> Iterator[Page]:
    for model in page_models():
        chunk = []
        for page in candidate_pages(model).iterator(chunk_size=chunk_size):
            chunk.append(page)
            if len(chunk) == chunk_size:
                yield from with_names(model, chunk)
                chunk = []
        yield from with_names(model, chunk)


def with_names(model: type[Page], pages: list[Page]) -> list[Page]:
    """Fetch tag and category names for many pages in one query each."""
    ids = [page.pk for page in pages]
    for attribute in related_attributes(model):
        names = defaultdict(list)
        rows = model.objects.filter(pk__in=ids).values_list("pk", f"{attribute}__name")
        for pk, name in rows.order_by("pk", f"{attribute}__name"):
            if name is not None:
                names[pk].append(name)
        for page in pages:
            page.__dict__.setdefault("_recommender_names", {})[attribute] = names[page.pk]
    return pages


def related_attributes(model: type[Page]) -> list[str]:
    fields = conf.get("RECOMMENDER_FIELDS")
    wanted = [fields.get("tags"), fields.get("categories")]
    return [name for name in wanted if name and hasattr(model, name)]


def extract(page: Page, roots=None) -> tuple[Document, Card]:
    """The engine document and the card of one page, reading each field once."""
    fields = conf.get("RECOMMENDER_FIELDS")
    intro = text_of(page, fields.get("intro"))
    categories = names_of(page, fields.get("categories"))
    document = Document(
        id=page.pk,
        title=text_of(page, fields.get("title")),
        intro=intro,
        body=text_of(page, fields.get("body")),
        tags=tuple(names_of(page, fields.get("tags"))),
        categories=tuple(categories),
    )
    card = Card(
        title=page.title,
        url=page_url(page, roots),
        excerpt=Truncator(intro).words(EXCERPT_WORDS),
        category=categories[0] if categories else "",
        thumbnail_url=thumbnail_url(page),
        date=card_date_of(page),
        locale_id=page.locale_id,
    )
    return document, card


def card_date_of(page: Page):
    attribute = conf.get("RECOMMENDER_DATE_FIELD")
    value = getattr(page, attribute, None) if attribute else None
    return value or page.first_published_at


def page_url(page: Page, roots=None) -> str:
    """The page's URL as Wagtail would give it, without a site lookup on a one-site install."""
    roots = Site.get_site_root_paths() if roots is None else roots
    if len(roots) == 1 and page.url_path.startswith(roots[0].root_path):
        return "/" + page.url_path[len(roots[0].root_path) :]
    return page.get_url() or page.url_path


def text_of(page: Page, attribute: str | None) -> str:
    if not attribute or not hasattr(page, attribute):
        return ""
    value = getattr(page, attribute)
    field = page._meta.get_field(attribute) if attribute != "title" else None
    if isinstance(field, StreamField):
        return "\n".join(str(part) for part in field.get_searchable_content(value))
    return str(value or "")


def names_of(page: Page, attribute: str | None) -> list[str]:
    if not attribute or not hasattr(page, attribute):
        return []
    fetched = page.__dict__.get("_recommender_names", {})
    if attribute in fetched:
        return fetched[attribute]
    return sorted(str(item) for item in getattr(page, attribute).all())


def thumbnail_url(page: Page) -> str:
    image = getattr(page, conf.get("RECOMMENDER_IMAGE_FIELD") or "", None)
    if not isinstance(image, Model):
        return ""
    try:
        return image.get_rendition(conf.get("RECOMMENDER_THUMBNAIL_SPEC")).url
    except Exception:  # a missing or unreadable file must not stop a rebuild
        logger.warning("No thumbnail for page %s: image %s could not be read", page.pk, image.pk)
        return ""
