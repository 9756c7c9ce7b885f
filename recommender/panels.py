from wagtail.admin.panels import Panel

from .models import RelatedArticle


class RelatedSuggestionsPanel(Panel):
    """Read-only: the stored suggestions for this page, with why each one is there."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "recommender/panels/related_suggestions.html"

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            rows = RelatedArticle.objects.none()
            if self.instance and self.instance.pk:
                rows = RelatedArticle.objects.filter(source_id=self.instance.pk).order_by("rank")
            context["suggestions"] = rows
            return context
