import json

import pytest

from cms_site.reader_comments.spam_filter import benchmark
from cms_site.reader_comments.spam_filter.evaluation import (
    Example,
    FoldRun,
    deduplicate,
    leave_one_source_out,
    load_jsonl,
    mean_scores,
    precision_threshold,
    review_threshold,
    run_folds,
    score,
)
from cms_site.reader_comments.spam_filter.text import dedup_key


def ex(text, label="ham", source="a", id_=None):
    return Example(id_ or text, text, label, source)


def test_dedup_key_ignores_case_whitespace_and_invisible_marks():
    assert dedup_key("Check  OUT\tmy channel\ufeff") == dedup_key("check out my CHANNEL")
    assert dedup_key("check out my channel") != dedup_key("check out my channels")


def test_deduplicate_keeps_the_first_of_each_text():
    examples = [ex("Hello  there", id_="1"), ex("hello there", id_="2"), ex("bye", id_="3")]
    kept = deduplicate(examples)
    assert [e.id for e in kept] == ["1", "3"]


def test_folds_are_deduplicated_before_splitting_and_never_leak():
    examples = [
        ex("Subscribe to my channel", "spam", "a"),
        ex("subscribe to my  CHANNEL", "spam", "a"),
        ex("SUBSCRIBE to my channel\ufeff", "spam", "b"),
        ex("nice song", "ham", "b"),
        ex("Nice Song", "ham", "c"),
        ex("free money here", "spam", "c"),
        ex("love it", "ham", "a"),
    ]
    extra = [ex("FREE MONEY HERE", "spam", "sms"), ex("call me later", "ham", "sms")]
    folds = leave_one_source_out(examples, extra)
    assert [fold.name for fold in folds] == ["a", "b", "c"]
    test_keys = [dedup_key(e.text) for fold in folds for e in fold.test]
    assert len(test_keys) == len(set(test_keys)) == 4
    for fold in folds:
        train_keys = {dedup_key(e.text) for e in fold.train}
        assert not train_keys & {dedup_key(e.text) for e in fold.test}
        assert all(e.source != fold.name for e in fold.train)
    fold_c = folds[2]
    assert [e.text for e in fold_c.test] == ["free money here"]
    assert "FREE MONEY HERE" not in [e.text for e in fold_c.train]
    assert "call me later" in [e.text for e in fold_c.train]


def test_scores_on_a_hand_example():
    truth = ["spam"] * 4 + ["ham"] * 4
    predicted = [True, True, True, False, True, True, False, False]
    result = score(truth, predicted)
    assert (result.tp, result.fp, result.fn, result.tn) == (3, 2, 1, 2)
    assert result.precision == pytest.approx(3 / 5)
    assert result.recall == pytest.approx(3 / 4)
    assert result.f1 == pytest.approx(2 * 0.6 * 0.75 / (0.6 + 0.75))


def test_scores_without_predicted_or_true_spam_are_zero():
    result = score(["ham", "ham"], [False, False])
    assert (result.precision, result.recall, result.f1) == (0.0, 0.0, 0.0)
    with pytest.raises(ValueError):
        score(["ham"], [False, True])


def test_mean_scores_is_the_macro_mean_over_folds():
    perfect = score(["spam", "ham"], [True, False])
    half = score(["spam", "spam"], [True, False])
    means = mean_scores([perfect, half])
    assert means["precision"] == pytest.approx(1.0)
    assert means["recall"] == pytest.approx(0.75)
    assert means["f1"] == pytest.approx((1.0 + 2 / 3) / 2)


def test_load_jsonl_reads_rows_and_refuses_bad_labels(tmp_path):
    path = tmp_path / "set.jsonl"
    rows = [{"id": "1", "text": "hi", "label": "ham", "source": "v1"}, {}]
    path.write_text(json.dumps(rows[0]) + "\n\n", encoding="utf-8")
    assert load_jsonl(path) == [Example("1", "hi", "ham", "v1")]
    path.write_text(json.dumps({"id": "2", "text": "x", "label": "maybe"}) + "\n")
    with pytest.raises(ValueError, match="label"):
        load_jsonl(path)


def test_run_folds_trains_on_each_fold():
    examples = [ex(f"buy pills {s}", "spam", s) for s in "abc"]
    examples += [ex(f"hi {s}", "ham", s) for s in "abc"]

    def train(texts, labels):
        spam_words = {
            w for t, lab in zip(texts, labels, strict=True) if lab == "spam" for w in t.split()
        }
        return lambda batch: [float(any(w in spam_words for w in t.split())) for t in batch]

    runs = run_folds(leave_one_source_out(examples), train)
    assert [run.name for run in runs] == ["a", "b", "c"]
    assert all(run.scores(0.5).f1 == 1.0 for run in runs)


def test_threshold_choice_respects_the_precision_floor():
    runs = [FoldRun("x", ["spam", "spam", "ham", "ham"], [0.9, 0.5, 0.45, 0.1])]
    assert precision_threshold(runs, 1.0) == 0.5
    assert precision_threshold(runs, 1.01) is None
    assert review_threshold(runs, 0.0) == 0.5
    assert review_threshold(runs, 0.5) == 0.9


def test_benchmark_runs_end_to_end(tmp_path, capsys):
    rows = []
    for video in ("v1", "v2", "v3", "v4"):
        rows += [
            {
                "id": f"{video}-s{i}",
                "text": f"check out my channel {video} {i} http://x{i}.com",
                "label": "spam",
                "source": video,
            }
            for i in range(3)
        ]
        rows += [
            {
                "id": f"{video}-h{i}",
                "text": f"lovely song number {i} from {video}",
                "label": "ham",
                "source": video,
            }
            for i in range(3)
        ]
    (tmp_path / "youtube-spam.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    assert benchmark.main(["--sets", str(tmp_path), "--json"]) == 0
    output = capsys.readouterr().out
    result = json.loads(output.strip().splitlines()[-1])
    assert [fold["fold"] for fold in result["folds"]] == ["v1", "v2", "v3", "v4"]
    assert set(result["mean"]) == {"ours", "baseline"}
    assert "| **mean** |" in output
