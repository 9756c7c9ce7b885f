import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from cms_site.reader_comments import moderation, privacy, spam_model
from cms_site.reader_comments.models import (
    ArticleComment,
    Commenter,
    ErasureMark,
    NotificationIntent,
    SpamModel,
)
from tasks import app
from tests.support.comments import HAM_TEXTS, SPAM_TEXTS, make_comment
from tests.support.site_settings import base_settings
from tests.support.workers import celery_conf, wait_until

pytestmark = pytest.mark.django_db
DEAD_REDIS = "redis://127.0.0.1:1/0"
BEAT_ENTRY = "comments-forget-erased-comments"


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


@pytest.fixture
def trained(history, moderator):
    """Moderator decisions from one address each, and two stored models trained on them."""
    article = history[0].page
    for number, text in enumerate(SPAM_TEXTS + HAM_TEXTS):
        comment = make_comment(article, status="pending", body=text, email=f"s{number}@x.io")
        action = "spam" if text in SPAM_TEXTS else "approve"
        moderation.moderate_ids([comment.pk], action, moderator)
    spam_model.retrain()
    spam_model.retrain()
    return set(SpamModel.objects.values_list("pk", flat=True))


def assert_forgotten(old: set[int]) -> None:
    remaining = SpamModel.objects.get()
    assert remaining.pk not in old and remaining.is_active and remaining.trigger == "erasure"
    assert remaining.spam_examples == len(SPAM_TEXTS) - 1


def test_erasure_removes_the_text_from_every_stored_model(
    trained, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        privacy.erase_commenter("s0@x.io")
    assert_forgotten(trained)


def test_an_erasure_the_broker_never_received_is_caught_up_by_the_periodic_task(
    trained, settings, django_capture_on_commit_callbacks, caplog
):
    settings.COMMENTS_ENQUEUE = True
    broker = base_settings(REDIS_URL=DEAD_REDIS)["CELERY_BROKER_URL"]  # as production builds it
    with celery_conf(broker_url=broker), django_capture_on_commit_callbacks(execute=True):
        privacy.erase_commenter("s0@x.io")
    assert "Could not run comment task forget_erased_comments" in caplog.text
    assert set(SpamModel.objects.values_list("pk", flat=True)) == trained  # still remembered
    assert ErasureMark.objects.count() == 1

    beat = app.tasks[settings.CELERY_BEAT_SCHEDULE[BEAT_ENTRY]["task"]]
    version = beat.apply().get()
    assert_forgotten(trained)
    assert SpamModel.objects.get().version == version
    assert beat.apply().get() is None  # nothing left to forget: no retrain
    assert SpamModel.objects.get().version == version


def test_a_model_that_read_the_comments_before_the_erasure_is_replaced_later(
    trained, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        privacy.erase_commenter("s0@x.io")
        privacy.erase_commenter("s1@x.io")
    assert ErasureMark.objects.count() == 1  # the catch-up keeps only the latest
    # A retrain that had read the decisions before the erasure committed, saved just after it:
    late = spam_model.retrain(trigger="late")
    erased_at = ErasureMark.objects.get().erased_at
    late.params["examples_read_at"] = (erased_at - timedelta(seconds=1)).isoformat()
    late.save(update_fields=["params"])
    fresh = spam_model.forget_erased()
    assert not SpamModel.objects.filter(pk=late.pk).exists()
    assert SpamModel.objects.get(is_active=True) == fresh
    assert spam_model.stale_models(erased_at) == []
    assert spam_model.forget_erased() is None


def test_too_little_left_to_train_still_removes_every_model(
    trained, django_capture_on_commit_callbacks
):
    ArticleComment.objects.filter(status="approved", status_reason="moderator").delete()
    with django_capture_on_commit_callbacks(execute=True):
        privacy.erase_commenter("s0@x.io")
    assert not SpamModel.objects.exists()
    assert spam_model.forget_erased() is None


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_worker_running_the_beat_task_forgets_a_lost_erasure(
    trained, settings, celery_worker_process, django_capture_on_commit_callbacks
):
    settings.COMMENTS_ENQUEUE = True
    with celery_conf(broker_url=DEAD_REDIS), django_capture_on_commit_callbacks(execute=True):
        privacy.erase_commenter("s0@x.io")
    assert set(SpamModel.objects.values_list("pk", flat=True)) == trained
    app.send_task(settings.CELERY_BEAT_SCHEDULE[BEAT_ENTRY]["task"])  # as celery beat sends it
    assert wait_until(lambda: not SpamModel.objects.filter(pk__in=trained).exists(), timeout=60)
    assert_forgotten(trained)
