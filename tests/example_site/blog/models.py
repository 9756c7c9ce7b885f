from django.db import models
from recommender.api import RelatedArticlesField
from recommender.panels import RelatedArticlesPanel, RelatedArticlesTab
from wagtail import blocks
from wagtail.admin.panels import FieldPanel, ObjectList, TabbedInterface
from wagtail.api import APIField
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page


class HomePage(Page):
    subpage_types = ["blog.BlogPage", "blog.NewsPage"]


class BlogPage(Page):
    """Related articles as part of the promote panels; body text in a StreamField."""

    summary = models.TextField(blank=True)
    content = StreamField(
        [("paragraph", blocks.RichTextBlock()), ("quote", blocks.BlockQuoteBlock())], blank=True
    )
    cover = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_on = models.DateField(null=True, blank=True)

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("content"),
        FieldPanel("cover"),
        FieldPanel("published_on"),
    ]
    promote_panels = [*Page.promote_panels, RelatedArticlesPanel()]
    api_fields = [
        APIField("summary"),
        APIField("related_articles", serializer=RelatedArticlesField()),
    ]
    parent_page_types = ["blog.HomePage"]


class NewsPage(Page):
    """Related articles in a tab of their own; rich text body, no image and no date."""

    summary = models.CharField(max_length=255, blank=True)
    content = RichTextField(blank=True)

    content_panels = [*Page.content_panels, FieldPanel("summary"), FieldPanel("content")]
    edit_handler = TabbedInterface(
        [
            ObjectList(content_panels, heading="Content"),
            ObjectList(Page.promote_panels, heading="Promote"),
            RelatedArticlesTab(),
        ]
    )
    api_fields = [APIField("related_articles", serializer=RelatedArticlesField())]
    parent_page_types = ["blog.HomePage"]
