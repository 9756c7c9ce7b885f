"""``related_lists_changed`` names exactly the pages whose shown list changed, after commit."""

import logging

import pytest
from django.core.management import call_command
from django.db import transaction
from wagtail.models import PageViewRestriction, Site

from recommender.models import RecommenderRun, RecommenderSettings, RelatedArticle
from recommender.refresh import forget_page
from recommender.retrain import rebuild_all
from recommender.signals import related_lists_changed
from tests.support.factories import make_article
from tests.support.related import shown_everywhere as shown

pytestmark = pytest.mark.django_db


def differing(before: dict, after: dict) -> set[int]:
    return {page for page in before.keys() | after.keys() if before.get(page) != after.get(page)}


def check_each_signal(calls: list[dict], before: dict) -> None:
    """Every signal names exactly the pages whose list differs from the previous snapshot."""
    for call in calls:
        assert call["sender"] is RelatedArticle
        assert isinstance(call["page_ids"], frozenset) and call["page_ids"]
        assert call["page_ids"] == differing(before, call["lists"]), call["trigger"]
        before = call["lists"]


def test_publishing_names_exactly_the_lists_that_changed(
    corpus, article_index, django_capture_on_commit_callbacks, sent
):
    rebuild_all()
    before = shown()
    category = corpus["running"][0].categories.first()
    with django_capture_on_commit_callbacks(execute=True):
        new = make_article(
            article_index,
            "Marathon pace running intervals",
            "running marathon pace intervals race mileage easy runs",
            category,
        )
    after = shown()
    expected = differing(before, after)
    assert [call["trigger"] for call in sent] == ["publish"]  # one signal for the batch
    assert sent[0]["page_ids"] == expected
    assert new.pk in expected and expected & {p.pk for p in corpus["running"]}
    assert set(before) - expected, "pages whose lists did not change are not named"


def test_a_retrain_that_changes_nothing_sends_nothing(
    corpus, django_capture_on_commit_callbacks, sent
):
    rebuild_all()
    before = shown()
    with django_capture_on_commit_callbacks(execute=True):
        rebuild_all(trigger="again")
    assert shown() == before
    assert RecommenderRun.objects.get(trigger="again").status == "succeeded"
    assert sent == []


def test_a_retrain_after_an_edit_names_only_the_changed_lists(
    corpus, django_capture_on_commit_callbacks, sent
):
    rebuild_all()
    lists = shown()
    pages = [page for pages in corpus.values() for page in pages]
    # the page shown in the fewest lists: a new title changes those lists only
    edited = min(pages, key=lambda p: sum(p.pk in [r[0] for r in rows] for rows in lists.values()))
    edited.title = f"{edited.title}, revised"
    with django_capture_on_commit_callbacks(execute=False):  # no incremental refresh
        edited.save_revision().publish()
    before = shown()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("rebuild_related_articles", verbosity=0)
    expected = differing(before, shown())
    assert [call["trigger"] for call in sent] == ["command"]
    assert sent[0]["page_ids"] == expected
    assert any(row[0] == edited.pk for page in expected for row in before[page])
    assert expected < set(before), "a retrain names only the lists it changed"


def test_unpublishing_names_the_pages_that_showed_it(
    corpus, django_capture_on_commit_callbacks, sent
):
    rebuild_all()
    before = shown()
    gone = corpus["upper-back"][1]
    showing = {page for page, rows in before.items() if gone.pk in [row[0] for row in rows]}
    assert showing
    with django_capture_on_commit_callbacks(execute=True):
        gone.unpublish()
    assert sent[0]["trigger"] == "unpublish"
    assert sent[0]["page_ids"] == showing | {gone.pk}
    # the refresh that follows fills the gaps: its own signal, for what it changed in turn
    assert [call["trigger"] for call in sent[1:]] in ([], ["publish"])
    check_each_signal(sent, before)


def test_making_a_section_private_sends_one_signal_for_all_its_pages(
    corpus, article_index, django_capture_on_commit_callbacks, sent
):
    rebuild_all()
    before = shown()
    with django_capture_on_commit_callbacks(execute=True):
        PageViewRestriction.objects.create(
            page=article_index, restriction_type="password", password="x"
        )
    assert [call["trigger"] for call in sent] == ["private"]
    assert sent[0]["page_ids"] == set(before)
    assert shown() == {}


def test_a_receiver_that_raises_breaks_nothing(
    corpus, article_index, django_capture_on_commit_callbacks, sent, caplog
):
    def broken(sender, **kwargs):
        raise RuntimeError("CDN unreachable")

    related_lists_changed.connect(broken, weak=False, dispatch_uid="test_broken_receiver")
    try:
        rebuild_all()
        before = shown()
        category = corpus["running"][0].categories.first()
        with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
            new = make_article(article_index, "Tempo running", "running tempo pace race", category)
    finally:
        related_lists_changed.disconnect(dispatch_uid="test_broken_receiver")
    assert RelatedArticle.objects.filter(source=new).exists()
    assert RecommenderRun.objects.get(kind="incremental").status == "succeeded"
    check_each_signal(sent, before)  # the other receivers still heard it
    failures = [r for r in caplog.records if r.name == "recommender.changes"]
    assert failures and "CDN unreachable" in str(failures[0].exc_info[1])


def test_the_signal_waits_for_the_commit(corpus, django_capture_on_commit_callbacks, sent):
    rebuild_all()
    gone = corpus["running"][0]
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        forget_page(gone.pk)
        transaction.set_rollback(True)
    assert sent == []  # rolled back: nothing changed, nothing sent
    with django_capture_on_commit_callbacks() as callbacks:
        forget_page(gone.pk)
        assert sent == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert len(sent) == 1 and gone.pk in sent[0]["page_ids"]
    with django_capture_on_commit_callbacks() as callbacks:
        forget_page(gone.pk)  # already gone: nothing changes
    assert callbacks == []


def test_rows_beyond_the_shown_suggestions_do_not_count(
    corpus, django_capture_on_commit_callbacks, sent
):
    rebuild_all()
    RecommenderSettings.objects.update_or_create(
        site=Site.objects.get(is_default_site=True), defaults={"slots": 2}
    )
    source = corpus["running"][0]
    hidden = RelatedArticle.objects.get(source=source, rank=3)
    before = shown()
    with django_capture_on_commit_callbacks(execute=True):
        forget_page(hidden.target_id)
    assert source.pk not in sent[0]["page_ids"]  # its rank-3 row went, but only 2 are shown
    check_each_signal(sent, before)
