import json

import pytest

from cms_site.articles.models import ArticlePage, BodyArea
from cms_site.demo.loader import CONTENT_FILE, load_demo_content

pytestmark = pytest.mark.django_db


@pytest.fixture
def content():
    return json.loads(CONTENT_FILE.read_text())


def test_demo_content_is_broad_enough_for_recommendations(content):
    articles = content["articles"]
    assert len(articles) >= 40
    assert len({area for a in articles for area in a["body_areas"]}) >= 8
    assert all(any(b["type"] == "exercise" for b in a["body"]) for a in articles)
    assert len({a["slug"] for a in articles}) == len(articles)


def test_loader_is_idempotent_and_finds_the_upper_back_guide(client, content):
    first = load_demo_content()
    second = load_demo_content()
    assert len(first.created) == len(content["articles"])
    assert second.created == [] and second.existing == len(content["articles"])
    assert ArticlePage.objects.live().count() == len(content["articles"])
    assert BodyArea.objects.count() >= 8
    guide = ArticlePage.objects.get(slug="improving-upper-back-mobility")
    html = client.get(guide.url).content.decode()
    assert html.count('<li class="exercise">') == 4
    for name in ("Peanut", "Bench", "Thoracic Rotation", "Sweatt"):
        assert name.lower() in html.lower()
    assert (
        guide.url in client.get("/").content.decode()
        or guide.url in client.get("/search/", {"query": "upper back mobility"}).content.decode()
    )


def test_loader_prints_admin_login(client):
    report = load_demo_content()
    assert report.username == "admin" and report.password
    credentials = {"username": report.username, "password": report.password}
    assert client.post("/admin/login/", credentials).status_code == 302
    assert client.get("/admin/").status_code == 200
