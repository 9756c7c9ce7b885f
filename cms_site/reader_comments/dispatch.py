"""Queue background work after the transaction commits; a broker outage only costs a log line.

Everything queued here is also recorded in the database or re-derived by a periodic task, so a
message that never reaches the broker is sent later rather than lost.
"""

from __future__ import annotations

import logging
from functools import partial

from django.db import transaction
from django.utils.module_loading import import_string

from . import conf

logger = logging.getLogger(__name__)


def enqueue(task_name: str, *args: object) -> None:
    transaction.on_commit(partial(run_or_send, task_name, args))


def run_or_send(task_name: str, args: tuple[object, ...]) -> None:
    try:
        task = import_string(f"{conf.get('COMMENTS_TASK_MODULE')}.{task_name}")
        if conf.get("COMMENTS_ENQUEUE"):
            task.apply_async(args=args, retry=False)
        else:
            task(*args)
    except Exception:
        logger.warning(
            "Could not run comment task %s%r now; the periodic tasks will catch up",
            task_name,
            args,
            exc_info=True,
        )
