"""The background path with a real Celery worker process and a real Redis (no eager mode)."""

import re
import time

import pytest
import redis
from django.db import transaction
from django.utils import timezone

from recommender.engine.topk import TopK
from recommender.model_cache import verification_keys
from recommender.models import PendingRefresh, RecommenderModel, RecommenderRun, RelatedArticle
from recommender.retrain import rebuild_all
from recommender.tasks import refresh_pending, retrain_recommender
from tasks import app
from tests.support.factories import make_article
from tests.support.workers import WorkerProcess, celery_conf, wait_until, writes_blocked

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def heartbeat_age(run):
    run.refresh_from_db()
    return (timezone.now() - run.heartbeat_at).total_seconds()


def listed(source, target, slots=4):
    return RelatedArticle.objects.filter(source=source, target=target, rank__lte=slots).exists()


def test_published_article_appears_in_related_lists_within_seconds(
    corpus, celery_worker_process, celery_dispatch, article_index
):
    rebuild_all()
    running = corpus["running"]
    new = make_article(
        article_index,
        "Race pace running intervals for your next 10k",
        "running 10k race pace intervals easy runs mileage speed track",
        running[0].categories.first(),
    )
    assert wait_until(lambda: any(listed(page, new) for page in running), timeout=20)
    own = wait_until(lambda: list(RelatedArticle.objects.filter(source=new)), timeout=10)
    assert {row.target_id for row in own[:2]} <= {page.pk for page in running}
    assert wait_until(idle, timeout=10)  # the run ends just after the lists are written
    assert RecommenderRun.objects.filter(kind="incremental", status="succeeded").exists()


def test_unpublished_article_disappears_everywhere(corpus, celery_worker_process, celery_dispatch):
    rebuild_all()
    gone = corpus["upper-back"][1]
    assert RelatedArticle.objects.filter(target=gone).exists()
    gone.unpublish()
    assert not RelatedArticle.objects.filter(target=gone).exists()
    assert wait_until(lambda: not PendingRefresh.objects.exists(), timeout=20)
    assert not RelatedArticle.objects.filter(target=gone).exists()
    for page in corpus["upper-back"]:
        if page.pk != gone.pk:
            assert RelatedArticle.objects.filter(source=page).count() >= 4


def test_a_second_retrain_coalesces_while_one_is_running(corpus, celery_worker_process):
    rebuild_all()
    holder = RecommenderRun.objects.create(kind="full", trigger="test-holder")
    version = RecommenderModel.objects.get(is_active=True).version
    retrain_recommender.delay(trigger="second").get(timeout=30)
    assert RecommenderRun.objects.filter(trigger="second", status="coalesced").exists()
    assert RecommenderModel.objects.get(is_active=True).version == version
    holder.status = "succeeded"
    holder.save()
    retrain_recommender.delay(trigger="third").get(timeout=30)
    assert wait_until(
        lambda: RecommenderRun.objects.filter(trigger="third", status="succeeded").exists(),
        timeout=30,
    )
    assert RecommenderModel.objects.get(is_active=True).version != version
    full_runs = list(RecommenderRun.objects.filter(kind="full").exclude(status="coalesced"))
    for a in full_runs:
        for b in full_runs:
            if a.pk < b.pk and a.finished_at and b.finished_at:
                assert a.finished_at <= b.started_at or b.finished_at <= a.started_at


def test_two_workers_share_a_retrain_and_its_table_matches_one_computed_whole(
    corpus, article_index
):
    from recommender.engine import RelatedIndex

    category = corpus["running"][0].categories.first()
    for n in range(40):
        make_article(article_index, f"Strength day {n}", f"squat deadlift press row {n}", category)
    app.control.purge()
    workers = [
        WorkerProcess(f"share{n}", concurrency=1, queues="shared", RECOMMENDER_CHUNK_SIZE="5")
        for n in range(2)
    ]
    try:
        retrain_recommender.apply_async(kwargs={"trigger": "shared"}, queue="shared")
        assert wait_until(
            lambda: RecommenderRun.objects.filter(trigger="shared", status="succeeded").exists(),
            timeout=90,
        )
    finally:
        for worker in workers:
            worker.stop()
    run = RecommenderRun.objects.get(trigger="shared")
    assert run.chunks_done == run.chunks_total == 10
    for worker in workers:  # the chunks really were shared
        assert re.search(r"compute_related_chunk\[[^]]+\] succeeded", worker.log_path.read_text())
    assert run.chunks_started_at < run.chunks_finished_at <= run.finished_at
    model = RecommenderModel.objects.get(is_active=True)
    assembled = RelatedIndex.from_bytes(bytes(model.artifact), verification_keys())
    assembled.adopt_table(TopK.from_bytes(bytes(model.neighbours)))
    whole = RelatedIndex.from_bytes(bytes(model.artifact), verification_keys())
    assert assembled.neighbours() == whole.neighbours()
    assert RelatedArticle.objects.filter(source=corpus["running"][0]).count() >= 4


def test_a_chunk_whose_run_failed_meanwhile_stages_nothing(corpus, monkeypatch, settings):
    from recommender import retrain, runs
    from recommender.models import StagedNeighbours, StagedRelatedArticle

    settings.RECOMMENDER_CHUNK_SIZE = 3
    run = runs.start_run(RecommenderRun.Kind.FULL, "test")
    chunks = retrain.prepare_retrain(run)
    started = runs.chunk_started

    def run_fails_while_the_chunk_computes(run_id):
        started(run_id)
        runs.fail_run(run_id, runs.CHUNK_FAILED)

    monkeypatch.setattr(runs, "chunk_started", run_fails_while_the_chunk_computes)
    assert retrain.compute_chunk(chunks[0]) == 0
    assert not StagedNeighbours.objects.exists() and not StagedRelatedArticle.objects.exists()


def test_killed_worker_mid_retrain_keeps_old_lists_and_next_run_succeeds(
    corpus, article_index, redis_url, settings
):
    category = corpus["running"][0].categories.first()
    for n in range(80):
        make_article(article_index, f"Strength day {n}", f"squat deadlift press row {n}", category)
    rebuild_all()
    before = set(RelatedArticle.objects.values_list("source_id", "target_id", "rank"))
    version = RecommenderModel.objects.get(is_active=True).version
    app.control.purge()
    worker = WorkerProcess(
        "doomed",
        concurrency=1,
        queues="doomed",
        RECOMMENDER_CHUNK_SIZE="1",
        RECOMMENDER_RUN_STALE_SECONDS="2",
    )
    try:
        retrain_recommender.apply_async(kwargs={"trigger": "doomed"}, queue="doomed")
        run = wait_until(
            lambda: RecommenderRun.objects.filter(trigger="doomed", chunks_done__gte=1).first(),
            timeout=30,
            interval=0.01,
        )
        assert run is not None
        with writes_blocked(["recommender_stagedrelatedarticle", "recommender_recommenderrun"]):
            time.sleep(0.5)  # the worker is now stuck inside a chunk
            worker.kill()
    finally:
        worker.kill()
    run.refresh_from_db()
    assert run.status == "running" and run.chunks_done < run.chunks_total
    assert RecommenderModel.objects.get(is_active=True).version == version
    assert set(RelatedArticle.objects.values_list("source_id", "target_id", "rank")) == before

    settings.RECOMMENDER_RUN_STALE_SECONDS = 2
    survivor = WorkerProcess(
        "survivor", concurrency=1, queues="doomed", RECOMMENDER_RUN_STALE_SECONDS="2"
    )
    try:
        # The survivor first works through the dead run's leftover chunks, which keep its
        # heartbeat fresh; the lock is released once they stop for RECOMMENDER_RUN_STALE_SECONDS.
        queue = redis.Redis.from_url(redis_url)
        assert wait_until(lambda: queue.llen("doomed") == 0, timeout=60)
        assert wait_until(lambda: heartbeat_age(run) > 2.5, timeout=30)
        retrain_recommender.apply_async(kwargs={"trigger": "after-crash"}, queue="doomed")
        assert wait_until(
            lambda: RecommenderRun.objects.filter(
                trigger="after-crash", status="succeeded"
            ).exists(),
            timeout=60,
        )
    finally:
        survivor.stop()
    run.refresh_from_db()
    assert run.status == "failed" and "stopped responding" in run.error
    assert RecommenderModel.objects.get(is_active=True).version != version
    assert RelatedArticle.objects.filter(source=corpus["running"][0]).count() >= 4


def test_publishing_with_redis_down_loses_nothing(
    client, corpus, celery_worker_process, celery_dispatch, article_index, settings
):
    rebuild_all()
    dead = "redis://127.0.0.1:1/0"
    settings.CACHES = {name: {**conf, "LOCATION": dead} for name, conf in settings.CACHES.items()}
    with celery_conf(broker_url=dead):
        new = make_article(
            article_index,
            "Hill repeats for stronger running",
            "running hills repeats pace race mileage easy runs",
            corpus["running"][0].categories.first(),
        )
        assert new.live
        assert PendingRefresh.objects.filter(page_id=new.pk).exists()
        neighbour = corpus["running"][0]
        page = client.get(neighbour.url)
        assert page.status_code == 200 and "Articles You May Like" in page.content.decode()
    refresh_pending.delay()  # what the periodic beat task does once Redis is back
    assert wait_until(lambda: RelatedArticle.objects.filter(source=new).exists(), timeout=20)
    # The worker deletes the pending row just after writing the lists.
    assert wait_until(lambda: not PendingRefresh.objects.filter(page_id=new.pk).exists(), 10)


def test_a_burst_of_publishes_is_coalesced_into_few_runs(
    corpus, celery_worker_process, celery_dispatch, article_index
):
    rebuild_all()
    category = corpus["running"][0].categories.first()
    pages = [
        make_article(
            article_index, f"Interval session {n}", f"running intervals pace {n}", category
        )
        for n in range(20)
    ]
    assert wait_until(idle, timeout=30)
    runs_before = RecommenderRun.objects.filter(kind="incremental").count()
    with transaction.atomic():  # a bulk publish: twenty refresh requests at one commit
        for page in pages:
            page.save_revision().publish()
    assert wait_until(idle, timeout=30)
    runs = RecommenderRun.objects.filter(kind="incremental").count() - runs_before
    assert 1 <= runs <= 2, f"{runs} refresh runs for {len(pages)} publishes"
    assert all(RelatedArticle.objects.filter(source=page).exists() for page in pages)


def idle():
    busy = RecommenderRun.objects.filter(status="running").exists()
    return not busy and not PendingRefresh.objects.exists()
