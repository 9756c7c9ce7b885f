import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from cms_site.reader_comments import privacy
from cms_site.reader_comments.models import ArticleComment, Commenter, NotificationIntent
from tests.support.comments import make_comment

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(article):
    answered = make_comment(article, email="gone@example.com", body="Question", notify=True)
    make_comment(article, email="friend@example.com", body="Answer", parent=answered, depth=2)
    alone = make_comment(article, email="gone@example.com", body="Alone", ip_hash="f" * 32)
    NotificationIntent.objects.create(kind="reply", comment=alone)
    NotificationIntent.objects.create(kind="confirm_email", commenter=alone.commenter)
    return answered, alone


def test_export_command_prints_everything_as_json(history):
    out = StringIO()
    call_command("commenter_data", "export", "GONE@example.com", stdout=out)
    data = json.loads(out.getvalue())
    assert data["found"] is True and data["email"] == "gone@example.com"
    assert [c["comment"] for c in data["comments"]] == ["Question", "Alone"]
    assert data["comments"][0]["url"].endswith(f"#comment-{history[0].pk}")
    assert {e["kind"] for e in data["emails"]} == {"reply", "confirm_email"}


def test_export_to_a_file(history, tmp_path):
    target = tmp_path / "export.json"
    call_command("commenter_data", "export", "gone@example.com", output=target, stdout=StringIO())
    assert json.loads(target.read_text())["comments"]


def test_export_of_an_unknown_address():
    assert privacy.export_commenter("nobody@example.com") == {
        "email": "nobody@example.com",
        "found": False,
        "comments": [],
    }


def test_erase_command_deletes_and_keeps_threads_readable(history):
    answered, alone = history
    out = StringIO()
    call_command("commenter_data", "erase", "gone@example.com", interactive=False, stdout=out)
    assert "1 comment(s) deleted, 1 emptied" in out.getvalue()
    assert not Commenter.objects.filter(email="gone@example.com").exists()
    assert not ArticleComment.objects.filter(pk=alone.pk).exists()
    answered.refresh_from_db()
    assert answered.commenter is None and answered.ip_hash == "" and not answered.notify
    assert answered.body == privacy.ERASED_BODY and answered.author_name == "Anonymous"
    assert ArticleComment.objects.filter(body="Answer").exists()
    assert not NotificationIntent.objects.exists()
    assert "gone@example.com" not in json.dumps(
        list(ArticleComment.objects.values("author_name", "body", "website", "ip_hash"))
    )


def test_erase_asks_before_deleting(history, monkeypatch):
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    with pytest.raises(CommandError, match="cancelled"):
        call_command("commenter_data", "erase", "gone@example.com")
    assert Commenter.objects.filter(email="gone@example.com").exists()


def test_erase_unknown_address_is_an_error():
    with pytest.raises(CommandError, match="No commenter"):
        call_command("commenter_data", "erase", "nobody@example.com", interactive=False)


def test_erasure_removes_the_text_from_every_stored_model(
    history, moderator, django_capture_on_commit_callbacks
):
    from cms_site.reader_comments import moderation, spam_model
    from cms_site.reader_comments.models import SpamModel
    from tests.support.comments import HAM_TEXTS, SPAM_TEXTS

    article = history[0].page
    for number, text in enumerate(SPAM_TEXTS + HAM_TEXTS):
        comment = make_comment(article, status="pending", body=text, email=f"s{number}@x.io")
        action = "spam" if text in SPAM_TEXTS else "approve"
        moderation.moderate_ids([comment.pk], action, moderator)
    spam_model.retrain()
    spam_model.retrain()
    old = set(SpamModel.objects.values_list("pk", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        privacy.erase_commenter("s0@x.io")
    remaining = SpamModel.objects.get()
    assert remaining.pk not in old and remaining.is_active and remaining.trigger == "erasure"
    assert remaining.spam_examples == len(SPAM_TEXTS) - 1
