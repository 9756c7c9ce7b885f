from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.contrib.settings.registry import register_setting

from . import admin_views
from .models import RecommenderSettings

register_setting(RecommenderSettings, icon="list-ul")

admin_urlpatterns = [
    path("", admin_views.RecommenderStatusView.as_view(), name="status"),
    path("retrain/", admin_views.retrain_now, name="retrain"),
]


@hooks.register("register_admin_urls")
def register_admin_urls():
    return [path("recommender/", include((admin_urlpatterns, "recommender_admin")))]


class RecommenderMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(admin_views.VIEW_PERMISSION)


@hooks.register("register_admin_menu_item")
def register_menu_item():
    return RecommenderMenuItem(
        _("Recommender"), reverse("recommender_admin:status"), icon_name="list-ul", order=850
    )
