from django.http import Http404, JsonResponse
from wagtail.models import Page

from .models import RecommenderSettings
from .services import related_for


def related_articles_json(request, page_id: int):
    page = Page.objects.live().public().filter(pk=page_id).first()
    if page is None:
        raise Http404("No published page with that id")
    slots = RecommenderSettings.for_request(request).slots
    results = [
        {
            "id": item.target_id,
            "rank": item.rank,
            "title": item.title,
            "url": request.build_absolute_uri(item.url),
            "excerpt": item.excerpt,
            "category": item.category,
            "thumbnail": request.build_absolute_uri(item.thumbnail_url)
            if item.thumbnail_url
            else None,
            "reason": item.reason,
            "score": item.score,
            "shared_terms": item.shared_terms,
        }
        for item in related_for(page, slots)
    ]
    return JsonResponse({"page": page.pk, "title": page.title, "results": results})
