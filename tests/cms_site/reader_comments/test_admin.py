import json
import re

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import reverse
from wagtail.models import ModelLogEntry

from cms_site.reader_comments.models import ArticleComment, Commenter
from tests.support.comments import make_comment
from tests.support.factories import ArticlePageFactory

pytestmark = pytest.mark.django_db
Status = ArticleComment.Status
QUEUE = "/admin/comments/"


@pytest.fixture
def queue(article):
    rows = [
        ("approved", 0.9, "Approved already"),
        ("pending", 0.2, "Pending low risk"),
        ("spam", 0.99, "Obvious spam"),
        ("pending", None, "Pending unscored"),
        ("rejected", 0.5, "Rejected one"),
        ("pending", 0.8, "Pending high risk"),
    ]
    return {
        body: make_comment(article, status=status, spam_score=score, body=body)
        for status, score, body in rows
    }


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def listed(response) -> list[str]:
    return [comment.body for comment in response.context["object_list"]]


def test_queue_shows_pending_first_riskiest_first(moderator, queue):
    response = logged_in(moderator).get(QUEUE)
    assert response.status_code == 200
    assert listed(response) == [
        "Pending high risk",
        "Pending low risk",
        "Pending unscored",
        "Obvious spam",
        "Approved already",
        "Rejected one",
    ]
    html = response.content.decode()
    assert 'name="ids"' in html and 'value="approve"' in html and "csrfmiddlewaretoken" in html
    assert "example.com" not in html


def test_queue_filters_and_search(moderator, queue, article_index):
    client = logged_in(moderator)
    assert listed(client.get(QUEUE, {"status": "spam"})) == ["Obvious spam"]
    assert listed(client.get(QUEUE, {"q": "risk"})) == ["Pending high risk", "Pending low risk"]
    other = ArticlePageFactory(parent=article_index, title="Other article")
    make_comment(other, status=Status.PENDING, body="Elsewhere")
    assert listed(client.get(QUEUE, {"page": other.pk})) == ["Elsewhere"]
    by_reason = client.get(QUEUE, {"status_reason": "received"})
    assert len(listed(by_reason)) == 7
    results = client.get(f"{QUEUE}results/", {"status": "pending"})
    assert results.status_code == 200 and "Pending high risk" in results.content.decode()


def test_bulk_actions_settle_many_and_are_logged(moderator, queue):
    client = logged_in(moderator)
    pending = [queue["Pending high risk"].pk, queue["Pending low risk"].pk]
    response = client.post(
        f"{QUEUE}bulk/", {"action": "spam", "ids": pending, "next": f"{QUEUE}?status=pending"}
    )
    assert response.status_code == 302 and response["Location"] == f"{QUEUE}?status=pending"
    decided = ArticleComment.objects.filter(pk__in=pending)
    assert {(c.status, c.status_reason, c.moderated_by) for c in decided} == {
        (Status.SPAM, ArticleComment.Reason.MODERATOR, moderator)
    }
    entries = ModelLogEntry.objects.filter(action="reader_comments.spam", user=moderator)
    assert sorted(int(e.object_id) for e in entries) == sorted(pending)
    assert entries.first().data["from"] == "pending"

    client.post(f"{QUEUE}bulk/", {"action": "approve", "ids": [queue["Obvious spam"].pk]})
    client.post(f"{QUEUE}bulk/", {"action": "reject", "ids": [queue["Pending unscored"].pk]})
    assert ArticleComment.objects.get(pk=queue["Obvious spam"].pk).status == Status.APPROVED
    assert ArticleComment.objects.get(pk=queue["Pending unscored"].pk).status == Status.REJECTED
    assert ModelLogEntry.objects.filter(action="reader_comments.approve").count() == 1
    assert ModelLogEntry.objects.filter(action="reader_comments.reject").count() == 1


def test_bulk_action_needs_ids_a_known_action_and_csrf(moderator, queue):
    client = logged_in(moderator)
    client.post(f"{QUEUE}bulk/", {"action": "approve"})
    client.post(f"{QUEUE}bulk/", {"action": "delete", "ids": [queue["Pending low risk"].pk]})
    client.post(f"{QUEUE}bulk/", {"action": "approve", "ids": ["x", "999999"]})
    assert (
        not ModelLogEntry.objects.filter(action__startswith="reader_comments.")
        .exclude(action="reader_comments.checked")
        .exists()
    )
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(moderator)
    pk = queue["Pending low risk"].pk
    assert strict.post(f"{QUEUE}bulk/", {"action": "approve", "ids": [pk]}).status_code == 403
    assert ArticleComment.objects.get(pk=pk).status == Status.PENDING


def test_detail_shows_history_and_moderator_can_reply(moderator, queue, article):
    client = logged_in(moderator)
    parent = queue["Pending low risk"]
    url = reverse("reader_comments_admin:detail", args=[parent.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "Pending low risk" in page.content.decode() and "History" in page.content.decode()
    assert "alex@example.com" not in page.content.decode()

    response = client.post(url, {"reply": "Thanks for asking, see the second drill."})
    assert response.status_code == 302
    reply = ArticleComment.objects.get(parent=parent)
    parent.refresh_from_db()
    assert parent.status == Status.APPROVED
    assert reply.status == Status.APPROVED and reply.moderator_author == moderator
    assert reply.author_name == "Morgan Mod" and reply.depth == 2
    actions = set(ModelLogEntry.objects.for_instance(parent).values_list("action", flat=True))
    assert {"reader_comments.approve", "reader_comments.reply"} <= actions
    history = client.get(url).content.decode()
    assert "Moderator replied" in history and "Approved" in history

    public = Client().get(article.url).content.decode()
    assert "Thanks for asking" in public and public.count('class="comment__badge"') == 1
    assert re.search(r'>Morgan Mod</b> <span class="comment__badge">Moderator</span>', public)
    assert "(moderator)" not in public


def test_single_action_from_the_detail_page(moderator, queue):
    comment = queue["Pending high risk"]
    url = reverse("reader_comments_admin:detail", args=[comment.pk])
    logged_in(moderator).post(url, {"action": "reject"})
    comment.refresh_from_db()
    assert comment.status == Status.REJECTED
    empty = logged_in(moderator).post(url, {"reply": ""})
    assert empty.status_code == 400 and "Write your reply." in empty.content.decode()


def test_editor_without_the_permission_gets_403(editor, queue):
    client = logged_in(editor)
    comment = queue["Pending low risk"]
    assert client.get(QUEUE).status_code == 403
    assert client.get(f"{QUEUE}results/").status_code == 403
    assert client.get(reverse("reader_comments_admin:detail", args=[comment.pk])).status_code == 403
    response = client.post(f"{QUEUE}bulk/", {"action": "approve", "ids": [comment.pk]})
    assert response.status_code == 403
    assert ArticleComment.objects.get(pk=comment.pk).status == Status.PENDING
    assert QUEUE not in client.get("/admin/").content.decode()


def test_anonymous_users_are_sent_to_login(queue):
    response = Client().get(QUEUE)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_moderators_group_has_the_permission_and_admin_access():
    moderators = Group.objects.get(name="Moderators")
    codenames = set(moderators.permissions.values_list("codename", flat=True))
    assert {"moderate_articlecomment", "access_admin"} <= codenames
    assert "moderate_articlecomment" not in set(
        Group.objects.get(name="Editors").permissions.values_list("codename", flat=True)
    )


def test_menu_item_and_dashboard_panel_for_moderators(moderator, queue):
    html = logged_in(moderator).get("/admin/").content.decode()
    assert QUEUE in html
    assert "3</strong> comments awaiting moderation" in html


def test_group_permission_is_offered_in_the_group_editor(admin_user):
    response = logged_in(admin_user).get(reverse("wagtailusers_groups:add"))
    assert "Can moderate reader comments" in response.content.decode()


def test_site_settings_are_editable_in_the_admin(admin_user, article):
    client = logged_in(admin_user)
    response = client.get("/admin/settings/reader_comments/commentsettings/", follow=True)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Blocked words" in html and "Spam threshold" in html and "Reply depth" in html


@pytest.fixture
def data_manager(moderator):
    moderator.user_permissions.add(Permission.objects.get(codename="manage_commenter_data"))
    return moderator


def test_commenter_data_needs_its_own_permission(moderator):
    assert logged_in(moderator).get(f"{QUEUE}commenter-data/").status_code == 403


def test_admin_export_and_erase(data_manager, article):
    keep = make_comment(article, email="gone@example.com", body="Has a reply")
    make_comment(article, email="other@example.com", parent=keep, depth=2, body="Reply")
    make_comment(article, email="gone@example.com", body="Alone")
    client = logged_in(data_manager)
    url = f"{QUEUE}commenter-data/"
    export = client.post(url, {"email": "Gone@Example.com", "action": "export"})
    assert export["Content-Disposition"] == 'attachment; filename="commenter-data.json"'
    data = json.loads(export.content)
    assert data["email"] == "gone@example.com"
    assert [c["comment"] for c in data["comments"]] == ["Has a reply", "Alone"]

    refused = client.post(url, {"email": "gone@example.com", "action": "erase"})
    assert refused.status_code == 200 and "Tick this box to erase." in refused.content.decode()
    assert Commenter.objects.filter(email="gone@example.com").exists()

    client.post(url, {"email": "gone@example.com", "action": "erase", "confirm": "on"})
    assert not Commenter.objects.filter(email="gone@example.com").exists()
    keep.refresh_from_db()
    assert keep.author_name == "Anonymous" and keep.body.startswith("[This comment was removed")
    assert not ArticleComment.objects.filter(body="Alone").exists()
    assert ModelLogEntry.objects.filter(action="reader_comments.erase", user=data_manager).exists()
    assert ModelLogEntry.objects.filter(action="reader_comments.export").exists()
