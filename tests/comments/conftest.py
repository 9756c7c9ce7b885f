import pytest
from django.contrib.auth.models import Group
from django.core.cache import caches
from django.urls import reverse

from cms_site.comments.models import ArticleComment, Commenter, CommentSettings
from tests.factories import ArticlePageFactory

RATE_CACHE = "comments-tests"
LOCMEM = "django.core.cache.backends.locmem.LocMemCache"
VALID = {
    "name": "Dana Reader",
    "email": "dana@example.com",
    "website": "",
    "comment": "The hip hinge drill helped my lower back a lot. Thanks!",
}


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


def post_url(page) -> str:
    return reverse("comments:post", args=[page.pk])


def post_comment(client, page, **fields):
    return client.post(post_url(page), {**VALID, **fields})


def make_comment(page, status=ArticleComment.Status.APPROVED, email="alex@example.com", **extra):
    commenter, _ = Commenter.objects.get_or_create(email=email)
    fields = {
        "author_name": "Alex",
        "body": "A useful article.",
        "status": status,
        "commenter": commenter,
        **extra,
    }
    return ArticleComment.objects.create(page=page, **fields)


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
