import pytest

from cms_site.home.models import HomePage
from tests.factories import ArticleIndexPageFactory


@pytest.fixture
def home(db):
    return HomePage.objects.get()


@pytest.fixture
def article_index(home):
    return ArticleIndexPageFactory(parent=home)
