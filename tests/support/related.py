"""What each page's "Articles You May Like" list shows, read straight from the table."""

from recommender.models import RelatedArticle

SHOWN_FIELDS = ("target_id", "reason", "title", "url", "excerpt", "category", "thumbnail_url")


def shown_lists(pages, slots: int = 4) -> dict[int, list[tuple]]:
    return {
        page.pk: [
            tuple(getattr(row, name) for name in SHOWN_FIELDS)
            for row in RelatedArticle.objects.for_page(page, slots)
        ]
        for page in pages
    }
