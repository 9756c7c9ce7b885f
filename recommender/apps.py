from django.apps import AppConfig


class RecommenderConfig(AppConfig):
    name = "recommender"
    label = "recommender"
    verbose_name = "Related articles"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import signal_handlers

        signal_handlers.register()
