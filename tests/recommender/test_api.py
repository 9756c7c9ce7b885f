"""Related articles for headless sites: Wagtail's API v2 field and the JSON endpoint agree."""

import pytest

from recommender.models import RelatedArticle
from recommender.retrain import rebuild_all

pytestmark = pytest.mark.django_db


def test_api_v2_field_lists_the_same_articles_as_the_page(client, corpus):
    rebuild_all()
    page = corpus["upper-back"][0]
    response = client.get(f"/api/v2/pages/{page.pk}/?fields=related_articles")
    assert response.status_code == 200
    related = response.json()["related_articles"]
    expected = [row.target_id for row in RelatedArticle.objects.for_page(page, 4)]
    assert [item["id"] for item in related] == expected
    first = related[0]
    assert first["reason"] == "similar" and first["shared_terms"]
    assert first["url"].startswith("http://testserver/")
    json_endpoint = client.get(f"/api/recommender/related/{page.pk}/").json()["results"]
    assert json_endpoint == related


def test_api_v2_listing_can_include_the_field(client, corpus):
    rebuild_all()
    response = client.get("/api/v2/pages/?type=articles.ArticlePage&fields=related_articles")
    items = response.json()["items"]
    assert len(items) == 8 and all(len(item["related_articles"]) == 4 for item in items)


def test_unpublished_pages_are_not_served(client, corpus):
    rebuild_all()
    page = corpus["upper-back"][0]
    page.unpublish()
    assert client.get(f"/api/v2/pages/{page.pk}/").status_code == 404
    assert client.get(f"/api/recommender/related/{page.pk}/").status_code == 404
