"""Celery tasks for reader comments (spam-filter retraining, notifications)."""
