"""The page cache follows lists rewritten by a real Celery worker (its purges reach the web)."""

import pytest
from django.test import Client

from recommender.models import PendingRefresh, RecommenderRun, RelatedArticle
from recommender.retrain import rebuild_all
from recommender.tasks import retrain_recommender
from tests.support.factories import make_article
from tests.support.related import shown_lists
from tests.support.workers import wait_until

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def cached_html(client, url):
    client.get(url), client.get(url)
    response = client.get(url)
    assert response["X-Page-Cache"] == "hit", (
        url,
        [client.get(url)["X-Page-Cache"] for _ in range(3)],
    )
    return response.content.decode()


def test_a_background_refresh_purges_the_pages_whose_list_changed(
    corpus, celery_worker_process, celery_dispatch, article_index
):
    rebuild_all()
    client = Client()
    running = corpus["running"]
    for page in running:
        assert "Hill repeats for stronger 10k" not in cached_html(client, page.url)
    new = make_article(
        article_index,
        "Hill repeats for stronger 10k races",
        "running 10k race pace hill repeats intervals mileage speed",
        running[0].categories.first(),
        author=running[0].author,
    )

    def listing():
        rows = RelatedArticle.objects.filter(target=new, rank__lte=4)
        return [page for page in running if rows.filter(source=page).exists()]

    assert wait_until(listing, timeout=20)

    def shown_everywhere():
        return all(
            "Hill repeats for stronger 10k" in client.get(p.url).content.decode() for p in listing()
        )

    assert wait_until(shown_everywhere, timeout=10)
    assert wait_until(idle, timeout=20)  # nothing left running into the next test


def idle():
    busy = RecommenderRun.objects.filter(status="running").exists()
    return not busy and not PendingRefresh.objects.exists()


def test_a_full_retrain_in_the_worker_purges_changed_pages_only(
    corpus, celery_worker_process, article_index
):
    rebuild_all()
    client = Client()
    pages = [page for group in corpus.values() for page in group]
    for page in pages:
        cached_html(client, page.url)
    RelatedArticle.objects.filter(source=pages[0]).delete()  # a list the retrain will restore
    before = shown_lists(pages)
    retrain_recommender.delay(trigger="page-cache-test").get(timeout=60)
    assert wait_until(lambda: RelatedArticle.objects.filter(source=pages[0]).exists(), timeout=20)
    after = shown_lists(pages)
    for page in pages:
        expected = "hit" if before[page.pk] == after[page.pk] else "miss"
        assert client.get(page.url)["X-Page-Cache"] == expected, page.title
    assert client.get(pages[0].url)["X-Page-Cache"] == "hit"  # cached again after the miss
