"""The number of database queries each public page makes with the demo content, pinned: a new
query per card or per comment shows up here before it shows up in production."""

import pytest

from cms_site.demo.loader import load_demo_content
from recommender.retrain import rebuild_all
from tests.support.browser import guide

pytestmark = pytest.mark.django_db

PAGES = {"article": 18, "home": 31, "article index": 14, "category": 15, "search": 21}


@pytest.fixture
def demo_urls(db):
    load_demo_content()
    rebuild_all(trigger="query-counts")
    return {
        "article": guide().url,
        "home": "/",
        "article index": "/articles/",
        "category": "/articles/category/mobility/",
        "search": "/search/?query=upper+back",
    }


@pytest.mark.parametrize("name", PAGES)
def test_page_query_count_is_pinned(client, demo_urls, django_assert_num_queries, name, settings):
    settings.PAGE_CACHE_SECONDS = 0  # the rendering a cache miss pays for
    url = demo_urls[name]
    assert client.get(url).status_code == 200  # warms per-process caches (site root, settings)
    with django_assert_num_queries(PAGES[name]):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("name", ["article", "home", "article index", "category"])
def test_a_cached_page_needs_no_query(client, demo_urls, django_assert_num_queries, name):
    url = demo_urls[name]
    client.get(url), client.get(url)
    with django_assert_num_queries(0):
        assert client.get(url)["X-Page-Cache"] == "hit"
