from django.db import models
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, InlinePanel
from wagtail.models import Orderable, Page

from cms_site.articles.models import ArticlePage, Category, live_articles

RECENT_COUNT = 8
PER_CATEGORY = 4


class HomePage(Page):
    hero_heading = models.CharField(max_length=120, blank=True)
    hero_text = models.TextField(blank=True)

    content_panels = [
        *Page.content_panels,
        FieldPanel("hero_heading"),
        FieldPanel("hero_text"),
        InlinePanel("popular_articles", label="Popular articles", max_num=6),
    ]
    max_count = 1
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["articles.ArticleIndexPage"]

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        articles = live_articles()
        context["recent_articles"] = articles[:RECENT_COUNT]
        context["popular_articles"] = [
            pick.article
            for pick in self.popular_articles.select_related("article", "article__hero_image")
            if pick.article.live
        ]
        context["categories"] = [
            (category, list(articles.filter(categories=category)[:PER_CATEGORY]))
            for category in Category.objects.filter(articles__live=True).distinct()
        ]
        return context


class HomePagePopularArticle(Orderable):
    page = ParentalKey(HomePage, on_delete=models.CASCADE, related_name="popular_articles")
    article = models.ForeignKey(ArticlePage, on_delete=models.CASCADE, related_name="+")

    panels = [FieldPanel("article")]
