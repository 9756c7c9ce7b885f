import pytest
from django.contrib.auth.models import Group
from django.core.cache import caches

from cms_site.reader_comments.models import CommentSettings
from tests.support.comments import LOCMEM, RATE_CACHE
from tests.support.factories import ArticlePageFactory


@pytest.fixture(autouse=True)
def in_process_tasks(settings):
    """Tasks queued after a commit run in-process; rate limits count in a private, empty cache
    (never clear the default cache: on CI it is the Redis shared with the Celery broker)."""
    settings.COMMENTS_ENQUEUE = False
    settings.CACHES = {**settings.CACHES, RATE_CACHE: {"BACKEND": LOCMEM}}
    settings.COMMENTS_RATE_LIMIT_CACHE = RATE_CACHE
    caches[RATE_CACHE].clear()
    yield
    caches[RATE_CACHE].clear()


@pytest.fixture
def article(article_index):
    page = ArticlePageFactory(
        parent=article_index, title="Hip mobility basics", slug="hip-mobility"
    )
    page.save_revision().publish()
    return page


@pytest.fixture
def comment_settings(article):
    return CommentSettings.for_default_site()


@pytest.fixture
def moderator(django_user_model):
    user = django_user_model.objects.create_user(
        "mod", email="mod@example.com", password="pw", first_name="Morgan", last_name="Mod"
    )
    user.groups.add(Group.objects.get(name="Moderators"))
    return user


@pytest.fixture
def editor(django_user_model):
    user = django_user_model.objects.create_user("ed", email="ed@example.com", password="pw")
    user.groups.add(Group.objects.get(name="Editors"))
    return user
