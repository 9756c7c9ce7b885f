import uuid

import pytest
from django.contrib.auth.models import Group

from cms_site.reader_comments.models import CommentSettings
from tests.support.factories import ArticlePageFactory
from tests.support.workers import celery_conf


@pytest.fixture
def article(article_index):
    page = ArticlePageFactory(parent=article_index, title="Hip mobility basics", slug="hip-mob")
    page.save_revision().publish()
    return page


@pytest.fixture
def comment_settings(article):
    """Generous limits: the production cache keeps its counts in the shared Redis between runs."""
    settings = CommentSettings.for_default_site()
    settings.ip_limit = settings.email_limit = 1000
    settings.save()
    return settings


@pytest.fixture
def moderator(django_user_model):
    user = django_user_model.objects.create_user("mod", email="mod@example.com", password="pw")
    user.groups.add(Group.objects.get(name="Moderators"))
    return user


@pytest.fixture
def private_queue(redis_url):
    """Tasks from this test go to a queue only its own workers read."""
    queue = f"faults-{uuid.uuid4().hex[:8]}"
    with celery_conf(task_default_queue=queue):
        yield queue
