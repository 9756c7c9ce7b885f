from wagtail.contrib.settings.registry import register_setting

from .models import RecommenderSettings

register_setting(RecommenderSettings, icon="list-ul")
