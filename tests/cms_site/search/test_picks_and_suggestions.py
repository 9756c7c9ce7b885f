import pytest
from wagtail.contrib.search_promotions.models import Query, SearchPromotion

from tests.cms_site.search.test_relevance import publish

pytestmark = pytest.mark.django_db


def promote(query, page=None, **extra):
    return SearchPromotion.objects.create(query=Query.get(query), page=page, **extra)


def test_editors_picks_come_first_marked_and_are_not_repeated(client, article_index):
    organic = publish(article_index, "Squat depth explained", intro="How low to squat.")
    picked = publish(article_index, "Our favourite leg day", intro="A complete squat session.")
    promote("Squat", picked, sort_order=0)
    html = client.get("/search/", {"query": "squat"}).content.decode()
    assert "Editors’ pick" in html
    assert html.index(picked.title) < html.index(organic.title)
    assert html.count(picked.title) == 1
    assert "1 result for" in html


def test_a_pick_shows_even_when_no_article_matches_and_external_links_work(client, article_index):
    promote(
        "physio near me",
        external_link_url="https://example.org/find",
        external_link_text="Find a physio",
    )
    html = client.get("/search/", {"query": "Physio  near me"}).content.decode()
    assert 'href="https://example.org/find"' in html and "Find a physio" in html
    assert "No articles match" not in html


def test_unpublished_or_private_picks_are_left_out(client, article_index):
    draft = publish(article_index, "Withdrawn squat plan")
    draft.unpublish()
    promote("squat", draft)
    html = client.get("/search/", {"query": "squat"}).content.decode()
    assert "Withdrawn squat plan" not in html and "Editors’ pick" not in html


def test_searches_are_counted_for_the_search_terms_report(client, article_index):
    publish(article_index, "Goblet squat basics")
    client.get("/search/", {"query": "Goblet squat"})
    client.get("/search/", {"query": "goblet  squat"})
    client.get("/search/", {"query": "goblet squat", "page": "2"})
    assert Query.get("goblet squat").hits == 2


def test_suggestions_as_you_type_come_from_the_autocomplete_index(client, article_index):
    guide = publish(article_index, "Shoulder mobility for pressing")
    publish(article_index, "Hamstring stretches")
    data = client.get("/search/suggest/", {"query": "shoul"}).json()
    assert data == {"query": "shoul", "suggestions": [{"title": guide.title, "url": guide.url}]}


@pytest.mark.parametrize("query", ["", "s", "\x00\x01", "zzzzqqq"])
def test_suggestions_for_short_or_unknown_input_are_empty(client, article_index, query):
    publish(article_index, "Shoulder mobility for pressing")
    response = client.get("/search/suggest/", {"query": query})
    assert response.status_code == 200 and response.json()["suggestions"] == []


def test_suggestions_leave_out_drafts_and_answer_get_only(client, article_index):
    draft = publish(article_index, "Shoulder draft")
    draft.unpublish()
    assert client.get("/search/suggest/", {"query": "shoulder"}).json()["suggestions"] == []
    assert client.post("/search/suggest/", {"query": "shoulder"}).status_code == 405
