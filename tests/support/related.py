"""What each page's "Articles You May Like" list shows, read straight from the table."""

from recommender.models import RecommenderSettings, RelatedArticle

SHOWN_FIELDS = ("target_id", "reason", "title", "url", "excerpt", "category", "thumbnail_url")


def shown_lists(pages, slots: int = 4) -> dict[int, list[tuple]]:
    return {
        page.pk: [
            tuple(getattr(row, name) for name in SHOWN_FIELDS)
            for row in RelatedArticle.objects.for_page(page, slots)
        ]
        for page in pages
    }


def shown_everywhere() -> dict[int, list[tuple]]:
    """Every page's list as the template renders it (``for_page``), read table-wide."""
    slots = RecommenderSettings.for_default_site().slots
    sources = set(RelatedArticle.objects.values_list("source_id", flat=True))
    return {
        source: [
            (r.target_id, r.rank, r.reason, r.title, r.url, r.excerpt, r.category, r.thumbnail_url)
            for r in RelatedArticle.objects.filter(source_id=source).order_by("rank")[:slots]
        ]
        for source in sources
    }
