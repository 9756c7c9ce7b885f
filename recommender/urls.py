from django.urls import path

from . import views

app_name = "recommender"
urlpatterns = [
    path("related/<int:page_id>/", views.related_articles_json, name="related_json"),
]
