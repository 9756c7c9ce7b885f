"""System checks: a setting that no longer does anything stops the site instead of being ignored."""

from django.conf import settings
from django.core import checks


@checks.register()
def check_removed_settings(app_configs=None, **kwargs):
    if not getattr(settings, "COMMENTS_CLIENT_IP_HEADER", None):
        return []
    return [
        checks.Error(
            "COMMENTS_CLIENT_IP_HEADER has been removed: the comment rate limits and the admin "
            "login limit now find the client address through TRUSTED_PROXY_COUNT.",
            hint="Unset COMMENTS_CLIENT_IP_HEADER and set TRUSTED_PROXY_COUNT to the number of "
            "reverse proxies in front of the site (0 when clients connect directly).",
            id="reader_comments.E001",
        )
    ]
