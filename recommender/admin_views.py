"""The "Recommender" area of the Wagtail admin: model status, recent runs and "Retrain now"."""

import logging
from datetime import UTC, datetime, timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from . import dispatch
from .corpus import page_models
from .models import PendingRefresh, RecommenderModel, RecommenderRun, RecommenderSettings
from .retrain import full_lists
from .runs import RecommenderBusy

logger = logging.getLogger(__name__)
VIEW_PERMISSION = "recommender.view_recommenderrun"
RETRAIN_PERMISSION = "recommender.retrain_recommender"
RECENT_RUNS = 25
QUEUE_WAIT = timedelta(minutes=2)  # how long the page waits for a worker to pick a retrain up


class RecommenderStatusView(WagtailAdminTemplateMixin, TemplateView):
    page_title = gettext_lazy("Recommender")
    header_icon = "list-ul"
    template_name = "recommender/admin/status.html"
    breadcrumbs_items = [
        *WagtailAdminTemplateMixin.breadcrumbs_items,
        {"url": reverse_lazy("recommender_admin:status"), "label": gettext_lazy("Recommender")},
    ]

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(VIEW_PERMISSION):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        running = RecommenderRun.objects.filter(status=RecommenderRun.Status.RUNNING).first()
        context.update(
            queued=not running and self.queued_since() is not None,
            active_models=active_models(),
            runs=RecommenderRun.objects.all()[:RECENT_RUNS],
            running=running,
            pending=PendingRefresh.objects.count(),
            coverage=coverage_now(),
            can_retrain=self.request.user.has_perm(RETRAIN_PERMISSION),
        )
        return context

    def queued_since(self) -> datetime | None:
        """When "Retrain now" queued a run that no worker has started yet (the page waits)."""
        try:
            since = datetime.fromtimestamp(float(self.request.GET["queued"]), tz=UTC)
        except (KeyError, ValueError, OverflowError, OSError):
            return None
        if timezone.now() - since > QUEUE_WAIT:
            return None
        full_runs = RecommenderRun.objects.filter(kind=RecommenderRun.Kind.FULL)
        if full_runs.filter(started_at__gte=since).exists():
            return None
        return since


def active_models():
    return (
        RecommenderModel.objects.filter(is_active=True)
        .select_related("locale")
        .defer("artifact", "cards", "neighbours")
    )


def coverage_now() -> dict:
    pages = sum(model.objects.live().public().count() for model in page_models())
    slots = RecommenderSettings.for_default_site().slots
    full = full_lists(slots)
    percent = round(100 * full / pages) if pages else 0
    return {"pages": pages, "full": full, "percent": percent, "slots": slots}


def retrain_now(request):
    if request.method != "POST":
        return redirect("recommender_admin:status")
    if not request.user.has_perm(RETRAIN_PERMISSION):
        raise PermissionDenied
    requested = timezone.now()
    try:
        queued = dispatch.retrain(trigger="admin")
    except RecommenderBusy:
        messages.warning(request, _("A retrain is already running; its progress is shown below."))
    except Exception as exc:  # the broker may be down; say so instead of failing the request
        logger.warning("Could not start a recommender retrain: %s", exc, exc_info=True)
        messages.error(
            request,
            _("The retrain could not be started (%(error)s). Try again shortly.") % {"error": exc},
        )
    else:
        if queued:
            messages.success(request, _("Retrain queued. This page updates while it runs."))
            status = reverse("recommender_admin:status")
            return redirect(f"{status}?queued={requested.timestamp():.3f}")
        messages.success(request, _("Retrain finished."))
    return redirect("recommender_admin:status")
