"""Pages that become private (moved under a restricted section, or a restriction saved above
them) leave every related list in the same request, without waiting for a refresh."""

import pytest
from wagtail.models import Page, PageViewRestriction

from recommender.corpus import all_candidates
from recommender.models import PendingRefresh, RelatedArticle
from recommender.retrain import rebuild_all
from tests.support.factories import ArticleIndexPageFactory
from tests.support.related import shown_everywhere
from tests.support.workers import celery_conf

pytestmark = pytest.mark.django_db
DEAD_BROKER = "redis://127.0.0.1:1/0"


@pytest.fixture
def members_area(home):
    section = ArticleIndexPageFactory(parent=home, title="Members", slug="members")
    PageViewRestriction.objects.create(page=section, restriction_type="login")
    return section


def listed(page_ids) -> set[int]:
    rows = RelatedArticle.objects.values_list("source_id", "target_id")
    return {pk for row in rows for pk in row} & set(page_ids)


def showing(page_id: int, lists: dict) -> set[int]:
    return {source for source, rows in lists.items() if page_id in [row[0] for row in rows]}


def test_a_page_moved_under_a_private_section_leaves_every_list_at_once(
    corpus, members_area, django_capture_on_commit_callbacks, celery_dispatch, sent
):
    rebuild_all()
    moved = corpus["upper-back"][1]
    before = shown_everywhere()
    assert showing(moved.pk, before)
    # No worker and no broker: only the request itself can take the page out of the lists.
    with celery_conf(broker_url=DEAD_BROKER), django_capture_on_commit_callbacks(execute=True):
        Page.objects.get(pk=moved.pk).move(members_area, pos="last-child")
    assert not listed([moved.pk])
    assert [call["trigger"] for call in sent] == ["private"]
    assert sent[0]["page_ids"] == showing(moved.pk, before) | {moved.pk}
    assert PendingRefresh.objects.filter(page_id=moved.pk).exists()  # the gaps fill later


def test_a_section_moved_under_a_private_page_takes_all_its_articles_out(
    corpus, article_index, home, django_capture_on_commit_callbacks, celery_dispatch, sent
):
    rebuild_all()
    private_home = Page.objects.get(pk=home.pk).add_sibling(
        instance=Page(title="Staff", slug="staff")
    )
    PageViewRestriction.objects.create(page=private_home, restriction_type="login")
    with celery_conf(broker_url=DEAD_BROKER), django_capture_on_commit_callbacks(execute=True):
        Page.objects.get(pk=article_index.pk).move(private_home, pos="last-child")
    assert RelatedArticle.objects.count() == 0
    assert [call["trigger"] for call in sent] == ["private"]


def test_a_move_between_public_sections_keeps_the_lists(
    corpus, home, django_capture_on_commit_callbacks, celery_dispatch, sent
):
    rebuild_all()
    moved = corpus["running"][0]
    public = ArticleIndexPageFactory(parent=home, title="More", slug="more")
    before = shown_everywhere()
    with celery_conf(broker_url=DEAD_BROKER), django_capture_on_commit_callbacks(execute=True):
        Page.objects.get(pk=moved.pk).move(public, pos="last-child")
    assert shown_everywhere() == before and sent == []
    assert PendingRefresh.objects.filter(page_id=moved.pk).exists()


def test_a_restriction_above_the_section_removes_its_pages_until_it_is_lifted(
    corpus, article_index, home, django_capture_on_commit_callbacks, sent
):
    rebuild_all()
    ids = [page.pk for pages in corpus.values() for page in pages]
    with django_capture_on_commit_callbacks(execute=True):
        restriction = PageViewRestriction.objects.create(
            page=home, restriction_type="password", password="x"
        )
    assert not listed(ids)
    assert sent[0]["trigger"] == "private" and sent[0]["page_ids"] == set(ids)
    with django_capture_on_commit_callbacks(execute=True):
        restriction.delete()  # the queued refresh brings them back (in-process in these tests)
    assert listed(ids) == set(ids)
    assert not PendingRefresh.objects.exists()


def test_the_retrain_corpus_leaves_out_pages_under_a_private_ancestor(
    corpus, members_area, django_capture_on_commit_callbacks
):
    hidden = corpus["nutrition"]
    with django_capture_on_commit_callbacks(execute=True):
        for page in hidden:
            Page.objects.get(pk=page.pk).move(members_area, pos="last-child")
    assert members_area.get_descendants().live().count() == len(hidden)
    candidates = {page.pk for page in all_candidates()}
    assert candidates and not candidates & {page.pk for page in hidden}
    rebuild_all()
    assert not listed([page.pk for page in hidden])
