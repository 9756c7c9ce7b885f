"""The installed plugin in a host site it was not written for: other models, fields and names."""

import json
import os
import re
import subprocess
import sys
import sysconfig
from importlib.util import find_spec
from pathlib import Path

import pytest
import recommender
from django.core.management import call_command
from recommender.models import RelatedArticle

from blog.models import BlogPage
from sample_pages import publish

SITE = Path(__file__).resolve().parent
CARD = re.compile(r'<li class="card" data-reason="(\w+)">.*?<a href="([^"]+)">', re.S)
EDITOR_SECTIONS = ("Pinned (shown first, in order)", "Never suggest", "Automatic suggestions")


def same_topic(articles, page) -> list:
    return next(
        [p for p in pages if p.pk != page.pk] for pages in articles.values() if page in pages
    )


def test_recommender_is_imported_from_the_installed_wheel():
    site_packages = Path(sysconfig.get_paths()["purelib"]).resolve()
    assert Path(recommender.__file__).resolve().is_relative_to(site_packages), recommender.__file__


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("topic", "index", "heading"),
    [
        ("running", 0, "Articles You May Like"),
        ("nutrition", 2, "More to read"),  # a NewsPage, whose template names its own heading
    ],
)
def test_page_shows_cards_of_its_own_topic_first(client, articles, topic, index, heading):
    page = articles[topic][index]
    response = client.get(page.url)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<section class="related"' in html and heading in html
    neighbours = same_topic(articles, page)
    first = CARD.findall(html)[: len(neighbours)]
    assert {url for _, url in first} == {p.url for p in neighbours}
    assert {reason for reason, _ in first} == {"similar"}


@pytest.mark.django_db
def test_json_endpoint_lists_suggestions_with_thumbnails_of_blog_covers(client, articles):
    page = articles["nutrition"][0]
    data = client.get(f"/api/recommender/related/{page.pk}/").json()
    assert data["page"] == page.pk
    neighbours = same_topic(articles, page)
    first = data["results"][: len(neighbours)]
    assert {item["id"] for item in first} == {p.pk for p in neighbours}
    for item in first:
        has_cover = BlogPage.objects.filter(pk=item["id"]).exists()  # news pages have no image
        assert (item["thumbnail"] or "").startswith("http://testserver/") == has_cover


@pytest.mark.django_db
def test_api_v2_field_matches_the_json_endpoint(client, articles):
    page = articles["running"][2]
    endpoint = client.get(f"/api/recommender/related/{page.pk}/").json()["results"]
    response = client.get(f"/api/v2/pages/{page.pk}/", {"fields": "related_articles"})
    assert response.status_code == 200
    related = response.json()["related_articles"]
    assert related and [item["id"] for item in related] == [item["id"] for item in endpoint]


@pytest.mark.django_db
@pytest.mark.parametrize("index", [0, 2], ids=["promote panel", "own tab"])
def test_editor_sees_pins_exclusions_and_suggestions(admin_client, articles, index):
    page = articles["running"][index]
    response = admin_client.get(f"/admin/pages/{page.pk}/edit/")
    assert response.status_code == 200
    html = response.content.decode()
    for section in EDITOR_SECTIONS:
        assert section in html
    for neighbour in same_topic(articles, page):
        assert neighbour.title in html


@pytest.mark.django_db
def test_publishing_refreshes_lists_in_process(
    client, articles, home, django_capture_on_commit_callbacks
):
    assert find_spec("celery") is None, "this host runs without Celery"
    with django_capture_on_commit_callbacks(execute=True):
        new = publish(
            home,
            BlogPage,
            "Hill repeats for stronger running",
            "Hill repeats make runners stronger and faster.",
            "Run hard up a hill, jog back down, and repeat: hill intervals build running "
            "strength that pays off on the track and in the marathon.",
        )
    suggested = {item.target_id for item in RelatedArticle.objects.for_page(new, 3)}
    assert suggested == {p.pk for p in articles["running"]}
    html = client.get(articles["running"][0].url).content.decode()
    assert new.url in [url for _, url in CARD.findall(html)]


@pytest.mark.django_db
def test_system_checks_and_migrations_are_clean():
    call_command("check", fail_level="WARNING")
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


# Run by `manage.py shell` on a database file of its own, so no other test loses the tables.
MIGRATE_AND_UNINSTALL = """
import json
from django.core.management import call_command
from django.db import connection

def tables():
    names = connection.introspection.table_names()
    return [name for name in names if name.startswith("recommender_")]

call_command("migrate", verbosity=0)
installed = tables()
call_command("migrate", "recommender", "zero", verbosity=0)
print(json.dumps([installed, tables()]))
"""


def test_migrating_recommender_to_zero_drops_all_its_tables(tmp_path):
    env = {**os.environ, "EXAMPLE_SITE_DB": str(tmp_path / "site.sqlite3")}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", MIGRATE_AND_UNINSTALL],
        cwd=SITE,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    installed, left = json.loads(result.stdout.splitlines()[-1])
    assert "recommender_relatedarticle" in installed
    assert left == []
