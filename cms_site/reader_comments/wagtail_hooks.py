from django.contrib.auth.models import Permission
from django.templatetags.static import static
from django.urls import path, reverse
from django.utils.html import format_html
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component
from wagtail.admin.viewsets.base import ViewSet
from wagtail.contrib.settings.registry import register_setting

from . import admin_views
from .models import ArticleComment, CommentSettings

register_setting(CommentSettings, icon="comment")


class ModeratorMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(admin_views.MODERATE)


class CommentModerationViewSet(ViewSet):
    name = "reader_comments_admin"
    url_prefix = "comments"
    icon = "comment"
    menu_label = "Comments"
    menu_order = 250
    add_to_admin_menu = True
    menu_item_class = ModeratorMenuItem

    def get_urlpatterns(self):
        queue = admin_views.QueueView
        return [
            path("", queue.as_view(), name="index"),
            path("results/", queue.as_view(results_only=True), name="index_results"),
            path("bulk/", admin_views.BulkModerateView.as_view(), name="bulk"),
            path("<int:pk>/", admin_views.CommentDetailView.as_view(), name="detail"),
            path("<int:pk>/block/", admin_views.BlockCommentView.as_view(), name="block"),
            path("blocks/", admin_views.BlockListView.as_view(), name="blocks"),
            path("blocks/<int:pk>/remove/", admin_views.UnblockView.as_view(), name="unblock"),
            path(
                "commenter-data/",
                admin_views.CommenterDataView.as_view(),
                name="commenter_data",
            ),
        ]


class PendingCommentsPanel(Component):
    name = "pending_comments"
    order = 50
    template_name = "reader_comments/admin/dashboard_panel.html"

    def __init__(self, pending: int):
        self.pending = pending

    def get_context_data(self, parent_context=None):
        url = reverse("reader_comments_admin:index")
        return {"pending": self.pending, "queue_url": f"{url}?status=pending"}


@hooks.register("register_admin_viewset")
def register_moderation_viewset():
    return CommentModerationViewSet()


@hooks.register("insert_global_admin_css")
def moderation_queue_css():
    return format_html('<link rel="stylesheet" href="{}">', static("reader_comments/admin.css"))


@hooks.register("construct_homepage_panels")
def add_pending_comments_panel(request, panels):
    if request.user.has_perm(admin_views.MODERATE):
        pending = ArticleComment.objects.filter(status=ArticleComment.Status.PENDING).count()
        panels.append(PendingCommentsPanel(pending))


@hooks.register("register_permissions")
def register_comment_permissions():
    return Permission.objects.filter(
        content_type__app_label="reader_comments",
        codename__in=["moderate_articlecomment", "manage_commenter_data", "view_block"],
    )


@hooks.register("register_log_actions")
def register_comment_log_actions(actions):
    actions.register_action("reader_comments.checked", "Comment checked", "Automatic check")
    actions.register_action("reader_comments.approve", "Approve comment", "Approved")
    actions.register_action("reader_comments.spam", "Mark comment as spam", "Marked as spam")
    actions.register_action("reader_comments.reject", "Reject comment", "Rejected")
    actions.register_action("reader_comments.reply", "Reply to comment", "Moderator replied")
    actions.register_action(
        "reader_comments.export", "Export commenter data", "Commenter data exported"
    )
    actions.register_action(
        "reader_comments.erase", "Erase commenter data", "Commenter data erased"
    )
    actions.register_action("reader_comments.block", "Block commenter", "Commenter blocked")
    actions.register_action("reader_comments.unblock", "Remove block", "Block removed")
