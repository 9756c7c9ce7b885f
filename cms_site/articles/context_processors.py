from django.utils.functional import SimpleLazyObject

from .models import ArticleIndexPage, Category


def site_navigation(request):
    """Categories for the header, and the article index that builds their links (looked up
    only when a template uses it)."""
    return {
        "nav_categories": Category.objects.all(),
        "article_index": SimpleLazyObject(main_article_index),
    }


def main_article_index():
    return ArticleIndexPage.objects.live().order_by("path").first()
