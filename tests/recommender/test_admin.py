import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from recommender.models import RecommenderRun
from recommender.retrain import rebuild_all
from tests.support.workers import celery_conf

pytestmark = pytest.mark.django_db
STATUS_URL = "/admin/recommender/"
RETRAIN_URL = "/admin/recommender/retrain/"


@pytest.fixture
def editor(django_user_model):
    user = django_user_model.objects.create_user("editor", password="pw")
    user.groups.add(Group.objects.get(name="Editors"))
    return user


def test_status_page_shows_model_coverage_and_runs(client, admin_user, corpus):
    rebuild_all(trigger="test")
    client.force_login(admin_user)
    html = client.get(STATUS_URL).content.decode()
    assert "Active model" in html and "Documents" in html
    assert "8 of 8 published articles (100%)" in html
    assert "Full retrain" in html and "Succeeded" in html
    assert re.search(r"lists: [0-9.]+ s in 1 chunk\b", html)
    assert "Retrain now" in html


def test_retrain_button_without_celery_retrains_in_the_request(client, admin_user, corpus):
    client.force_login(admin_user)
    assert client.get(RETRAIN_URL).status_code == 302
    assert not RecommenderRun.objects.exists()
    response = client.post(RETRAIN_URL, follow=True)
    assert "Retrain finished" in response.content.decode()
    assert RecommenderRun.objects.filter(trigger="admin", status="succeeded").exists()


def test_broker_failure_is_reported_not_raised(client, admin_user, settings):
    settings.RECOMMENDER_USE_CELERY = True
    with celery_conf(broker_url="redis://127.0.0.1:1/0"):
        client.force_login(admin_user)
        response = client.post(RETRAIN_URL, follow=True)
    assert response.status_code == 200
    assert "could not be started" in response.content.decode()
    assert not RecommenderRun.objects.exists()


def test_retrain_while_one_runs_says_so(client, admin_user, corpus):
    RecommenderRun.objects.create(kind="full", trigger="elsewhere")
    client.force_login(admin_user)
    response = client.post(RETRAIN_URL, follow=True)
    assert "already running" in response.content.decode()


def denied(response):
    """Wagtail turns PermissionDenied in admin views into a redirect home with a message."""
    return response.status_code == 302 and response.url == "/admin/"


def test_editors_without_permission_are_turned_away(client, editor, corpus):
    client.force_login(editor)
    assert denied(client.get(STATUS_URL))
    assert denied(client.post(RETRAIN_URL))
    assert not RecommenderRun.objects.exists()
    assert "/admin/recommender/" not in client.get("/admin/").content.decode()


def test_view_permission_without_retrain_hides_the_button(client, editor):
    editor.user_permissions.add(
        Permission.objects.get(codename="view_recommenderrun"),
        Permission.objects.get(codename="access_admin"),
    )
    client.force_login(editor)
    html = client.get(STATUS_URL).content.decode()
    assert "Recent runs" in html and "Retrain now" not in html
    assert denied(client.post(RETRAIN_URL))


def test_page_waits_for_a_worker_to_pick_up_a_queued_retrain(client, admin_user):
    client.force_login(admin_user)
    now = timezone.now()
    waiting = client.get(f"{STATUS_URL}?queued={now.timestamp()}").content.decode()
    assert "waiting for a worker" in waiting and "window.location.reload" in waiting
    RecommenderRun.objects.create(kind="full", trigger="admin", status="succeeded")
    started = client.get(f"{STATUS_URL}?queued={now.timestamp()}").content.decode()
    assert "waiting for a worker" not in started and "window.location.reload" not in started
    stale = (now - timedelta(minutes=10)).timestamp()
    for queued in (stale, "nonsense", "1e300"):
        html = client.get(f"{STATUS_URL}?queued={queued}").content.decode()
        assert "waiting for a worker" not in html
