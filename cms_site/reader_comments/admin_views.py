"""Moderation screens for the Wagtail admin; wagtail_hooks.py registers them."""

from __future__ import annotations

from datetime import timedelta

import django_filters
from django import forms
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.views import View
from django.views.generic import FormView, TemplateView
from wagtail.admin import messages
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.ui.tables import BaseColumn, Column, DateColumn, TitleColumn
from wagtail.admin.utils import get_valid_next_url_from_request
from wagtail.admin.views.generic.base import BaseListingView, WagtailAdminTemplateMixin
from wagtail.admin.widgets.button import HeaderButton
from wagtail.log_actions import registry as log_registry

from cms_site.articles.models import ArticlePage

from . import blocks, moderation, privacy
from .models import ArticleComment, Block, NotificationIntent
from .text import has_forbidden_characters

MODERATE = "reader_comments.moderate_articlecomment"
MANAGE_DATA = "reader_comments.manage_commenter_data"
Status = ArticleComment.Status
EXTRA = "comments-queue__extra"  # columns a phone leaves out (static/reader_comments/admin.css)
ACTION_LABELS = {"approve": "approved", "spam": "marked as spam", "reject": "rejected"}


class PermissionRequired:
    """A 403 page (Wagtail would redirect to the dashboard) for users without the permission."""

    permission = MODERATE

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(self.permission):
            context = {"header_title": "Permission denied", "page_title": "Permission denied"}
            return render(request, "reader_comments/admin/forbidden.html", context, status=403)
        return super().dispatch(request, *args, **kwargs)


def detail_url(comment: ArticleComment) -> str:
    return reverse("reader_comments_admin:detail", args=[comment.pk])


def excerpt(comment: ArticleComment) -> str:
    return Truncator(comment.body).chars(90)


def reason(comment: ArticleComment) -> str:
    label = comment.get_status_reason_display()
    return f"{label} ({comment.status_detail})" if comment.status_detail else label


def score(comment: ArticleComment) -> str:
    return "" if comment.spam_score is None else f"{comment.spam_score:.2f}"


def commented_articles(request):
    return ArticlePage.objects.filter(reader_comments__isnull=False).distinct().order_by("title")


class CommentFilterSet(WagtailFilterSet):
    status = django_filters.ChoiceFilter(
        choices=Status.choices, empty_label="All", widget=forms.RadioSelect
    )
    status_reason = django_filters.ChoiceFilter(
        label="Reason", choices=ArticleComment.Reason.choices, empty_label="All"
    )
    page = django_filters.ModelChoiceFilter(label="Article", queryset=commented_articles)
    created_at = django_filters.DateFromToRangeFilter(
        label="Received", widget=DateRangePickerWidget
    )

    class Meta:
        model = ArticleComment
        fields = []


class SelectColumn(BaseColumn):
    header_template_name = "reader_comments/admin/cells/select_all.html"
    cell_template_name = "reader_comments/admin/cells/select.html"


class CommentTitleColumn(TitleColumn):
    """The excerpt, with its author and article below it where the columns are hidden."""

    cell_template_name = "reader_comments/admin/cells/comment_title.html"


class QueueView(PermissionRequired, BaseListingView):
    model = ArticleComment
    page_title = "Comments"
    header_icon = "comment"
    index_url_name = "reader_comments_admin:index"
    index_results_url_name = "reader_comments_admin:index_results"
    results_template_name = "reader_comments/admin/queue_results.html"
    is_searchable = True
    search_fields = ["author_name", "body"]
    filterset_class = CommentFilterSet
    paginate_by = 50
    verbose_name = "comment"
    verbose_name_plural = "comments"
    columns = [
        SelectColumn("select", label="Select"),
        CommentTitleColumn(
            "excerpt",
            label="Comment",
            accessor=excerpt,
            get_url=detail_url,
            get_title_id=lambda comment: f"comment_{comment.pk}_title",
        ),
        Column("author_name", label="Name", classname=EXTRA),
        Column("article", label="Article", accessor="page.title", classname=EXTRA),
        Column("status", label="Status", accessor="get_status_display"),
        Column("reason", label="Reason", accessor=reason, classname=EXTRA),
        Column("spam_score", label="Spam score", accessor=score, classname=EXTRA),
        DateColumn("created_at", label="Received", classname=EXTRA),
    ]

    @property
    def header_buttons(self):
        url = reverse("reader_comments_admin:blocks")
        return [HeaderButton("Blocked commenters", url=url, icon_name="lock")]

    def get_base_queryset(self):
        return ArticleComment.objects.select_related("page")

    def order_queryset(self, queryset):
        return moderation.queue_order(queryset)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("_w_filter_fragment", None)
        context["bulk_url"] = reverse("reader_comments_admin:bulk")
        context["next_url"] = f"{self.index_url}?{query.urlencode()}" if query else self.index_url
        context["actions"] = [("approve", "Approve"), ("spam", "Spam"), ("reject", "Reject")]
        return context


class BulkForm(forms.Form):
    action = forms.ChoiceField(choices=list(moderation.ACTIONS.items()))
    ids = forms.ModelMultipleChoiceField(
        queryset=ArticleComment.objects.all(),
        error_messages={"required": "Select at least one comment."},
    )


class BulkModerateView(PermissionRequired, View):
    def post(self, request):
        form = BulkForm(request.POST)
        next_url = get_valid_next_url_from_request(request) or reverse(
            "reader_comments_admin:index"
        )
        if not form.is_valid():
            messages.error(request, "Select at least one comment and an action.")
            return redirect(next_url)
        action = form.cleaned_data["action"]
        decided = moderation.moderate(form.cleaned_data["ids"], action, request.user)
        messages.success(request, f"{len(decided)} comment(s) {ACTION_LABELS[action]}.")
        return redirect(next_url)


class ReplyForm(forms.Form):
    reply = forms.CharField(
        label="Reply as moderator",
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "Write your reply."},
    )

    def clean_reply(self) -> str:
        reply = self.cleaned_data["reply"]
        if has_forbidden_characters(reply):
            raise forms.ValidationError("Remove the invisible control characters.")
        return reply


def detail_actions(comment: ArticleComment) -> list[tuple[str, str, bool]]:
    """(action, label, primary): only changes of state, the likeliest one first and primary."""
    order = (
        ["reject", "spam"] if comment.status == Status.APPROVED else ["approve", "spam", "reject"]
    )
    labels = {"approve": "Approve", "spam": "Mark as spam", "reject": "Reject"}
    changes = [a for a in order if moderation.ACTIONS[a] != comment.status]
    return [(action, labels[action], n == 0) for n, action in enumerate(changes)]


class CommentDetailView(PermissionRequired, WagtailAdminTemplateMixin, TemplateView):
    template_name = "reader_comments/admin/detail.html"
    header_icon = "comment"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.comment = get_object_or_404(
            ArticleComment.objects.select_related("page", "parent", "commenter", "moderated_by"),
            pk=kwargs["pk"],
        )

    def get_page_title(self):
        return str(self.comment)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("reader_comments_admin:index"), "label": "Comments"},
            {"url": "", "label": str(self.comment)},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        commenter = self.comment.commenter
        context.update(
            comment=self.comment,
            replies=self.comment.replies.order_by("created_at", "pk"),
            history=log_registry.get_logs_for_instance(self.comment).select_related("user"),
            emails=NotificationIntent.about(self.comment),
            reply_form=kwargs.get("reply_form") or ReplyForm(),
            actions=detail_actions(self.comment),
            masked_email=blocks.masked(commenter.email) if commenter else "",
            commenter=commenter,
            block_form=BlockForm(),
            block_kinds=block_kinds(self.comment),
            matching_block=blocks.matching(
                commenter.email if commenter else "", self.comment.ip_hash
            ),
            can_manage_data=self.request.user.has_perm(MANAGE_DATA),
        )
        return context

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action")
        if action in moderation.ACTIONS:
            moderation.moderate_ids([self.comment.pk], action, request.user)
            messages.success(request, f"{self.comment} {ACTION_LABELS[action]}.")
            return redirect(detail_url(self.comment))
        form = ReplyForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(reply_form=form), status=400)
        reply = moderation.reply_as_moderator(
            self.comment, request.user, form.cleaned_data["reply"]
        )
        messages.success(request, f"Your reply ({reply}) is published.")
        return redirect(detail_url(self.comment))


EXPIRY_CHOICES = [("", "Never"), ("1", "1 day"), ("7", "7 days"), ("30", "30 days")]


class BlockForm(forms.Form):
    kind = forms.ChoiceField(choices=Block.Kind.choices, widget=forms.HiddenInput)
    reason = forms.CharField(
        label="Reason for a block",
        max_length=255,
        error_messages={"required": "Give a reason for the block."},
    )
    expires_in = forms.TypedChoiceField(
        label="Block expires after",
        choices=EXPIRY_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
    )

    def expires_at(self):
        days = self.cleaned_data.get("expires_in")
        return timezone.now() + timedelta(days=days) if days else None


def block_kinds(comment: ArticleComment) -> list[tuple[str, str]]:
    kinds = []
    if comment.commenter_id:
        kinds.append((Block.Kind.EMAIL, "Block email address"))
    if comment.ip_hash:
        kinds.append((Block.Kind.NETWORK, "Block network"))
    return kinds


def form_errors(form: forms.Form) -> str:
    return " ".join(error for errors in form.errors.values() for error in errors)


class BlockCommentView(PermissionRequired, View):
    def post(self, request, pk):
        comment = get_object_or_404(ArticleComment.objects.select_related("commenter"), pk=pk)
        form = BlockForm(request.POST)
        if not form.is_valid():
            messages.error(request, form_errors(form))
            return redirect(detail_url(comment))
        try:
            block = blocks.block(
                comment,
                form.cleaned_data["kind"],
                form.cleaned_data["reason"],
                form.expires_at(),
                request.user,
            )
        except blocks.NothingToBlock:
            messages.error(request, "This comment has nothing of that kind to block.")
            return redirect(detail_url(comment))
        messages.success(request, f"{block} added.")
        return redirect(detail_url(comment))


class BlockListView(PermissionRequired, WagtailAdminTemplateMixin, TemplateView):
    template_name = "reader_comments/admin/blocks.html"
    page_title = "Blocked commenters"
    header_icon = "lock"

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("reader_comments_admin:index"), "label": "Comments"},
            {"url": "", "label": self.page_title},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["blocks"] = Block.objects.select_related("created_by")
        context["now"] = timezone.now()
        return context


class UnblockView(PermissionRequired, View):
    def post(self, request, pk):
        block = get_object_or_404(Block, pk=pk)
        blocks.unblock(block, request.user)
        messages.success(request, f"{block} removed.")
        return redirect("reader_comments_admin:blocks")


class CommenterDataForm(forms.Form):
    email = forms.EmailField(label="Commenter's email address")
    confirm = forms.BooleanField(
        label="I understand that erasing deletes this commenter's comments for good.",
        required=False,
    )

    def clean(self):
        cleaned = super().clean()
        if self.data.get("action") == "erase" and not cleaned.get("confirm"):
            self.add_error("confirm", "Tick this box to erase.")
        return cleaned


class CommenterDataView(PermissionRequired, WagtailAdminTemplateMixin, FormView):
    permission = MANAGE_DATA
    template_name = "reader_comments/admin/commenter_data.html"
    form_class = CommenterDataForm
    page_title = "Commenter data"
    header_icon = "user"

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("reader_comments_admin:index"), "label": "Comments"},
            {"url": "", "label": self.page_title},
        ]

    def form_valid(self, form) -> HttpResponse:
        email = form.cleaned_data["email"]
        if self.request.POST.get("action") == "erase":
            erasure = privacy.erase_commenter(email, user=self.request.user)
            if erasure.found:
                messages.success(
                    self.request,
                    f"Erased: {erasure.deleted} comment(s) deleted, "
                    f"{erasure.anonymised} emptied because others replied to them.",
                )
            else:
                messages.warning(self.request, "No commenter uses that email address.")
            return redirect("reader_comments_admin:commenter_data")
        response = JsonResponse(privacy.export_commenter(email, user=self.request.user))
        response["Content-Disposition"] = 'attachment; filename="commenter-data.json"'
        return response
