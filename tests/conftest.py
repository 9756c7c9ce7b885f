import os
import subprocess
import sys
from pathlib import Path

import pytest
import redis
from django.conf import settings

from cms_site.home.models import HomePage
from tests.support.factories import TOPICS, ArticleIndexPageFactory, CategoryFactory, make_article


@pytest.fixture(autouse=True)
def fresh_page_cache():
    """A new site generation per test: database ids are reused, cached pages must not be."""
    from cms_site.pagecache import store

    store.purge_site()


@pytest.fixture
def home(db):
    return HomePage.objects.get()


@pytest.fixture
def article_index(home):
    return ArticleIndexPageFactory(parent=home)


def require_service(name: str, available: bool) -> None:
    if available:
        return
    message = f"{name} is not available: set REDIS_URL or install redis-server"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message} (missing services fail in CI)", pytrace=False)
    pytest.skip(message)


def redis_reachable(url: str) -> bool:
    if not url:
        return False
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture(scope="session")
def eval_sets(tmp_path_factory):
    """The evaluation sets built from ../shared, as the benchmarks use them."""
    tool = Path(__file__).resolve().parents[2] / "shared" / "tools" / "build_eval_sets.py"
    if not tool.exists():
        pytest.skip("../shared is not beside the project")
    out = tmp_path_factory.mktemp("evalsets")
    subprocess.run([sys.executable, str(tool), str(out)], check=True, capture_output=True)
    return out


@pytest.fixture(scope="session")
def redis_url():
    url = settings.REDIS_URL
    require_service("Redis", redis_reachable(url))
    return url


@pytest.fixture(scope="session")
def celery_worker_process(redis_url, django_db_setup, django_db_blocker):
    from tasks import app
    from tests.support.workers import WorkerProcess

    app.control.purge()
    worker = WorkerProcess("session-worker", concurrency=2)
    yield worker
    worker.stop()


@pytest.fixture
def celery_dispatch(settings):
    """Publishing and "Retrain now" hand work to the Celery workers, as in dev and production."""
    from django.core.cache import cache

    from recommender.tasks import SCHEDULED_KEY

    settings.RECOMMENDER_USE_CELERY = True
    cache.delete(SCHEDULED_KEY)


@pytest.fixture
def corpus(article_index, django_capture_on_commit_callbacks):
    pages = {}
    with django_capture_on_commit_callbacks(execute=False):
        for slug, items in TOPICS.items():
            category = CategoryFactory(name=slug.title(), slug=slug)
            pages[slug] = [make_article(article_index, t, text, category) for t, text in items]
    return pages
