from django.core.paginator import Paginator
from django.template.response import TemplateResponse

from cms_site.articles.models import ArticlePage

MAX_QUERY_LENGTH = 200
RESULTS_PER_PAGE = 10


def clean_query(raw: str) -> str:
    printable = "".join(ch if ch.isprintable() else " " for ch in raw)
    return " ".join(printable.split())[:MAX_QUERY_LENGTH]


def search(request):
    query = clean_query(request.GET.get("query", ""))
    results = ArticlePage.objects.none()
    if query:
        results = (
            ArticlePage.objects.live().public().select_related("author", "hero_image").search(query)
        )
    page = Paginator(results, RESULTS_PER_PAGE).get_page(request.GET.get("page"))
    return TemplateResponse(
        request, "search/search.html", {"search_query": query, "search_results": page}
    )
