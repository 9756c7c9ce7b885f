from django.apps import AppConfig


class CommentsConfig(AppConfig):
    name = "cms_site.reader_comments"
    label = "reader_comments"
    verbose_name = "Reader comments"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import checks, signal_handlers  # noqa: F401

        signal_handlers.register()
