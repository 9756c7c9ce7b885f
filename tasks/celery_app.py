import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms_site.settings.dev")

# The plugin's tasks (recommender.tasks) are found by autodiscovery; the site's are listed.
app = Celery("fitness", include=["tasks.comments"])
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
