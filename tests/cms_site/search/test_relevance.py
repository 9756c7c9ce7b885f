"""Ranking and word forms, run on the suite's database: SQLite in one leg, PostgreSQL in the
other, so both backends are held to the same order."""

import pytest
from django.db import connection

from cms_site.search.views import matching
from tests.support.factories import ArticlePageFactory, BodyAreaFactory, exercise, paragraph

pytestmark = pytest.mark.django_db

UNRELATED = [
    "Rowing technique",
    "Hydration on hot days",
    "Sleep and recovery",
    "Grip strength",
    "Jump rope intervals",
    "Cooling down well",
    "Posture at the desk",
    "Stretching myths",
]

TITLE_BODY = "site_search_indexentry_title_body"  # what PostgreSQL searches match on
FILLER = "Warm up first, keep a steady tempo and stop before form breaks down."


def publish(index, title, intro="A calm routine for busy weeks.", body=(), **extra):
    blocks = list(body) or [paragraph(FILLER)]
    article = ArticlePageFactory(parent=index, title=title, intro=intro, body=blocks, **extra)
    article.save_revision().publish()
    return article


@pytest.fixture(autouse=True)
def unrelated_articles(article_index):
    """A site has many articles; word rarity (and so ranking) only means something among them."""
    for title in UNRELATED:
        publish(article_index, title)


def titles(query):
    results, _, _ = matching(query)
    return [article.title for article in results]


def test_title_counts_more_than_intro_and_intro_more_than_body(article_index):
    publish(article_index, "Evening routine", body=[paragraph(f"Add a scapula drill. {FILLER}")])
    publish(article_index, "Morning routine", intro="Wake the scapula gently before work.")
    publish(article_index, "Scapula control drills")
    assert titles("scapula") == ["Scapula control drills", "Morning routine", "Evening routine"]


def test_an_exercise_name_counts_more_than_a_passing_mention(article_index):
    publish(article_index, "Desk breaks", body=[paragraph(f"Some like a windmill. {FILLER}")])
    publish(
        article_index, "Thoracic flow", body=[exercise("Open-book windmill"), paragraph(FILLER)]
    )
    assert titles("windmill") == ["Thoracic flow", "Desk breaks"]


def test_a_body_area_counts(article_index):
    ankles = BodyAreaFactory(name="Ankles", slug="ankles")
    tagged = publish(article_index, "Calf raises for runners")
    tagged.body_areas.set([ankles])
    tagged.save_revision().publish()
    publish(article_index, "Sprint drills", body=[paragraph(f"Stiff ankles slow you. {FILLER}")])
    assert titles("ankles") == ["Calf raises for runners", "Sprint drills"]


@pytest.mark.parametrize(("one", "other"), [("squat", "squats"), ("knee", "knees")])
def test_singular_and_plural_find_the_same_articles(article_index, one, other):
    publish(article_index, "Goblet squat basics", intro="One squat pattern for sore knees.")
    publish(article_index, "Box squats", intro="Squats to a box protect the knee.")
    assert sorted(titles(one)) == sorted(titles(other))
    assert len(titles(one)) == 2


def test_the_backend_in_use_is_the_one_the_site_configures(settings):
    from wagtail.search.backends import get_search_backend

    backend = type(get_search_backend()).__name__
    expected = (
        "WeightedSQLiteSearchBackend" if connection.vendor == "sqlite" else "PostgresSearchBackend"
    )
    assert settings.WAGTAILSEARCH_BACKENDS["default"]["BACKEND"] == "cms_site.search.backend"
    assert backend == expected


def test_the_index_stems_words_on_either_database():
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT sql FROM sqlite_master WHERE name = %s", ["wagtailsearch_indexentry_fts"]
            )
            assert "porter" in cursor.fetchone()[0]
        else:
            cursor.execute("SELECT to_tsvector('squats knees')::text")
            assert cursor.fetchone()[0] == "'knee':2 'squat':1"
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [TITLE_BODY])
            assert "gin (((title || body)))" in cursor.fetchone()[0]
