"""Where the background work runs: Celery workers, or this process once the transaction commits.

``RECOMMENDER_USE_CELERY`` picks one. Without Celery a publish refreshes the lists in the web
process right after its transaction commits, and "Retrain now" retrains during the request.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import transaction

from . import conf

logger = logging.getLogger(__name__)

_deferred: ContextVar[list[int] | None] = ContextVar("recommender_deferred", default=None)


def uses_celery() -> bool:
    return bool(conf.get("RECOMMENDER_USE_CELERY"))


def refresh_after_commit(page_id: int) -> None:
    """Record the request in this transaction; after commit, refresh or queue the refresh."""
    from .refresh import mark_pending, process_pending_quietly

    held = _deferred.get()
    if held is not None:
        transaction.on_commit(lambda: held.append(page_id))
        return
    mark_pending(page_id)
    if uses_celery():
        from .tasks import request_refresh

        transaction.on_commit(lambda: request_refresh(page_id))
    else:
        transaction.on_commit(process_pending_quietly)


def retrain(trigger: str) -> bool:
    """Queue a full retrain (True) or run it here and now (False)."""
    if uses_celery():
        from .tasks import retrain_recommender

        retrain_recommender.apply_async(kwargs={"trigger": trigger}, retry=False)
        return True
    from .retrain import rebuild_all

    rebuild_all(trigger=trigger)
    return False


@contextmanager
def deferred_refresh(trigger: str) -> Iterator[None]:
    """Hold per-page refreshes during a bulk change, then retrain once for all of it.

    Only committed changes count, and the retrain waits for the outermost transaction to
    commit. If the block fails or is interrupted, or the retrain cannot start (a broker outage),
    the changed pages are marked pending instead, for the periodic refresh to pick up.
    """
    held: list[int] = []
    token = _deferred.set(held)
    try:
        yield
    except BaseException:
        _deferred.reset(token)
        transaction.on_commit(lambda: _mark_pending(held))
        raise
    _deferred.reset(token)
    transaction.on_commit(lambda: _retrain_or_mark_pending(trigger, held))


def _retrain_or_mark_pending(trigger: str, page_ids: list[int]) -> None:
    if not page_ids:
        return
    try:
        retrain(trigger)
    except Exception:
        logger.exception("Could not start the retrain after %s; pages marked pending", trigger)
        _mark_pending(page_ids)


def _mark_pending(page_ids: list[int]) -> None:
    from .refresh import mark_pending

    for page_id in page_ids:
        mark_pending(page_id)
