from django.core.paginator import Paginator
from django.http import JsonResponse
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET
from wagtail.contrib.search_promotions.models import Query, SearchPromotion
from wagtail.models import Page
from wagtail.search.utils import normalise_query_string

from cms_site.articles.models import ArticlePage, live_articles
from cms_site.home.models import HomePage

from .spelling import suggestion

MAX_QUERY_LENGTH = 200
RESULTS_PER_PAGE = 10
SUGGESTED = 6
AS_YOU_TYPE = 6
AS_YOU_TYPE_MIN_CHARS = 2


def clean_query(raw: str) -> str:
    """Printable words, at most ``MAX_QUERY_LENGTH`` characters, never cut inside a word."""
    printable = "".join(ch if ch.isprintable() else " " for ch in raw)
    query = " ".join(printable.split())
    if len(query) <= MAX_QUERY_LENGTH:
        return query
    head = query[: MAX_QUERY_LENGTH + 1]
    return head.rsplit(" ", 1)[0] if " " in head else query[:MAX_QUERY_LENGTH]


def searchable_articles():
    return ArticlePage.objects.live().public().select_related("author", "hero_image")


def matching(query: str, articles=None):
    """(results, any_word, corrected): articles with every word of the query; else with every
    word of its spelling correction; else (``any_word``) with any of the words."""
    articles = searchable_articles() if articles is None else articles
    every_word = articles.search(query)
    if every_word.count():
        return every_word, False, None
    corrected = suggestion(query)
    if corrected and (fixed := articles.search(corrected)).count():
        return fixed, False, corrected
    if len(query.split()) > 1:
        return articles.search(corrected or query, operator="or"), True, corrected
    return every_word, False, corrected


def editors_picks(query: str) -> list[SearchPromotion]:
    """The promotions editors set for this query (Wagtail's search promotions), in their order;
    a promoted page that is no longer live or public is left out. Each keeps its specific page
    in ``shown_page``."""
    picks = list(SearchPromotion.objects.filter(query__query_string=normalise_query_string(query)))
    pages = Page.objects.filter(pk__in=[pick.page_id for pick in picks if pick.page_id])
    shown = {page.pk: page for page in pages.live().public().specific()}
    for pick in picks:
        pick.shown_page = shown.get(pick.page_id)
    return [pick for pick in picks if pick.page_id is None or pick.shown_page]


def suggested_articles() -> list[ArticlePage]:
    """The home page's popular picks, filled up with the newest articles."""
    home = HomePage.objects.live().first()
    picks = [pick.article for pick in home.popular_articles.all()] if home else []
    picks = [article for article in picks if article.live]
    newest = live_articles().exclude(pk__in=[article.pk for article in picks])
    return (picks + list(newest[: SUGGESTED - len(picks)]))[:SUGGESTED]


@require_GET
def search(request):
    query = clean_query(request.GET.get("query", ""))
    context = {"search_query": query, "any_word": False}
    if not query:
        context["suggested_articles"] = suggested_articles()
        return TemplateResponse(request, "search/search.html", context)
    picks = editors_picks(query)
    picked = [pick.page_id for pick in picks if pick.page_id]
    articles = searchable_articles().exclude(pk__in=picked)
    results, context["any_word"], context["did_you_mean"] = matching(query, articles)
    page = Paginator(results, RESULTS_PER_PAGE).get_page(request.GET.get("page"))
    if page.number == 1:
        context["editors_picks"] = picks
    if "page" not in request.GET:  # a reader's search, not a step through its pages
        Query.get(query).add_hit()
    context["search_results"] = page
    return TemplateResponse(request, "search/search.html", context)


@require_GET
def suggest(request):
    """Titles of articles whose words start like the query, for the search box's list."""
    query = clean_query(request.GET.get("query", ""))
    if len(query) < AS_YOU_TYPE_MIN_CHARS:
        return JsonResponse({"query": query, "suggestions": []})
    found = searchable_articles().autocomplete(query)[:AS_YOU_TYPE]
    suggestions = [{"title": page.title, "url": page.get_url(request)} for page in found]
    return JsonResponse({"query": query, "suggestions": suggestions})
