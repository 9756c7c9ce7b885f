"""The "Recommender" area of the Wagtail admin: model status, recent runs and "Retrain now"."""

import logging

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.utils.module_loading import import_string
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from . import conf
from .corpus import page_models
from .models import PendingRefresh, RecommenderModel, RecommenderRun
from .services import full_lists, site_settings

logger = logging.getLogger(__name__)
VIEW_PERMISSION = "recommender.view_recommenderrun"
RETRAIN_PERMISSION = "recommender.retrain_recommender"
RECENT_RUNS = 25


class RecommenderStatusView(WagtailAdminTemplateMixin, TemplateView):
    page_title = "Recommender"
    header_icon = "list-ul"
    template_name = "recommender/admin/status.html"
    breadcrumbs_items = [
        *WagtailAdminTemplateMixin.breadcrumbs_items,
        {"url": reverse_lazy("recommender_admin:status"), "label": "Recommender"},
    ]

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(VIEW_PERMISSION):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        running = RecommenderRun.objects.filter(status=RecommenderRun.Status.RUNNING).first()
        context.update(
            active_models=RecommenderModel.objects.filter(is_active=True).select_related("locale"),
            runs=RecommenderRun.objects.all()[:RECENT_RUNS],
            running=running,
            pending=PendingRefresh.objects.count(),
            coverage=coverage_now(),
            can_retrain=self.request.user.has_perm(RETRAIN_PERMISSION),
        )
        return context


def coverage_now() -> dict:
    pages = sum(model.objects.live().public().count() for model in page_models())
    slots = site_settings().slots
    full = full_lists(slots)
    percent = round(100 * full / pages) if pages else 0
    return {"pages": pages, "full": full, "percent": percent, "slots": slots}


def retrain_now(request):
    if request.method != "POST":
        return redirect("recommender_admin:status")
    if not request.user.has_perm(RETRAIN_PERMISSION):
        raise PermissionDenied
    try:
        import_string(conf.get("RECOMMENDER_RETRAIN_DISPATCHER"))(trigger="admin")
    except Exception as exc:  # the broker may be down; say so instead of failing the request
        logger.warning("Could not queue a recommender retrain: %s", exc)
        messages.error(request, f"The retrain could not be queued ({exc}). Try again shortly.")
    else:
        messages.success(request, "Retrain queued. This page updates while it runs.")
    return redirect("recommender_admin:status")
