from django import template
from django.utils.translation import gettext_lazy as _
from wagtail.models import Site

from ..models import RelatedArticle

register = template.Library()
DEFAULT_HEADING = _("Articles You May Like")


@register.inclusion_tag("recommender/related_articles.html", takes_context=True)
def related_articles(context, page, heading=DEFAULT_HEADING):
    request = context.get("request")
    site = Site.find_for_request(request) if request else None
    return {
        "page": page,
        "heading": heading,
        "related": RelatedArticle.objects.shown_on(page, site),
    }
