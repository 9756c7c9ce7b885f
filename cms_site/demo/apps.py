from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "cms_site.demo"
    label = "demo"
    verbose_name = "Demo content"
    default_auto_field = "django.db.models.BigAutoField"
