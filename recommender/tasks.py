"""Celery tasks, found by the host's ``app.autodiscover_tasks()``: thin wrappers around services.

Only imported when ``RECOMMENDER_USE_CELERY`` is on (or by a Celery worker), so the plugin runs
without Celery installed.
"""

import logging
from dataclasses import asdict

from celery import chord, shared_task
from django.core.cache import cache
from django.db import OperationalError

from . import runs
from .models import RecommenderRun
from .refresh import process_pending
from .retrain import Chunk, compute_chunk, finish_retrain, prepare_retrain

logger = logging.getLogger(__name__)
SCHEDULED_KEY = "recommender:refresh-scheduled"
COALESCE_SECONDS = 0.1
TRANSIENT = (OperationalError, ConnectionError, TimeoutError)


def request_refresh(page_id: int) -> None:
    """Called after a publish commits: queue one refresh unless one is already queued."""
    try:
        if cache.add(SCHEDULED_KEY, page_id, timeout=30):
            refresh_pending.apply_async(countdown=COALESCE_SECONDS, retry=False)
    except Exception as exc:  # broker or cache down: the pending row waits for the beat task
        logger.warning("Could not queue a related-articles refresh for page %s: %s", page_id, exc)
        forget_scheduled()


def forget_scheduled() -> None:
    try:
        cache.delete(SCHEDULED_KEY)
    except Exception as exc:
        logger.warning("Cache unavailable: %s", exc)


@shared_task(bind=True, max_retries=60, autoretry_for=TRANSIENT, retry_backoff=True)
def refresh_pending(self):
    forget_scheduled()
    try:
        return process_pending()
    except runs.RecommenderBusy:
        raise self.retry(countdown=2) from None


@shared_task(bind=True, max_retries=30, autoretry_for=TRANSIENT, retry_backoff=True)
def retrain_recommender(self, trigger: str = "manual"):
    try:
        run = runs.start_run(RecommenderRun.Kind.FULL, trigger)
    except runs.RecommenderBusy as busy:
        if busy.holder and busy.holder.kind == RecommenderRun.Kind.FULL:
            return runs.record_coalesced(trigger).pk
        raise self.retry(countdown=3) from None
    try:
        chunks = prepare_retrain(run)
    except Exception as exc:
        runs.fail_run(run.pk, f"{type(exc).__name__}: {exc}")
        raise
    queue = (self.request.delivery_info or {}).get("routing_key")  # chunks follow the retrain
    finish = finish_related_retrain.si(run.pk).set(queue=queue)
    finish = finish.on_error(fail_related_retrain.s(run_id=run.pk).set(queue=queue))
    if chunks:
        header = [compute_related_chunk.si(asdict(chunk)).set(queue=queue) for chunk in chunks]
        chord(header)(finish)
    else:
        finish.delay()
    return run.pk


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def compute_related_chunk(chunk: dict):
    return compute_chunk(Chunk(**chunk))


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def finish_related_retrain(run_id: int):
    run = finish_retrain(run_id)
    refresh_pending.delay()
    return run.pk if run else None


@shared_task
def fail_related_retrain(*args, run_id: int):
    runs.fail_run(run_id, runs.CHUNK_FAILED)
