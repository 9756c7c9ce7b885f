from django import template

from ..models import RecommenderSettings
from ..services import related_for

register = template.Library()


@register.inclusion_tag("recommender/related_articles.html", takes_context=True)
def related_articles(context, page, heading="Articles You May Like"):
    request = context.get("request")
    settings = RecommenderSettings.for_request(request) if request else RecommenderSettings()
    return {"page": page, "heading": heading, "related": related_for(page, settings.slots)}
