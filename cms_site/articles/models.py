import datetime

from django import forms
from django.core.paginator import Paginator
from django.db import models
from django.shortcuts import get_object_or_404
from django.utils.functional import cached_property
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from taggit.models import Tag, TaggedItemBase
from wagtail.admin.panels import FieldPanel, MultiFieldPanel, ObjectList, TabbedInterface
from wagtail.api import APIField
from wagtail.contrib.routable_page.models import RoutablePageMixin, path, re_path
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from recommender.api import RelatedArticlesField
from recommender.panels import RelatedArticlesTab

from .blocks import ArticleStreamBlock

ARTICLES_PER_PAGE = 12
UNICODE_SLUG = r"^{}/(?P<slug>[-\w]+)/$"  # imported tags and names keep their own alphabet


class Author(index.Indexed, models.Model):
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=120, unique=True)
    credentials = models.CharField(
        max_length=160, blank=True, help_text="For example: Physical therapist (DPT)."
    )
    photo = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    bio = models.TextField(blank=True)

    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldPanel("credentials"),
        FieldPanel("photo"),
        FieldPanel("bio"),
    ]
    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Category(models.Model):
    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.CharField(max_length=255, blank=True)

    panels = [FieldPanel("name"), FieldPanel("slug"), FieldPanel("description")]

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self):
        return self.name


class BodyArea(models.Model):
    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)

    panels = [FieldPanel("name"), FieldPanel("slug")]

    class Meta:
        ordering = ["name"]
        verbose_name = "body area"

    def __str__(self):
        return self.name


class ArticlePageTag(TaggedItemBase):
    content_object = ParentalKey(
        "articles.ArticlePage", on_delete=models.CASCADE, related_name="tagged_items"
    )


def live_articles():
    return (
        ArticlePage.objects.live()
        .public()
        .select_related("author", "hero_image")
        .prefetch_related("categories")
        .order_by("-date", "-pk")
    )


class ArticleIndexPage(RoutablePageMixin, Page):
    intro = RichTextField(blank=True, features=["bold", "italic", "link"])

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["home.HomePage"]
    subpage_types = ["articles.ArticlePage"]
    search_fields = [*Page.search_fields, index.SearchField("intro")]

    def articles(self):
        return live_articles().descendant_of(self)

    def paginated(self, request, articles):
        return Paginator(articles, ARTICLES_PER_PAGE).get_page(request.GET.get("page"))

    def listing(self, request, articles, heading, **filters):
        context = self.get_context(request)
        context.update(
            articles=self.paginated(request, articles), listing_heading=heading, **filters
        )
        return self.render(request, context_overrides=context)

    @path("")
    def index_route(self, request):
        articles = self.articles()
        filters = {}
        category_slug = request.GET.get("category", "")
        tag_slug = request.GET.get("tag", "")
        if category_slug:
            filters["category"] = Category.objects.filter(slug=category_slug).first()
            articles = articles.filter(categories=filters["category"])
        if tag_slug:
            filters["tag"] = Tag.objects.filter(slug=tag_slug).first()
            articles = articles.filter(tags=filters["tag"])
        return self.listing(request, articles, self.title, **filters)

    @re_path(UNICODE_SLUG.format("category"), name="category")
    def category_route(self, request, slug):
        category = get_object_or_404(Category, slug=slug)
        articles = self.articles().filter(categories=category)
        return self.listing(request, articles, category.name, category=category)

    @re_path(UNICODE_SLUG.format("author"), name="author")
    def author_route(self, request, slug):
        author = get_object_or_404(Author, slug=slug)
        articles = self.articles().filter(author=author)
        return self.listing(request, articles, f"Articles by {author.name}", author=author)

    @re_path(UNICODE_SLUG.format("area"), name="body_area")
    def body_area_route(self, request, slug):
        area = get_object_or_404(BodyArea, slug=slug)
        articles = self.articles().filter(body_areas=area)
        return self.listing(request, articles, f"Training for the {area.name.lower()}", area=area)

    @re_path(UNICODE_SLUG.format("tag"), name="tag")
    def tag_route(self, request, slug):
        tag = get_object_or_404(Tag, slug=slug)
        articles = self.articles().filter(tags=tag)
        return self.listing(request, articles, f"Tagged “{tag.name}”", tag=tag)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["categories"] = Category.objects.all()
        context["body_areas"] = BodyArea.objects.all()
        return context


class ArticlePage(Page):
    author = models.ForeignKey(
        Author, null=True, blank=True, on_delete=models.SET_NULL, related_name="articles"
    )
    date = models.DateField("Publish date", default=datetime.date.today)
    intro = models.TextField(max_length=500, help_text="One or two sentences shown on cards.")
    hero_image = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    categories = ParentalManyToManyField(Category, blank=True, related_name="articles")
    body_areas = ParentalManyToManyField(BodyArea, blank=True, related_name="articles")
    tags = ClusterTaggableManager(through=ArticlePageTag, blank=True)
    body = StreamField(ArticleStreamBlock())
    import_id = models.CharField(max_length=255, blank=True, default="", editable=False)

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel([FieldPanel("author"), FieldPanel("date")], heading="Byline", icon="user"),
        FieldPanel("intro"),
        FieldPanel("hero_image"),
        FieldPanel("body"),
        MultiFieldPanel(
            [
                FieldPanel("categories", widget=forms.CheckboxSelectMultiple),
                FieldPanel("body_areas", widget=forms.CheckboxSelectMultiple),
                FieldPanel("tags"),
            ],
            heading="Categories, body areas and tags",
            icon="tag",
        ),
    ]
    promote_panels = Page.promote_panels
    edit_handler = TabbedInterface(
        [
            ObjectList(content_panels, heading="Content"),
            ObjectList(promote_panels, heading="Promote"),
            RelatedArticlesTab(),
            ObjectList(Page.settings_panels, heading="Settings"),
        ]
    )
    api_fields = [
        APIField("intro"),
        APIField("date"),
        APIField("related_articles", serializer=RelatedArticlesField()),
    ]
    parent_page_types = ["articles.ArticleIndexPage"]
    subpage_types = []
    search_fields = [
        *Page.search_fields,
        index.SearchField("title", boost=10),
        index.SearchField("intro", boost=3),
        index.SearchField("exercise_names", boost=2),
        index.RelatedFields("body_areas", [index.SearchField("name", boost=2)]),
        index.RelatedFields("categories", [index.SearchField("name", boost=2)]),
        index.SearchField("body", boost=1),
        index.RelatedFields("tags", [index.SearchField("name", boost=1)]),
        index.RelatedFields("author", [index.SearchField("name", boost=1)]),
        index.FilterField("date"),
    ]

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["import_id"],
                condition=~models.Q(import_id=""),
                name="unique_article_import_id",
            )
        ]

    @cached_property
    def index_page(self) -> "ArticleIndexPage":
        """The index the article sits under (its parent, by the page tree rules); its routes
        build the category, author, tag and body-area links."""
        return self.get_parent().specific

    def body_sections(self):
        """Group consecutive exercise blocks so they render as one numbered list."""
        sections, number, headed = [], 0, False
        for block in self.body:
            if block.block_type != "exercise":
                sections.append({"block": block})
                headed = headed or block.block_type == "heading"
                continue
            if not sections or "exercises" not in sections[-1]:
                sections.append({"exercises": [], "start": number + 1, "unheaded": not headed})
                headed = True
            sections[-1]["exercises"].append(block)
            number += 1
        return sections

    def exercise_names(self) -> str:
        exercises = (block for block in self.body if block.block_type == "exercise")
        return " ".join(block.value["name"] for block in exercises)

    def exercise_count(self):
        return sum(1 for block in self.body if block.block_type == "exercise")
