"""Settings for a worker with the demo's Celery configuration (see ``demo_celery``).

The environment (REDIS_URL="", CELERY_BROKER_URL, CELERY_RESULT_BACKEND) makes base.py choose as
for `make demo`; TEST_DEMO_SETTINGS moves the folders it fixes under var/ somewhere private.
"""

import json
import os

from cms_site.settings.test import *  # noqa: F403

globals().update(json.loads(os.environ["TEST_DEMO_SETTINGS"]))
