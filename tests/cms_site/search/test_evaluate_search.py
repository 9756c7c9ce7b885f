"""The search evaluation command: it measures the view's own search on a throwaway copy of a
set and leaves the site as it found it."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from wagtail.models import Page, PageLogEntry
from wagtail.search.models import IndexEntry

from cms_site.articles.models import ArticleIndexPage, ArticlePage
from cms_site.search import evaluation
from cms_site.search.evaluation import Outcome

pytestmark = pytest.mark.django_db

TOPICS = {
    "Kettlebell swings for stronger hips": "kettlebell swing hinge hamstring glute snatch",
    "Rowing machine technique": "rowing ergometer catch drive recovery stroke",
    "Hydration on humid afternoons": "hydration electrolyte sodium sweat humid thirst",
    "Sleep before competition": "sleep melatonin bedtime circadian insomnia nap",
    "Grip strength with towels": "grip towel forearm pinch crush dead hang",
    "Jump rope intervals": "skipping rope footwork cadence double under",
    "Cooling down after sprints": "sprint lactate walking jog cooldown breathing",
    "Posture at the standing desk": "posture desk monitor chair lumbar ergonomic",
    "Stretching myths debunked": "stretching static ballistic myth flexibility fascia",
    "Swimming drills for freestyle": "freestyle catch pull buoy kickboard breathing lane",
    "Cycling cadence and gears": "cycling pedal cadence gear saddle crank",
    "Balance work for ankles": "balance ankle proprioception wobble board sprain",
    "Yoga flows for beginners": "yoga asana vinyasa downward warrior breath",
    "Climbing finger care": "climbing crimp pulley tendon fingerboard chalk",
    "Marathon taper week": "marathon taper mileage carbohydrate pacing race",
}


def write_set(path, topics=TOPICS):
    lines = []
    for n, (title, words) in enumerate(topics.items(), start=1):
        body = f"{words.capitalize()}.\n\nThis piece explains {words} step by step."
        lines.append(json.dumps({"id": f"doc-{n}", "title": title, "body": body, "tags": []}))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def evaluate(path, *args):
    out = io.StringIO()
    call_command("evaluate_search", str(path), "--json", *args, stdout=out, stderr=io.StringIO())
    lines = out.getvalue().strip().splitlines()
    return lines, json.loads(lines[-1])


def site_state():
    return (
        Page.objects.count(),
        ArticlePage.objects.count(),
        IndexEntry.objects.count(),
        PageLogEntry.objects.count(),
    )


def test_measures_the_set_and_leaves_nothing_behind(tmp_path, article_index):
    before = site_state()
    lines, summary = evaluate(write_set(tmp_path / "set.jsonl"))
    assert len(lines) == 1
    assert summary["articles"] == 15
    assert summary["queries"] == 30
    assert summary["mrr"] > 0.5
    assert summary["p95_ms"] > 0
    assert summary["mrr_title"] > 0.9
    assert site_state() == before
    assert not ArticleIndexPage.objects.filter(title=evaluation.INDEX_TITLE).exists()
    assert Page.find_problems() == ([], [], [], [], [])


def test_the_articles_are_searchable_while_it_runs(tmp_path, home, monkeypatch):
    """The index entries exist during the run (so the figures measure real searches) and are
    removed with the tree, even when the run fails part-way."""
    seen = {}

    def failing(queries, index, targets):
        seen["entries"] = IndexEntry.objects.count()
        seen["articles"] = ArticlePage.objects.descendant_of(index).count()
        raise RuntimeError("interrupted")

    monkeypatch.setattr(evaluation, "run_queries", failing)
    before = site_state()
    with pytest.raises(RuntimeError):
        evaluate(write_set(tmp_path / "set.jsonl"))
    assert seen["articles"] == 15
    assert seen["entries"] >= before[2] + 15
    assert site_state() == before


def test_human_summary_ends_with_the_json_line(tmp_path, article_index):
    out = io.StringIO()
    path = write_set(tmp_path / "set.jsonl")
    call_command("evaluate_search", str(path), "--queries", "4", stdout=out, verbosity=0)
    lines = out.getvalue().strip().splitlines()
    assert lines[0].startswith("Search evaluation on ")
    assert any(line.startswith("known-item") for line in lines)
    summary = json.loads(lines[-1])
    assert summary["queries"] == 8
    assert {"mrr", "p95_ms", "mrr_known_item", "mrr_title", "found_at_10"} <= set(summary)


def test_limit_keeps_the_first_rows(tmp_path, article_index):
    _, summary = evaluate(write_set(tmp_path / "set.jsonl"), "--limit", "5", "--queries", "50")
    assert summary["articles"] == 5
    assert summary["queries"] == 10


def test_a_set_already_imported_into_the_site_is_evaluated_again(tmp_path, article_index):
    path = write_set(tmp_path / "set.jsonl")
    call_command("import_articles", str(path), verbosity=0)
    _, summary = evaluate(path)
    assert summary["articles"] == 15
    assert ArticlePage.objects.count() == 15


def test_warns_about_a_tree_an_earlier_killed_run_left(tmp_path, home):
    left = ArticleIndexPage(title=evaluation.INDEX_TITLE, slug=f"{evaluation.SLUG_PREFIX}old")
    home.add_child(instance=left)
    err = io.StringIO()
    path = write_set(tmp_path / "set.jsonl")
    call_command("evaluate_search", str(path), "--json", stdout=io.StringIO(), stderr=err)
    assert f"left page {left.pk}" in err.getvalue()
    assert Page.objects.filter(pk=left.pk).exists()  # reported, not deleted


def test_a_malformed_file_is_refused_before_anything_is_written(tmp_path, article_index):
    path = write_set(tmp_path / "set.jsonl")
    path.write_text(path.read_text() + '{"title": "Broken"\n', encoding="utf-8")
    pages = Page.objects.count()
    with pytest.raises(CommandError, match=r"set\.jsonl:16: not valid JSON"):
        evaluate(path)
    assert Page.objects.count() == pages


def test_queries_are_deterministic_and_drawn_from_rare_body_words(tmp_path):
    from cms_site.articles.importing import read_rows

    rows = read_rows(write_set(tmp_path / "set.jsonl"))
    first = evaluation.draw_queries(rows, 6, seed=3)
    assert first == evaluation.draw_queries(rows, 6, seed=3)
    assert first != evaluation.draw_queries(rows, 6, seed=4)
    known = [query for query in first if query.kind == "known_item"]
    assert len(known) == 6
    for query in known:
        words = query.text.split()
        body = rows[query.line_no - 1].body.lower()
        assert len(set(words)) == 3
        assert all(len(word) >= 4 and word in body for word in words)
        assert not {"this", "piece", "explains", "step"} & set(words)  # in every body


def test_query_words_come_from_the_prose():
    text = "See https://github.com/jiawn/Dit, \\mathcal{O}, gated_attention and 10GeV beams."
    assert evaluation.content_words(text) == {"beams"}


def test_figures():
    outcomes = [
        Outcome("title", 1, 0.010, False, False),
        Outcome("title", 2, 0.020, False, False),
        Outcome("title", None, 0.030, True, True),
        Outcome("known_item", 4, 0.040, False, False),
    ]
    summary = evaluation.summarise(outcomes, articles=9)
    assert summary["mrr_title"] == pytest.approx(0.5)
    assert summary["found_at_10_title"] == pytest.approx(2 / 3, abs=1e-4)
    assert summary["mrr"] == pytest.approx((1 + 0.5 + 0.25) / 4)
    assert summary["p50_ms"] == pytest.approx(20.0)
    assert summary["p95_ms"] == pytest.approx(40.0)
    assert summary["corrected"] == 1


@pytest.mark.benchmark
def test_on_bbc_news(eval_sets, article_index):
    path = eval_sets / "related" / "bbc-news.jsonl"
    before = site_state()
    _, summary = evaluate(path, "--limit", "300", "--queries", "50")
    assert summary["articles"] == 300
    assert summary["queries"] == 100
    assert summary["mrr_title"] > 0.8
    assert summary["mrr_known_item"] > 0.7
    assert site_state() == before
