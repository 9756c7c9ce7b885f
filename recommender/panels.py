"""The editor's side: pins, exclusions and the automatic suggestions with why each is there.

One line on the host's page model adds all three, either in a panel list::

    promote_panels = [*Page.promote_panels, RelatedArticlesPanel()]

or as a tab of its own in an ``edit_handler``::

    TabbedInterface([..., RelatedArticlesTab()])
"""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import InlinePanel, MultiFieldPanel, ObjectList, Panel

from .models import RelatedArticle


class RelatedSuggestionsPanel(Panel):
    """Read-only: the stored suggestions for this page, with why each one is there."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("heading", _("Automatic suggestions"))
        super().__init__(*args, **kwargs)

    class BoundPanel(Panel.BoundPanel):
        template_name = "recommender/panels/related_suggestions.html"

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            rows = RelatedArticle.objects.none()
            if self.instance and self.instance.pk:
                rows = RelatedArticle.objects.filter(source_id=self.instance.pk).order_by("rank")
            context["suggestions"] = rows
            return context


def related_article_panels() -> list[Panel]:
    return [
        InlinePanel(
            "related_pins",
            heading=_("Pinned (shown first, in order)"),
            label=_("Pinned article"),
        ),
        InlinePanel("related_exclusions", heading=_("Never suggest"), label=_("Excluded article")),
        RelatedSuggestionsPanel(),
    ]


class RelatedArticlesPanel(MultiFieldPanel):
    """Pins, exclusions and suggestions as one group inside any panel list."""

    def __init__(self, children=None, *args, **kwargs):
        kwargs.setdefault("heading", _("Related articles"))
        super().__init__(children or related_article_panels(), *args, **kwargs)


class RelatedArticlesTab(ObjectList):
    """Pins, exclusions and suggestions as a tab of a ``TabbedInterface``."""

    def __init__(self, children=None, *args, **kwargs):
        kwargs.setdefault("heading", _("Related articles"))
        super().__init__(children or related_article_panels(), *args, **kwargs)
