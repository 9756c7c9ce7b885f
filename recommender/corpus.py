"""Turn live, public pages into engine documents and card snapshots."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.apps import apps
from django.db.models import Model
from django.utils.text import Truncator
from wagtail.fields import StreamField
from wagtail.models import Page

from . import conf
from .engine import Document

logger = logging.getLogger(__name__)
EXCERPT_WORDS = 30


@dataclass(frozen=True)
class Card:
    title: str
    url: str
    excerpt: str
    category: str
    thumbnail_url: str
    date: object
    locale_id: int


def page_models() -> list[type[Page]]:
    return [apps.get_model(label) for label in conf.get("RECOMMENDER_PAGE_MODELS")]


def candidate_pages(model: type[Page]):
    related = [
        name for name in ("tags", "categories") if name in conf.get("RECOMMENDER_FIELDS").values()
    ]
    pages = model.objects.live().public().prefetch_related(*related)
    image_field = conf.get("RECOMMENDER_IMAGE_FIELD")
    if image_field and hasattr(model, image_field):
        pages = pages.select_related(image_field)
    return pages.order_by("pk")


def all_candidates() -> Iterator[Page]:
    for model in page_models():
        yield from candidate_pages(model).iterator(chunk_size=2000)


def is_candidate(page: Page) -> bool:
    return any(candidate_pages(model).filter(pk=page.pk).exists() for model in page_models())


def to_document(page: Page) -> Document:
    fields = conf.get("RECOMMENDER_FIELDS")
    return Document(
        id=page.pk,
        title=text_of(page, fields.get("title")),
        intro=text_of(page, fields.get("intro")),
        body=text_of(page, fields.get("body")),
        tags=tuple(names_of(page, fields.get("tags"))),
        categories=tuple(names_of(page, fields.get("categories"))),
    )


def text_of(page: Page, attribute: str | None) -> str:
    if not attribute or not hasattr(page, attribute):
        return ""
    value = getattr(page, attribute)
    field = page._meta.get_field(attribute) if attribute != "title" else None
    if isinstance(field, StreamField):
        return "\n".join(str(part) for part in field.get_searchable_content(value))
    return str(value or "")


def names_of(page: Page, attribute: str | None) -> Iterable[str]:
    if not attribute or not hasattr(page, attribute):
        return []
    return [str(item) for item in getattr(page, attribute).all()]


def card_for(page: Page) -> Card:
    categories = list(names_of(page, conf.get("RECOMMENDER_FIELDS").get("categories")))
    intro = text_of(page, conf.get("RECOMMENDER_FIELDS").get("intro"))
    return Card(
        title=page.title,
        url=page.get_url() or page.url_path,
        excerpt=Truncator(intro).words(EXCERPT_WORDS),
        category=categories[0] if categories else "",
        thumbnail_url=thumbnail_url(page),
        date=getattr(page, "date", None) or page.first_published_at,
        locale_id=page.locale_id,
    )


def thumbnail_url(page: Page) -> str:
    image = getattr(page, conf.get("RECOMMENDER_IMAGE_FIELD") or "", None)
    if not isinstance(image, Model):
        return ""
    try:
        return image.get_rendition(conf.get("RECOMMENDER_THUMBNAIL_SPEC")).url
    except Exception:  # a missing or unreadable file must not stop a rebuild
        logger.warning("No thumbnail for page %s: image %s could not be read", page.pk, image.pk)
        return ""
