# Load the Celery app with the settings, so that tasks queued from web requests use its broker.
from tasks import app as celery_app

__all__ = ["celery_app"]
