from django import template
from django.utils.translation import gettext_lazy as _

from ..models import RecommenderSettings, RelatedArticle

register = template.Library()
DEFAULT_HEADING = _("Articles You May Like")


@register.inclusion_tag("recommender/related_articles.html", takes_context=True)
def related_articles(context, page, heading=DEFAULT_HEADING):
    request = context.get("request")
    settings = RecommenderSettings.for_request(request) if request else RecommenderSettings()
    return {
        "page": page,
        "heading": heading,
        "related": RelatedArticle.objects.for_page(page, settings.slots),
    }
