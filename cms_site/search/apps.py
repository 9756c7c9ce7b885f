from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "cms_site.search"
    label = "site_search"
    verbose_name = "Site search"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from wagtail.signals import page_published

        from .signals import reindex_published

        page_published.connect(reindex_published, dispatch_uid="search-reindex-published")
