"""The site's settings as an environment makes them, for tests that must use the real thing."""

import os
import runpy
from pathlib import Path
from unittest import mock

BASE = Path(__file__).resolve().parents[2] / "cms_site" / "settings" / "base.py"
SERVICE_VARIABLES = ("REDIS_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "DATABASE_URL")


def base_settings(**environment: str) -> dict:
    """cms_site/settings/base.py evaluated with only ``environment`` naming the services."""
    with mock.patch.dict(os.environ):
        for name in SERVICE_VARIABLES:
            os.environ.pop(name, None)
        os.environ.update(environment)
        return runpy.run_path(str(BASE))
