from django.http import Http404, JsonResponse
from wagtail.models import Page

from .api import related_articles_data
from .models import RecommenderSettings


def related_articles_json(request, page_id: int):
    page = Page.objects.live().public().filter(pk=page_id).first()
    if page is None:
        raise Http404("No published page with that id")
    slots = RecommenderSettings.for_request(request).slots
    results = related_articles_data(page, slots, request)
    return JsonResponse({"page": page.pk, "title": page.title, "results": results})
