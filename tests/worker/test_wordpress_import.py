"""An import publishes many articles at once; a real worker retrains once for all of them."""

import pytest
from django.core.management import call_command

from cms_site.articles.models import ArticlePage
from recommender.models import PendingRefresh, RecommenderRun, RelatedArticle
from recommender.retrain import rebuild_all
from tests.support import wxr
from tests.support.workers import wait_until

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def import_runs():
    return RecommenderRun.objects.filter(trigger="WordPress import")


def test_an_import_is_followed_by_one_retrain_on_the_worker(
    corpus, celery_worker_process, celery_dispatch, tmp_path
):
    rebuild_all()
    before = RecommenderRun.objects.count()
    text = "<p>Marathon pace running: intervals, easy runs and weekly mileage.</p>"
    posts = [wxr.item(n, f"Marathon training week {n}", text) for n in range(1, 6)]
    call_command("import_wordpress", str(wxr.write(tmp_path / "e.xml", *posts)), verbosity=0)

    imported = list(ArticlePage.objects.filter(import_id__startswith="wordpress:"))
    assert len(imported) == 5
    assert not PendingRefresh.objects.exists()  # no refresh per published post
    finished = wait_until(lambda: import_runs().filter(status="succeeded").first(), timeout=90)
    assert finished, list(import_runs().values("status", "error"))
    assert all(RelatedArticle.objects.filter(source=page).exists() for page in imported)
    running = {p.pk for p in corpus["running"]}
    marathon = RelatedArticle.objects.filter(source=imported[0]).order_by("rank")[:3]
    assert {row.target_id for row in marathon} & (running | {p.pk for p in imported})
    assert RecommenderRun.objects.count() == before + 1
