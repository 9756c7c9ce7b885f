"""An admin retrains the recommender from its admin page and watches a real worker finish; the
page's figures then follow a publish. Once as in production (Redis), once as `make demo` runs it
(no REDIS_URL: Celery's filesystem broker, file:// results, a file cache)."""

import re

import pytest
from django.utils import formats, timezone, translation
from playwright.sync_api import expect

from cms_site.articles.models import ArticleIndexPage, ArticlePage, Category
from recommender.models import RecommenderModel, RecommenderRun
from tests.support.browser import admin_message, log_in
from tests.support.factories import make_article
from tests.support.workers import celery_conf, demo_celery, demo_worker, wait_until

pytestmark = [
    pytest.mark.browser,
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture(params=["redis", "filesystem"])
def celery_setup(request, demo, settings, tmp_path):
    """A real worker, and "Retrain now" and publishing hand their work to it."""
    if request.param == "redis":
        request.getfixturevalue("celery_worker_process")
        request.getfixturevalue("celery_dispatch")
        yield
        return
    celery, cache = demo_celery(tmp_path)
    settings.CACHES = {**settings.CACHES, "default": cache}
    worker = demo_worker("demo-worker", celery, cache)
    try:
        with celery_conf(**celery):
            request.getfixturevalue("celery_dispatch")
            yield
    finally:
        # On the filesystem transport a SIGTERM'd worker group hangs in its warm shutdown (the
        # demo's honcho SIGKILLs it after 5 s too); nothing is in flight by now.
        worker.kill()


def figure(page, term: str):
    return page.locator(f"dt:text-is('{term}') + dd")


def latest_run(**filters) -> RecommenderRun | None:
    return RecommenderRun.objects.filter(**filters).order_by("-started_at", "-pk").first()


def test_retrain_now_and_a_publish_keep_the_status_page_in_step_with_its_runs(
    celery_setup, open_page, shoot
):
    live = ArticlePage.objects.live()
    page = open_page("desktop")
    log_in(page, "admin", "fitness-demo")
    page.get_by_role("navigation").get_by_role("link", name="Recommender").click()
    expect(page).to_have_url(re.compile(r"/admin/recommender/$"))

    page.get_by_role("button", name="Retrain now").click()
    expect(admin_message(page, "Retrain queued. This page updates while it runs.")).to_be_visible()
    # No reload from here on but the page's own, every 3 s while a run is going.
    admin_run = page.locator("tr[data-run-trigger='admin']")
    expect(admin_run).to_have_attribute("data-run-status", "succeeded", timeout=60_000)
    expect(admin_run).to_have_count(1)
    documents = page.locator("[data-figure='documents']")
    expect(documents).to_have_text(str(live.count()))
    expect(page.get_by_text(f"of {live.count()} published articles")).to_be_visible()
    expect(figure(page, "Last incremental update")).to_have_text("none since training")
    shoot(page, "retrained")

    before, published_at = live.count(), timezone.now()
    make_article(
        ArticleIndexPage.objects.get(),
        "Hip Hinge Drills for a Stronger Deadlift",
        "hip hinge deadlift hamstrings glutes dowel drill romanian deadlift kettlebell swing",
        Category.objects.order_by("pk").first(),
    )
    refresh = wait_until(
        lambda: latest_run(kind="incremental", status="succeeded", started_at__gte=published_at),
        timeout=30,
        interval=0.2,
    )
    assert refresh, "the worker did not refresh the lists within 30 s of the publish"
    page.reload()
    model = RecommenderModel.objects.get(is_active=True)
    expect(documents).to_have_text(str(before + 1))
    assert model.documents == live.count() == before + 1
    assert refresh == latest_run(kind="incremental")
    assert refresh.started_at <= model.refreshed_at <= refresh.finished_at
    with translation.override(page.locator("html").get_attribute("lang")):
        shown = formats.date_format(timezone.localtime(model.refreshed_at), "DATETIME_FORMAT")
    expect(figure(page, "Last incremental update")).to_contain_text(f"({shown})")
    first_row = page.locator("tbody tr").first
    expect(first_row).to_have_attribute("data-run-trigger", "publish")
    expect(first_row).to_have_attribute("data-run-status", "succeeded")
    shoot(page, "after-publish")

    second_at = timezone.now()  # a second publish soon after is refreshed as quickly
    make_article(
        ArticleIndexPage.objects.get(),
        "Kettlebell Swings for Hip Power",
        "kettlebell swing hip hinge glutes hamstrings power conditioning",
        Category.objects.order_by("pk").first(),
    )
    assert wait_until(
        lambda: latest_run(kind="incremental", status="succeeded", started_at__gte=second_at),
        timeout=30,
        interval=0.2,
    ), "the second publish was not refreshed within 30 s"
