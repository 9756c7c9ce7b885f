"""Related articles as data: the JSON endpoint and a field for Wagtail's API v2.

A headless site adds the field to its page model::

    from wagtail.api import APIField
    from recommender.api import RelatedArticlesField

    api_fields = [APIField("related_articles", serializer=RelatedArticlesField())]
"""

from __future__ import annotations

from rest_framework import serializers

from .models import RecommenderSettings, RelatedArticle


def related_articles_data(page, slots: int, request=None) -> list[dict]:
    def absolute(url: str) -> str:
        return request.build_absolute_uri(url) if request and url else url

    return [
        {
            "id": item.target_id,
            "rank": item.rank,
            "title": item.title,
            "url": absolute(item.url),
            "excerpt": item.excerpt,
            "category": item.category,
            "thumbnail": absolute(item.thumbnail_url) or None,
            "reason": item.reason,
            "score": item.score,
            "shared_terms": item.shared_terms,
        }
        for item in RelatedArticle.objects.for_page(page, slots)
    ]


class RelatedArticlesField(serializers.Field):
    """Read-only: the page's stored suggestions, as many as the site's settings show."""

    def __init__(self, **kwargs):
        kwargs.setdefault("source", "*")
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, page):
        request = self.context.get("request")
        settings = (
            RecommenderSettings.for_request(request)
            if request
            else RecommenderSettings.for_default_site()
        )
        return related_articles_data(page, settings.slots, request)
