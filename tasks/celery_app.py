import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms_site.settings.dev")

app = Celery("fitness", include=["tasks.recommender", "tasks.comments"])
app.config_from_object("django.conf:settings", namespace="CELERY")
