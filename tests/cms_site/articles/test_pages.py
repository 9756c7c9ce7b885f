import pytest
from django.core.exceptions import ValidationError
from wagtail.models import Page, Site
from wagtail.test.utils import WagtailTestUtils

from cms_site.articles.models import ArticleIndexPage, ArticlePage
from cms_site.home.models import HomePage, HomePagePopularArticle
from cms_site.search.views import MAX_QUERY_LENGTH, clean_query
from tests.support.factories import (
    ArticlePageFactory,
    BodyAreaFactory,
    CategoryFactory,
    exercise,
    paragraph,
)

pytestmark = pytest.mark.django_db


def test_migrations_create_the_home_page_as_site_root(home):
    assert Site.objects.get(is_default_site=True).root_page.specific == home
    assert not Page.objects.filter(depth=2).exclude(pk=home.pk).exists()


@pytest.mark.parametrize(
    ("parent_model", "child_model", "allowed"),
    [
        (HomePage, ArticleIndexPage, True),
        (HomePage, ArticlePage, False),
        (ArticleIndexPage, ArticlePage, True),
        (ArticleIndexPage, ArticleIndexPage, False),
        (ArticlePage, ArticlePage, False),
        (Page, HomePage, True),
    ],
)
def test_page_tree_rules(parent_model, child_model, allowed):
    assert (child_model in parent_model.allowed_subpage_models()) is allowed


def test_only_one_home_page_is_allowed(home):
    assert not HomePage.can_create_at(Page.objects.get(depth=1))


def test_home_page_renders_recent_articles_and_categories(client, article_index):
    category = CategoryFactory(name="Mobility", slug="mobility")
    article = ArticlePageFactory(parent=article_index, title="Hip openers for squats")
    article.categories.add(category)
    article.save()
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Hip openers for squats" in html
    assert 'href="/articles/category/mobility/"' in html
    assert "<main" in html and 'class="skip-link"' in html


def test_article_page_renders_exercises_as_one_numbered_list(client, article_index):
    article = ArticlePageFactory(
        parent=article_index,
        body=[
            paragraph("Intro text."),
            exercise("Peanut upper-back extension", ["peanut ball"]),
            exercise("Bench stretch"),
            paragraph("Between the exercises."),
            exercise("Sweatt shrug", []),
        ],
    )
    html = client.get(article.url).content.decode()
    assert html.count('<ol class="exercises" start="1">') == 1
    assert '<ol class="exercises" start="3">' in html
    assert html.count('<li class="exercise">') == 3
    assert html.index("Peanut upper-back extension") < html.index("Bench stretch")
    assert "peanut ball" in html


def test_article_page_shows_byline_tags_and_areas(client, article_index):
    article = ArticlePageFactory(parent=article_index)
    article.tags.add("thoracic spine")
    article.body_areas.add(BodyAreaFactory(name="Upper back", slug="upper-back"))
    article.save()
    html = client.get(article.url).content.decode()
    assert article.author.name in html
    assert "#thoracic spine" in html
    assert 'href="/articles/area/upper-back/"' in html


def test_article_index_filters_by_category_tag_author_and_area(client, article_index):
    strength = CategoryFactory(name="Strength", slug="strength")
    lifted = ArticlePageFactory(parent=article_index, title="Deadlift basics")
    lifted.categories.add(strength)
    lifted.tags.add("barbell")
    lifted.save()
    other = ArticlePageFactory(parent=article_index, title="Easy recovery walk")
    for url in (
        "/articles/category/strength/",
        "/articles/?category=strength",
        "/articles/tag/barbell/",
        "/articles/?tag=barbell",
    ):
        html = client.get(url).content.decode()
        assert "Deadlift basics" in html, url
        assert "Easy recovery walk" not in html, url
    html = client.get(f"/articles/author/{other.author.slug}/").content.decode()
    assert "Easy recovery walk" in html and "Deadlift basics" not in html
    assert client.get("/articles/category/no-such-thing/").status_code == 404


def test_article_index_paginates(client, article_index):
    for _ in range(13):
        ArticlePageFactory(parent=article_index)
    first = client.get("/articles/").content.decode()
    assert "Page 1 of 2" in first
    assert client.get("/articles/?page=2").status_code == 200
    assert client.get("/articles/?page=abc").status_code == 200
    assert client.get("/articles/?page=999").status_code == 200


def test_drafts_and_private_articles_are_not_listed(client, article_index):
    ArticlePageFactory(parent=article_index, title="Published piece")
    ArticlePageFactory(parent=article_index, title="Draft piece", live=False)
    html = client.get("/articles/").content.decode()
    assert "Published piece" in html and "Draft piece" not in html


def test_search_finds_articles_by_body_text(client, article_index):
    article = ArticlePageFactory(
        parent=article_index,
        title="Upper back mobility",
        body=[paragraph("The thoracic spine is often overlooked.")],
    )
    article.save_revision().publish()
    response = client.get("/search/", {"query": "thoracic"})
    assert response.status_code == 200
    assert "Upper back mobility" in response.content.decode()


@pytest.mark.parametrize(
    "query", ["", "   ", "x" * 5000, "<script>alert(1)</script>", "\x00", "a\x00b\x07"]
)
def test_search_handles_odd_queries(client, article_index, query):
    response = client.get("/search/", {"query": query})
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.content.decode()


def published(index, title, text):
    article = ArticlePageFactory(parent=index, title=title, body=[paragraph(text)])
    article.save_revision().publish()
    return article


def test_a_long_pasted_query_is_cut_between_words_and_still_finds_articles(client, article_index):
    published(article_index, "Goblet squat basics", "Hold the weight close and squat deep.")
    query = "squat " + "how to keep my heels down and chest up " * 8 + "squatting"
    html = client.get("/search/", {"query": query}).content.decode()
    assert "Goblet squat basics" in html and "some of them" in html
    cut = clean_query(query)
    assert len(cut) <= MAX_QUERY_LENGTH and query.startswith(cut) and query[len(cut)] == " "


def test_a_query_whose_words_all_match_does_not_fall_back(client, article_index):
    published(article_index, "Goblet squat basics", "Hold the weight close and squat deep.")
    html = client.get("/search/", {"query": "goblet squat"}).content.decode()
    assert "Goblet squat basics" in html and "some of them" not in html


def test_an_empty_search_shows_popular_articles(client, home, article_index):
    picked = published(article_index, "Editors' favourite mobility flow", "Hips and ankles.")
    newest = published(article_index, "Fresh off the press", "Brand new routine.")
    HomePagePopularArticle.objects.create(page=home, article=picked)
    html = client.get("/search/").content.decode()
    assert "Popular articles" in html
    assert html.index(picked.title.replace("'", "&#x27;")) < html.index(newest.title)


def test_search_survives_invalid_utf8_and_nul_bytes(client, article_index):
    assert client.get("/search/?query=%ED%A0%80%00%FF").status_code == 200


def test_unknown_url_renders_friendly_404(client, home):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_article_requires_intro_and_body(article_index):
    article = ArticlePage(title="Empty", slug="empty")
    with pytest.raises(ValidationError):
        article.full_clean()


class TestAdminEditing(WagtailTestUtils):
    def test_editor_can_open_the_article_editor(self, client, article_index, admin_user):
        client.force_login(admin_user)
        article = ArticlePageFactory(parent=article_index)
        assert client.get(f"/admin/pages/{article.pk}/edit/").status_code == 200
        assert (
            client.get(f"/admin/pages/add/articles/articlepage/{article_index.pk}/").status_code
            == 200
        )


def test_a_misspelt_query_offers_the_sites_own_word_and_finds_its_articles(client, article_index):
    published(article_index, "Shoulder mobility for pressing", "Open up the shoulders.")
    html = client.get("/search/", {"query": "sholder"}).content.decode()
    assert 'Did you mean <a href="/search/?query=shoulder">shoulder</a>?' in html
    assert "Shoulder mobility for pressing" in html


def test_a_word_nobody_uses_suggests_nothing(client, article_index):
    published(article_index, "Shoulder mobility for pressing", "Open up the shoulders.")
    html = client.get("/search/", {"query": "xylophone"}).content.decode()
    assert "Did you mean" not in html and "No articles match" in html


def test_publishing_refreshes_the_vocabulary(client, article_index):
    published(article_index, "Shoulder mobility for pressing", "Open up the shoulders.")
    assert "Did you mean" not in client.get("/search/", {"query": "kettlebelk"}).content.decode()
    published(article_index, "Kettlebell swings", "Hinge and snap the hips.")
    assert "kettlebell</a>?" in client.get("/search/", {"query": "kettlebelk"}).content.decode()
