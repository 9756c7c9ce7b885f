from django.core.paginator import Paginator
from django.template.response import TemplateResponse

from cms_site.articles.models import ArticlePage, live_articles
from cms_site.home.models import HomePage

from .spelling import suggestion

MAX_QUERY_LENGTH = 200
RESULTS_PER_PAGE = 10
SUGGESTED = 6


def clean_query(raw: str) -> str:
    """Printable words, at most ``MAX_QUERY_LENGTH`` characters, never cut inside a word."""
    printable = "".join(ch if ch.isprintable() else " " for ch in raw)
    query = " ".join(printable.split())
    if len(query) <= MAX_QUERY_LENGTH:
        return query
    head = query[: MAX_QUERY_LENGTH + 1]
    return head.rsplit(" ", 1)[0] if " " in head else query[:MAX_QUERY_LENGTH]


def matching(query: str):
    """(results, any_word, corrected): articles with every word of the query; else with every
    word of its spelling correction; else (``any_word``) with any of the words."""
    articles = ArticlePage.objects.live().public().select_related("author", "hero_image")
    every_word = articles.search(query)
    if every_word.count():
        return every_word, False, None
    corrected = suggestion(query)
    if corrected and (fixed := articles.search(corrected)).count():
        return fixed, False, corrected
    if len(query.split()) > 1:
        return articles.search(corrected or query, operator="or"), True, corrected
    return every_word, False, corrected


def suggested_articles() -> list[ArticlePage]:
    """The home page's popular picks, filled up with the newest articles."""
    home = HomePage.objects.live().first()
    picks = [pick.article for pick in home.popular_articles.all()] if home else []
    picks = [article for article in picks if article.live]
    newest = live_articles().exclude(pk__in=[article.pk for article in picks])
    return (picks + list(newest[: SUGGESTED - len(picks)]))[:SUGGESTED]


def search(request):
    query = clean_query(request.GET.get("query", ""))
    context = {"search_query": query, "any_word": False}
    if query:
        results, context["any_word"], context["did_you_mean"] = matching(query)
        page = Paginator(results, RESULTS_PER_PAGE).get_page(request.GET.get("page"))
        context["search_results"] = page
    else:
        context["suggested_articles"] = suggested_articles()
    return TemplateResponse(request, "search/search.html", context)
