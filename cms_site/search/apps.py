from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "cms_site.search"
    label = "site_search"
    verbose_name = "Site search"
    default_auto_field = "django.db.models.BigAutoField"
