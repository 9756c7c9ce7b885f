from django.urls import path

from . import views

app_name = "reader_comments"
urlpatterns = [
    path("post/<int:page_id>/", views.post_comment, name="post"),
    path("form-token/", views.form_token, name="form_token"),
    path("confirm/<str:token>/", views.confirm_email, name="confirm"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
