import pytest
from django.core.management import call_command
from wagtail.models import Page, Site

from blog.models import HomePage
from sample_pages import ARTICLES, publish


def pytest_report_header():
    import recommender
    import wagtail

    return f"wagtail: {wagtail.__version__}, recommender: {recommender.__file__}"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def home(db):
    home = Page.get_first_root_node().add_child(instance=HomePage(title="Blog", slug="blog"))
    Site.objects.update(root_page=home)
    return home


@pytest.fixture
def articles(home) -> dict[str, list[Page]]:
    """Pages of both types on two topics, with their related lists built."""
    pages = {
        topic: [publish(home, *article) for article in topic_articles]
        for topic, topic_articles in ARTICLES.items()
    }
    call_command("rebuild_related_articles", verbosity=0)
    return pages
