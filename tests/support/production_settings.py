"""cms_site.settings.production for server and worker processes started by the fault tests.

The one difference: static files are served from the app folders, so the tests need no
collectstatic run (production's manifest storage refuses to render without one).
"""

from cms_site.settings.production import *  # noqa: F403

STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
