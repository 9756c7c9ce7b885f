from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path, re_path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps import Sitemap
from wagtail.documents import urls as wagtaildocs_urls

from cms_site.api import api_router
from cms_site.search import views as search_views

urlpatterns = [
    path("django-admin/", admin.site.urls),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("search/", search_views.search, name="search"),
    path("search/suggest/", search_views.suggest, name="search_suggest"),
    path("api/v2/", api_router.urls),
    path("api/recommender/", include("recommender.urls")),
    path("comments/", include("cms_site.reader_comments.urls")),
    path("sitemap.xml", sitemap, {"sitemaps": {"pages": Sitemap}}),
]

if settings.SERVE_MEDIA:  # the demo and development; production serves media elsewhere
    from django.views.static import serve

    media = rf"^{settings.MEDIA_URL.lstrip('/')}(?P<path>.*)$"
    urlpatterns += [re_path(media, serve, {"document_root": settings.MEDIA_ROOT})]

urlpatterns += [path("", include(wagtail_urls))]

handler500 = "cms_site.errors.server_error"
