"""The Celery application: `celery -A tasks worker` and `celery -A tasks beat`."""

from .celery_app import app

__all__ = ["app"]
