"""Links are built by the article index's routes, and cards name the category being browsed."""

import pytest
from wagtail.test.utils import WagtailTestUtils

from cms_site.articles.models import ArticleIndexPage
from tests.support.factories import (
    ArticlePageFactory,
    AuthorFactory,
    BodyAreaFactory,
    CategoryFactory,
    paragraph,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def training_index(home):
    """An index at /training/, not /articles/: hard-coded paths would break here."""
    index = ArticleIndexPage(title="Training", slug="training")
    home.add_child(instance=index)
    return index


def test_article_links_follow_the_index_routes(client, training_index):
    mobility, strength = CategoryFactory(name="Mobility"), CategoryFactory(name="Strength")
    author = AuthorFactory(name="Dana Coach", slug="dana-coach")
    article = ArticlePageFactory(parent=training_index, author=author, body=[paragraph("Move.")])
    article.categories.set([mobility, strength])
    article.body_areas.set([BodyAreaFactory(name="Hips", slug="hips")])
    article.tags.add("warm-up")
    article.save_revision().publish()
    html = client.get(article.url).content.decode()
    for route in (
        f"/training/category/{mobility.slug}/",
        "/training/author/dana-coach/",
        "/training/area/hips/",
        "/training/tag/warm-up/",
    ):
        assert f'href="{route}"' in html, route
        assert client.get(route).status_code == 200
    assert 'href="/articles/' not in html
    home_html = client.get("/").content.decode()
    assert f'href="/training/category/{strength.slug}/"' in home_html
    assert 'href="/training/"' in home_html


def test_cards_on_a_category_page_name_that_category(client, training_index):
    mobility, strength = CategoryFactory(name="Mobility"), CategoryFactory(name="Strength")
    article = ArticlePageFactory(parent=training_index, title="Hip airplanes")
    article.categories.set([mobility, strength])
    article.save_revision().publish()
    html = client.get(f"/training/category/{strength.slug}/").content.decode()
    card = html[html.index('<article class="card">') :]
    assert card.index("Strength") < card.index("Hip airplanes")
    assert "Mobility</p>" not in card[: card.index("Hip airplanes")]


class TestTaxonomyBesideTheContent(WagtailTestUtils):
    def test_categories_areas_and_tags_are_on_the_content_tab(
        self, client, training_index, admin_user
    ):
        client.force_login(admin_user)
        CategoryFactory(name="Mobility")
        BodyAreaFactory(name="Hips", slug="hips")
        article = ArticlePageFactory(parent=training_index)
        html = client.get(f"/admin/pages/{article.pk}/edit/").content.decode()
        start = html.index('id="tab-content"')
        content = html[start : html.index('id="tab-', start + 1)]
        for name in ("categories", "body_areas", "tags"):
            assert f'name="{name}"' in content, name
