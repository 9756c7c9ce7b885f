"""Run records that double as a single-flight lock: at most one run is ``running`` at a time."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext_noop

from . import conf
from .models import RecommenderModel, RecommenderRun, StagedRelatedArticle

logger = logging.getLogger(__name__)
KEEP_RUNS = 500
# Stored in English; the admin's status page translates them when it shows a run's error.
WORKER_LOST = gettext_noop(
    "The worker stopped responding (killed or lost); the old lists were kept."
)
CHUNK_FAILED = gettext_noop("A chunk of the retrain failed; the previous lists were kept.")


class RecommenderBusy(Exception):
    def __init__(self, holder: RecommenderRun | None):
        super().__init__(f"another recommender run is in progress: {holder}")
        self.holder = holder


def start_run(kind: str, trigger: str = "") -> RecommenderRun:
    expire_stale_runs()
    try:
        with transaction.atomic():
            return RecommenderRun.objects.create(kind=kind, trigger=trigger[:32])
    except IntegrityError:
        raise RecommenderBusy(running_run()) from None


def running_run() -> RecommenderRun | None:
    return RecommenderRun.objects.filter(status=RecommenderRun.Status.RUNNING).first()


def expire_stale_runs() -> int:
    limit = timezone.now() - timedelta(seconds=conf.get("RECOMMENDER_RUN_STALE_SECONDS"))
    stale = list(RecommenderRun.objects.filter(status="running", heartbeat_at__lt=limit))
    for run in stale:
        logger.warning("Recommender run %s stopped sending heartbeats; marking it failed", run.pk)
        fail_run(run.pk, WORKER_LOST)
    return len(stale)


def heartbeat(run_id: int, chunks_done: int = 0) -> None:
    RecommenderRun.objects.filter(pk=run_id).update(
        heartbeat_at=timezone.now(), chunks_done=F("chunks_done") + chunks_done
    )


def chunk_started(run_id: int) -> None:
    RecommenderRun.objects.filter(pk=run_id, chunks_started_at__isnull=True).update(
        chunks_started_at=timezone.now()
    )


def chunk_finished(run_id: int, compute_seconds: float, write_seconds: float) -> None:
    now = Value(timezone.now())
    RecommenderRun.objects.filter(pk=run_id).update(
        heartbeat_at=now,
        chunks_done=F("chunks_done") + 1,
        chunks_finished_at=Greatest(Coalesce("chunks_finished_at", now), now),
        chunk_compute_seconds=F("chunk_compute_seconds") + compute_seconds,
        chunk_write_seconds=F("chunk_write_seconds") + write_seconds,
    )


def is_running(run_id: int) -> bool:
    return RecommenderRun.objects.filter(pk=run_id, status="running").exists()


def finish_run(run: RecommenderRun, **stats) -> None:
    now = timezone.now()
    for key, value in stats.items():
        setattr(run, key, value)
    run.status = RecommenderRun.Status.SUCCEEDED
    run.finished_at = now
    run.duration_seconds = (now - run.started_at).total_seconds()
    run.save()
    prune_runs()


def fail_run(run_id: int, error: str) -> None:
    now = timezone.now()
    run = RecommenderRun.objects.filter(pk=run_id, status="running").first()
    if run is None:
        return
    run.status = RecommenderRun.Status.FAILED
    run.error = error[:4000]
    run.finished_at = now
    run.duration_seconds = (now - run.started_at).total_seconds()
    run.save()
    StagedRelatedArticle.objects.filter(run_id=run_id).delete()
    RecommenderModel.objects.filter(run_id=run_id, is_active=False).delete()


def record_coalesced(trigger: str) -> RecommenderRun:
    now = timezone.now()
    return RecommenderRun.objects.create(
        kind=RecommenderRun.Kind.FULL,
        trigger=trigger[:32],
        status=RecommenderRun.Status.COALESCED,
        finished_at=now,
        duration_seconds=0,
    )


def prune_runs() -> None:
    old = RecommenderRun.objects.exclude(status="running").values_list("pk", flat=True)[KEEP_RUNS:]
    RecommenderRun.objects.filter(pk__in=list(old)).delete()
