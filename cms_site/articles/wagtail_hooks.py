from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .models import Author, BodyArea, Category


class AuthorViewSet(SnippetViewSet):
    model = Author
    icon = "user"
    list_display = ["name", "credentials"]
    search_fields = ["name", "credentials"]


class CategoryViewSet(SnippetViewSet):
    model = Category
    icon = "folder-open-inverse"
    list_display = ["name", "slug"]


class BodyAreaViewSet(SnippetViewSet):
    model = BodyArea
    icon = "tag"
    list_display = ["name", "slug"]


class ArticleTaxonomyGroup(SnippetViewSetGroup):
    items = (AuthorViewSet, CategoryViewSet, BodyAreaViewSet)
    menu_icon = "folder-open-1"
    menu_label = "Article taxonomy"
    menu_name = "article-taxonomy"


register_snippet(ArticleTaxonomyGroup)
