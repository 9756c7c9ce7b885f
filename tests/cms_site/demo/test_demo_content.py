import json
import re
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from cms_site.articles.models import ArticlePage, BodyArea
from cms_site.demo.loader import CONTENT_FILE, demo_address, load_demo_content
from cms_site.reader_comments import notifications
from tests.support.comments import make_comment

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


def test_links_in_the_demo_emails_open_the_demo(client, monkeypatch):
    monkeypatch.setenv("WEB_PORT", "8123")
    load_demo_content()
    guide = ArticlePage.objects.get(slug="improving-upper-back-mobility")
    parent = make_comment(guide, email="parent@example.com", notify=True)
    reply = make_comment(guide, email="replier@example.com", parent=parent, depth=2)
    confirmation = notifications.confirmation_message(parent.commenter).body
    parent.commenter.email_confirmed_at = timezone.now()  # emails about comments need it
    parent.commenter.save()
    bodies = [
        confirmation,
        notifications.approved_message(parent).body,
        notifications.reply_message(reply).body,
    ]
    links = [link for body in bodies for link in re.findall(r"https?://\S+", body)]
    assert len(links) == 6 and f"http://127.0.0.1:8123{guide.url}#{reply.anchor}" in links
    for link in links:
        assert link.startswith("http://127.0.0.1:8123/"), link
        assert client.get(urlsplit(link).path).status_code == 200, link


def test_the_demo_serves_on_port_8000_unless_told_otherwise(monkeypatch):
    for name in ("WEB_PORT", "PORT", "DEMO_HOST"):
        monkeypatch.delenv(name, raising=False)
    assert demo_address() == ("127.0.0.1", 8000)
    monkeypatch.setenv("PORT", "9000")
    assert demo_address() == ("127.0.0.1", 9000)
