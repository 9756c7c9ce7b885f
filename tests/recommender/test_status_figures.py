"""The Recommender admin page's figures agree with its own run log after incremental refreshes."""

import re

import pytest
from django.utils import timezone

from cms_site.articles.models import ArticlePage
from recommender.models import RecommenderModel, RecommenderRun
from recommender.retrain import rebuild_all
from tests.support.factories import make_article

pytestmark = pytest.mark.django_db
STATUS_URL = "/admin/recommender/"


def documents_figure(html: str) -> int:
    return int(re.search(r'data-figure="documents">(\d+)<', html).group(1))


def test_documents_and_last_update_follow_incremental_refreshes(
    client, admin_user, corpus, article_index, django_capture_on_commit_callbacks
):
    rebuild_all()
    client.force_login(admin_user)
    html = client.get(STATUS_URL).content.decode()
    assert documents_figure(html) == 8 and "none since training" in html

    category = corpus["running"][0].categories.first()
    with django_capture_on_commit_callbacks(execute=True):
        make_article(article_index, "Tempo runs", "running tempo pace race", category)
    refresh = RecommenderRun.objects.get(kind="incremental", status="succeeded")
    model = RecommenderModel.objects.get(is_active=True)
    assert model.documents == 9 == ArticlePage.objects.live().count()
    assert refresh.started_at <= model.refreshed_at <= refresh.finished_at
    html = client.get(STATUS_URL).content.decode()
    assert documents_figure(html) == 9
    assert "9 of 9 published articles" in html
    assert "none since training" not in html

    gone = corpus["upper-back"][0]
    with django_capture_on_commit_callbacks(execute=True):
        gone.unpublish()
    assert documents_figure(client.get(STATUS_URL).content.decode()) == 8
    assert RecommenderModel.objects.get(is_active=True).refreshed_at <= timezone.now()


def test_refresh_figures_do_not_reload_the_artifact(
    corpus, article_index, django_capture_on_commit_callbacks
):
    """Figures are written with UPDATE, so other workers keep their loaded copy of the model."""
    rebuild_all()
    stamp = RecommenderModel.objects.get(is_active=True).updated_at
    category = corpus["running"][0].categories.first()
    with django_capture_on_commit_callbacks(execute=True):
        make_article(article_index, "Hill repeats", "running hills pace race", category)
    assert RecommenderModel.objects.get(is_active=True).updated_at == stamp
