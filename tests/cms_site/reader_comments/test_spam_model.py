import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from cms_site.reader_comments import spam_model
from cms_site.reader_comments.models import ArticleComment, SpamModel
from tasks import comments as comment_tasks
from tests.support.comments import HAM_TEXTS, SPAM_TEXTS, make_comment, post_comment

Status = ArticleComment.Status


def write_jsonl(path: Path, rows: list[tuple[str, str]], source="tiny") -> Path:
    lines = [
        json.dumps({"id": f"{source}-{n}", "text": text, "label": label, "source": source})
        for n, (text, label) in enumerate(rows)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def labelled(texts, label):
    return [(text, label) for text in texts]


@pytest.fixture
def decided(article, moderator):
    """Moderator decisions: half of each list, marked through the moderation service."""
    ids = {"approve": [], "spam": []}
    for number, text in enumerate(HAM_TEXTS + SPAM_TEXTS):
        comment = make_comment(article, status=Status.PENDING, body=text, email=f"c{number}@x.io")
        ids["spam" if text in SPAM_TEXTS else "approve"].append(comment.pk)
    from cms_site.reader_comments import moderation

    for action, pks in ids.items():
        moderation.moderate_ids(pks, action, moderator)
    return ids


@pytest.mark.django_db
def test_no_model_until_both_kinds_of_decision_exist(article, moderator):
    from cms_site.reader_comments import moderation

    comment = make_comment(article, status=Status.PENDING)
    moderation.moderate_ids([comment.pk], "approve", moderator)
    assert spam_model.retrain() is None
    assert not SpamModel.objects.exists()


@pytest.mark.django_db
def test_training_on_decisions_creates_an_active_versioned_model(decided):
    model = comment_tasks.retrain_spam_filter.run("test")
    stored = SpamModel.objects.get(is_active=True)
    assert stored.version == model
    assert (stored.spam_examples, stored.ham_examples, stored.decisions) == (8, 8, 16)
    assert stored.trigger == "test" and stored.params["config"]["spam_threshold"]
    assert bytes(stored.artifact)[:2] and "seconds" in stored.metrics

    second = spam_model.retrain(trigger="again")
    assert SpamModel.objects.filter(is_active=True).get() == second
    assert SpamModel.objects.count() == 2

    loaded = spam_model.load_active()
    assert loaded.version == second.version
    spam, _ = spam_model.spam_score("FREE iPhone!!! click http://bit.ly/prize now")
    ham, _ = spam_model.spam_score("Thanks, the hip drill helped my back")
    assert spam > ham


@pytest.mark.django_db
def test_pipeline_scores_new_comments_with_the_active_model(client, article, decided):
    spam_model.retrain()
    post_comment(client, article, comment="FREE gift cards!!! click http://gift.example.net")
    comment = ArticleComment.objects.latest("pk")
    assert comment.spam_score is not None
    own = SpamModel.objects.get(is_active=True).version
    assert comment.spam_model_version == f"{own}+starter"


@pytest.mark.django_db
def test_old_versions_are_pruned(decided, settings):
    settings.COMMENTS_SPAM_MODELS_KEPT = 1
    for _ in range(3):
        spam_model.retrain()
    assert SpamModel.objects.count() == 2


@pytest.mark.django_db
def test_retrain_happens_after_enough_new_decisions(
    decided, comment_settings, moderator, article, django_capture_on_commit_callbacks
):
    from cms_site.reader_comments import moderation

    comment_settings.retrain_after = 3
    comment_settings.save()
    spam_model.retrain()
    assert spam_model.decisions_since_training() == 0
    fresh = [make_comment(article, status=Status.PENDING, email=f"n{n}@x.io") for n in range(3)]
    with django_capture_on_commit_callbacks(execute=True):
        moderation.moderate_ids([fresh[0].pk, fresh[1].pk], "approve", moderator)
    assert SpamModel.objects.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        moderation.moderate_ids([fresh[2].pk], "spam", moderator)
    assert SpamModel.objects.count() == 2


@pytest.mark.django_db
def test_seed_corpus_is_added_and_moderators_win_conflicts(tmp_path, article, moderator):
    from cms_site.reader_comments import moderation

    seed = write_jsonl(
        tmp_path / "seed.jsonl",
        labelled(SPAM_TEXTS, "spam") + labelled(HAM_TEXTS, "ham"),
    )
    flipped = make_comment(article, status=Status.PENDING, body=SPAM_TEXTS[0])
    moderation.moderate_ids([flipped.pk], "approve", moderator)
    model = spam_model.retrain(seed_paths=[str(seed)])
    assert model.seed_examples == 16 and model.decisions == 1
    assert (model.spam_examples, model.ham_examples) == (7, 9)


@pytest.mark.django_db
def test_unusable_artifact_is_refused_and_comments_still_flow(client, article, caplog):
    SpamModel.objects.create(version="broken", is_active=True, artifact=b"not a model")
    with pytest.raises(spam_model.SpamModelRefused):
        spam_model.load_active()
    assert "broken refused" in caplog.text and "retrain_spam_filter" in caplog.text
    assert post_comment(client, article).status_code == 302
    comment = ArticleComment.objects.get()
    assert (comment.status, comment.spam_score) == (Status.PENDING, None)
    assert comment.status_reason == ArticleComment.Reason.CHECK_FAILED


@pytest.mark.django_db
def test_no_model_yet_is_not_a_refusal(settings):
    settings.COMMENTS_SPAM_STARTER = False
    assert spam_model.load_active() is None
    assert spam_model.spam_score("hello") == (None, "")


@pytest.mark.django_db
def test_retrain_command(decided):
    out = StringIO()
    call_command("retrain_spam_filter", stdout=out)
    assert "is active: 8 spam and 8 ham examples" in out.getvalue()


@pytest.fixture
def tiny_sets(tmp_path):
    train = write_jsonl(
        tmp_path / "train.jsonl",
        labelled(SPAM_TEXTS[:6], "spam") + labelled(HAM_TEXTS[:6], "ham"),
    )
    extra = write_jsonl(tmp_path / "extra.jsonl", [(SPAM_TEXTS[6], "spam"), (HAM_TEXTS[0], "ham")])
    test = write_jsonl(
        tmp_path / "test.jsonl",
        labelled(SPAM_TEXTS[6:], "spam") + labelled(HAM_TEXTS[6:], "ham"),
        source="other",
    )
    return train, extra, test


def test_evaluate_command_reports_spam_metrics_as_json_without_a_database(tiny_sets):
    # No django_db mark: any query would fail the test.
    train, extra, test = tiny_sets
    out = StringIO()
    call_command(
        "evaluate_spam_filter", train=f"{train},{extra}", test=str(test), as_json=True, stdout=out
    )
    last = json.loads(out.getvalue().strip().splitlines()[-1])
    assert last["train"] == 12 and last["test"] == 4  # duplicate dropped, test text dropped
    assert last["overlap_removed"] == 1
    for key in ("precision", "recall", "f1"):
        assert 0.0 <= last[key] <= 1.0
    assert last["tp"] + last["fn"] == 2


def test_evaluate_command_from_the_shell(tiny_sets):
    train, _, test = tiny_sets
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "evaluate_spam_filter",
            "--train",
            str(train),
            "--test",
            str(test),
            "--json",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[3],
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "cms_site.settings.test",
            "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",
        },
    )
    last = json.loads(result.stdout.strip().splitlines()[-1])
    assert {"train", "test", "precision", "recall", "f1"} <= set(last)


@pytest.mark.parametrize(
    ("content", "message"),
    [("", "has no examples"), ('{"text": "x", "label": "maybe"}\n', "label")],
)
def test_evaluate_command_rejects_bad_files(tmp_path, content, message):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(content)
    with pytest.raises(CommandError, match=message):
        call_command("evaluate_spam_filter", train=str(bad), test=str(bad))


def test_evaluate_command_needs_existing_files(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call_command("evaluate_spam_filter", train="missing.jsonl", test=str(tmp_path / "x"))


@pytest.mark.benchmark
def test_benchmark_on_shared_sets(eval_sets):
    spam_sets = eval_sets / "spam"
    out = StringIO()
    call_command(
        "evaluate_spam_filter",
        train=str(spam_sets / "sms-spam.jsonl"),
        test=str(spam_sets / "youtube-spam.jsonl"),
        as_json=True,
        stdout=out,
    )
    last = json.loads(out.getvalue().strip().splitlines()[-1])
    assert last["test"] > 100 and last["precision"] > 0.5


OBVIOUS_SPAM = "Check out my channel and subscribe!!! http://bit.ly/free-views"
FITNESS_HAM = "Great article, the squat cues fixed my form."


@pytest.fixture
def starter_on(settings):
    settings.COMMENTS_SPAM_STARTER = True
    settings.COMMENTS_SPAM_STARTER_HANDOVER = 100
    return settings


@pytest.mark.django_db
def test_a_fresh_site_scores_with_the_starter_model(starter_on):
    from cms_site.reader_comments.spam_filter.starter import starter_id

    assert not SpamModel.objects.exists()
    spam, version = spam_model.spam_score(OBVIOUS_SPAM)
    ham, _ = spam_model.spam_score(FITNESS_HAM)
    assert spam > 0.9 and ham < 0.2
    assert version == starter_id() and version.startswith("starter-")


@pytest.mark.django_db
def test_the_first_posted_comment_gets_a_starter_score(client, article, starter_on):
    post_comment(client, article, comment=OBVIOUS_SPAM)
    comment = ArticleComment.objects.get()
    assert comment.spam_score > 0.9
    assert comment.spam_model_version.startswith("starter-")
    assert comment.status == Status.PENDING  # the starter holds, it never bins
    assert comment.status_reason == ArticleComment.Reason.POSSIBLE_SPAM
    assert "starter model leads" in comment.status_detail


@pytest.mark.django_db
def test_the_spam_threshold_bins_once_the_own_model_weighs_half(
    client, article, decided, starter_on
):
    model = spam_model.retrain()
    starter_on.COMMENTS_SPAM_STARTER_HANDOVER = model.decisions + 1  # own weight just under half
    post_comment(client, article, comment=OBVIOUS_SPAM, email="first@example.com")
    starter_on.COMMENTS_SPAM_STARTER_HANDOVER = model.decisions  # exactly half
    post_comment(client, article, comment=OBVIOUS_SPAM + " now", email="second@example.com")
    first, second = ArticleComment.objects.filter(body__startswith=OBVIOUS_SPAM).order_by("pk")
    assert first.spam_model_version == second.spam_model_version == f"{model.version}+starter"
    assert first.status == Status.PENDING and second.status == Status.SPAM


@pytest.mark.django_db
def test_own_model_blends_in_by_decisions(decided, starter_on):
    from cms_site.reader_comments.spam_filter.starter import shipped_starter

    model = spam_model.retrain()
    own = spam_model.load_active().filter.spam_probability([FITNESS_HAM])[0]
    starter = shipped_starter().spam_probability([FITNESS_HAM])[0]
    weight = model.decisions / (model.decisions + 100)
    blended, version = spam_model.spam_score(FITNESS_HAM)
    assert blended == pytest.approx(weight * own + (1 - weight) * starter)
    assert version == f"{model.version}+starter"
    starter_on.COMMENTS_SPAM_STARTER_HANDOVER = 0  # hand over completely
    assert spam_model.spam_score(FITNESS_HAM)[0] == pytest.approx(own)
    assert spam_model.own_weight(100, 100) == 0.5 and spam_model.own_weight(900, 100) == 0.9


@pytest.mark.django_db
def test_a_refused_own_model_is_not_hidden_behind_the_starter(starter_on):
    SpamModel.objects.create(version="broken", is_active=True, artifact=b"not a model")
    with pytest.raises(spam_model.SpamModelRefused):  # the comment is held with the reason
        spam_model.spam_score(OBVIOUS_SPAM)


@pytest.mark.django_db
def test_switching_the_starter_off_leaves_the_own_model_alone(decided, settings):
    settings.COMMENTS_SPAM_STARTER = False
    model = spam_model.retrain()
    assert spam_model.spam_score(FITNESS_HAM)[1] == model.version
    SpamModel.objects.all().delete()
    assert spam_model.spam_score(FITNESS_HAM) == (None, "")
