from django.apps import AppConfig


class PageCacheConfig(AppConfig):
    name = "cms_site.pagecache"
    label = "pagecache"
    verbose_name = "Page cache"

    def ready(self):
        from . import signal_handlers

        signal_handlers.register()
