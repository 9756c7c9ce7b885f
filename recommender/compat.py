"""What differs between the supported Wagtail versions."""

from django.conf import settings

# Wagtail 8 lets a project swap the base Page model (WAGTAIL_PAGE_MODEL, through swapper);
# Wagtail 7.4 has no such setting, and its page model is always wagtailcore.Page.
PAGE_MODEL = getattr(settings, "WAGTAIL_PAGE_MODEL", "wagtailcore.Page")
