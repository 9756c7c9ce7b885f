import pytest
from django.core.management import call_command
from django.db import transaction
from django.template import Context, Template
from django.test import RequestFactory
from wagtail.models import Page, PageViewRestriction, Site

from recommender import model_cache
from recommender.dispatch import deferred_refresh
from recommender.models import (
    ExcludedRelatedPage,
    PendingRefresh,
    PinnedRelatedPage,
    RecommenderModel,
    RecommenderRun,
    RecommenderSettings,
    RelatedArticle,
)
from recommender.retrain import rebuild_all
from tests.support.factories import make_article
from tests.support.workers import celery_conf

pytestmark = pytest.mark.django_db


def targets(page, slots=12):
    return [row.target_id for row in RelatedArticle.objects.for_page(page, slots)]


def test_rebuild_groups_articles_by_topic(corpus):
    summary = rebuild_all()
    assert summary.documents == 8 and summary.vocabulary > 10
    for topic, pages in corpus.items():
        for page in pages:
            first = targets(page, 2 if topic == "nutrition" else 2)
            same_topic = {p.pk for p in pages} - {page.pk}
            assert set(first[: len(same_topic)]) <= same_topic or topic == "nutrition"
    back = corpus["upper-back"][0]
    rows = RelatedArticle.objects.for_page(back, 2)
    assert all(row.reason == "similar" and row.shared_terms for row in rows)
    assert "thoracic" in " ".join(rows[0].shared_terms)


def test_lists_never_contain_self_drafts_or_private_pages(corpus, article_index):
    draft = make_article(
        article_index,
        "Thoracic spine draft",
        "thoracic spine upper back",
        corpus["upper-back"][0].categories.first(),
    )
    draft.unpublish()
    private = corpus["upper-back"][2]
    PageViewRestriction.objects.create(page=private, restriction_type="password", password="x")
    rebuild_all()
    everything = RelatedArticle.objects.values_list("source_id", "target_id")
    assert all(source != target for source, target in everything)
    assert draft.pk not in {t for _, t in everything}
    assert private.pk not in {t for s, t in everything} | {s for s, _ in everything}


def test_pins_come_first_and_exclusions_never_appear(corpus):
    guide = corpus["upper-back"][0]
    pinned = corpus["nutrition"][1]
    excluded = corpus["upper-back"][1]
    PinnedRelatedPage.objects.create(source=guide, page=pinned, sort_order=0)
    ExcludedRelatedPage.objects.create(source=guide, page=excluded)
    rebuild_all()
    rows = RelatedArticle.objects.for_page(guide, 4)
    assert rows[0].target_id == pinned.pk and rows[0].reason == "pinned"
    assert excluded.pk not in targets(guide)


def test_fallback_fills_slots_with_reason_when_nothing_is_similar(article_index):
    from tests.support.factories import CategoryFactory

    category = CategoryFactory(name="Odd", slug="odd")
    pages = [
        make_article(article_index, f"Topic {word}", word * 3, category)
        for word in ("aaa ", "bbb ", "ccc ", "ddd ", "eee ")
    ]
    RecommenderSettings.objects.create(site=Site.objects.get(is_default_site=True), min_score=0.9)
    rebuild_all()
    rows = RelatedArticle.objects.for_page(pages[0], 4)
    assert len(rows) == 4
    assert {row.reason for row in rows} == {"category"}


def test_unpublishing_removes_a_page_from_every_list_at_once(
    corpus, django_capture_on_commit_callbacks
):
    rebuild_all()
    gone = corpus["upper-back"][1]
    assert RelatedArticle.objects.filter(target=gone).exists()
    with django_capture_on_commit_callbacks(execute=True):
        gone.unpublish()
    assert not RelatedArticle.objects.filter(target=gone).exists()
    assert not RelatedArticle.objects.filter(source=gone).exists()


def test_publishing_a_similar_article_updates_lists_incrementally(
    corpus, article_index, django_capture_on_commit_callbacks
):
    rebuild_all()
    version = RecommenderModel.objects.get(is_active=True).version
    category = corpus["running"][0].categories.first()
    with django_capture_on_commit_callbacks(execute=True):
        new = make_article(
            article_index,
            "Marathon pace running intervals",
            "running marathon pace intervals race mileage easy runs",
            category,
        )
    assert RecommenderModel.objects.get(is_active=True).version == version
    assert set(targets(new, 3)) <= {p.pk for p in corpus["running"]}
    assert any(new.pk in targets(page, 3) for page in corpus["running"])


def test_deleting_a_pinned_page_leaves_a_sensible_list(corpus, django_capture_on_commit_callbacks):
    guide, pinned = corpus["upper-back"][0], corpus["running"][0]
    PinnedRelatedPage.objects.create(source=guide, page=pinned, sort_order=0)
    rebuild_all()
    with django_capture_on_commit_callbacks(execute=True):
        Page.objects.get(pk=pinned.pk).delete()
    rows = RelatedArticle.objects.for_page(guide, 4)
    assert len(rows) >= 2 and pinned.pk not in [r.target_id for r in rows]
    rebuild_all()
    assert len(RelatedArticle.objects.for_page(guide, 4)) == 4


def test_empty_site_and_single_article_do_not_crash(article_index):
    assert rebuild_all().documents == 0
    from tests.support.factories import CategoryFactory

    only = make_article(article_index, "Only one", "lonely article text", CategoryFactory())
    summary = rebuild_all()
    assert summary.documents == 1 and RelatedArticle.objects.for_page(only, 4) == []


def test_articles_without_text_get_fallback_lists(article_index):
    from tests.support.factories import CategoryFactory

    category = CategoryFactory()
    pages = [make_article(article_index, "x", "", category) for _ in range(3)]
    rebuild_all()
    assert all(
        row.reason in {"category", "recent"}
        for p in pages
        for row in RelatedArticle.objects.for_page(p, 4)
    )


def test_corrupt_artifact_triggers_a_clean_rebuild(
    corpus, article_index, django_capture_on_commit_callbacks
):
    rebuild_all()
    RecommenderModel.objects.filter(is_active=True).update(artifact=b"not a model")
    model_cache.forget_loaded()
    category = corpus["running"][0].categories.first()
    with django_capture_on_commit_callbacks(execute=True):
        new = make_article(article_index, "Tempo running", "running tempo pace race", category)
    assert RecommenderModel.objects.filter(is_active=True).exclude(artifact=b"not a model").exists()
    assert targets(new)


def test_a_retrain_and_the_next_publish_never_compute_the_whole_table(
    corpus, article_index, django_capture_on_commit_callbacks, monkeypatch, settings
):
    from recommender.engine import index as engine_index
    from recommender.models import StagedNeighbours

    def whole_table(*args, **kwargs):
        raise AssertionError("the whole table was computed in one place")

    settings.RECOMMENDER_CHUNK_SIZE = 3
    monkeypatch.setattr(engine_index, "all_top_k", whole_table)
    rebuild_all()
    model = RecommenderModel.objects.get(is_active=True)
    assert model.neighbours and not StagedNeighbours.objects.exists()
    run = RecommenderRun.objects.get(kind="full")
    assert run.chunks_done == run.chunks_total == 3
    assert run.chunks_started_at <= run.chunks_finished_at <= run.finished_at
    assert run.chunk_compute_seconds > 0 and run.chunk_write_seconds > 0
    model_cache.forget_loaded()  # a worker that did not run the chunks
    category = corpus["running"][0].categories.first()
    with django_capture_on_commit_callbacks(execute=True):
        new = make_article(article_index, "Tempo running", "running tempo pace race", category)
    assert set(targets(new, 3)) <= {p.pk for p in corpus["running"]}
    assert any(new.pk in targets(page, 3) for page in corpus["running"])


def test_a_retrain_missing_a_chunk_keeps_the_old_lists(corpus, settings):
    from recommender import runs
    from recommender.retrain import compute_chunk, finish_retrain, prepare_retrain

    rebuild_all()
    before = set(RelatedArticle.objects.values_list("source_id", "target_id", "rank"))
    version = RecommenderModel.objects.get(is_active=True).version
    settings.RECOMMENDER_CHUNK_SIZE = 3
    run = runs.start_run(RecommenderRun.Kind.FULL, "test")
    chunks = prepare_retrain(run)
    for chunk in chunks[:-1]:
        compute_chunk(chunk)
    assert compute_chunk(chunks[0]) == 0  # delivered twice: staged once
    assert finish_retrain(run.pk) is None
    run.refresh_from_db()
    assert run.status == "failed" and "chunk" in run.error
    assert RecommenderModel.objects.get(is_active=True).version == version
    assert set(RelatedArticle.objects.values_list("source_id", "target_id", "rank")) == before


def test_a_chunk_delivered_twice_at_once_is_staged_once(corpus, settings, monkeypatch):
    from recommender import retrain, runs
    from recommender.models import StagedNeighbours, StagedRelatedArticle

    settings.RECOMMENDER_CHUNK_SIZE = 3
    run = runs.start_run(RecommenderRun.Kind.FULL, "test")
    chunks = retrain.prepare_retrain(run)
    started = runs.chunk_started

    def other_delivery_finishes_first(run_id):
        monkeypatch.setattr(runs, "chunk_started", started)
        assert retrain.compute_chunk(chunks[0]) > 0  # the redelivered copy, run to the end
        started(run_id)

    monkeypatch.setattr(runs, "chunk_started", other_delivery_finishes_first)
    assert retrain.compute_chunk(chunks[0]) == 0
    assert StagedNeighbours.objects.filter(start=0).count() == 1
    staged_sources = StagedRelatedArticle.objects.values_list("source_id", "rank")
    assert len(staged_sources) == len(set(staged_sources))
    run.refresh_from_db()
    assert run.chunks_done == 1


def test_template_tag_renders_cards_in_two_queries(corpus, django_assert_max_num_queries, rf):
    rebuild_all()
    page = corpus["upper-back"][0]
    request = RequestFactory().get(page.url)
    Site.find_for_request(request)  # serving the page has already resolved its site
    template = Template("{% load recommender_tags %}{% related_articles page %}")
    with django_assert_max_num_queries(2):
        html = template.render(Context({"page": page, "request": request}))
    assert "Articles You May Like" in html
    assert html.count('class="card"') == 4
    assert page.title not in html


def test_article_page_shows_the_list(client, corpus):
    rebuild_all()
    page = corpus["running"][0]
    html = client.get(page.url).content.decode()
    assert "Articles You May Like" in html
    assert corpus["running"][1].title in html


def test_json_endpoint_matches_the_rendered_list(client, corpus):
    rebuild_all()
    page = corpus["upper-back"][0]
    data = client.get(f"/api/recommender/related/{page.pk}/").json()
    assert [item["id"] for item in data["results"]] == targets(page, 4)
    assert data["results"][0]["reason"] == "similar"
    assert client.get("/api/recommender/related/999999/").status_code == 404


def test_editor_sees_suggestions_with_scores_and_terms(client, admin_user, corpus):
    rebuild_all()
    client.force_login(admin_user)
    page = corpus["upper-back"][0]
    html = client.get(f"/admin/pages/{page.pk}/edit/").content.decode()
    assert "Automatic suggestions" in html and "Similar text" in html
    assert corpus["upper-back"][1].title in html


def test_rebuild_command_prints_a_summary(corpus, capsys):
    call_command("rebuild_related_articles", verbosity=1)
    out = capsys.readouterr().out
    assert "8 documents" in out and "coverage" in out


def test_other_workers_replay_incremental_changes_and_logs_compact(
    corpus, article_index, django_capture_on_commit_callbacks, monkeypatch
):
    from recommender.models import IndexChange

    rebuild_all()
    monkeypatch.setattr(model_cache, "COMPACT_EVERY", 3)
    category = corpus["running"][0].categories.first()
    with django_capture_on_commit_callbacks(execute=True):
        first = make_article(article_index, "Tempo runs", "running tempo pace race", category)
    assert IndexChange.objects.count() == 1
    here = model_cache.load_model(RecommenderModel.objects.get(is_active=True))
    model_cache.forget_loaded()  # a worker that has never seen the change
    there = model_cache.load_model(RecommenderModel.objects.get(is_active=True))
    assert first.pk in there.index and first.pk in there.cards
    assert there.index.neighbours_of(first.pk) == here.index.neighbours_of(first.pk)
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(3):
            make_article(article_index, f"Long run {n}", "running long run easy pace", category)
    model = RecommenderModel.objects.get(is_active=True)
    assert IndexChange.objects.count() == 0 and model.compacted_through > 0
    model_cache.forget_loaded()
    assert first.pk in model_cache.load_model(model).index


def test_rebuild_command_refuses_to_overlap_a_running_retrain(corpus):
    from django.core.management import CommandError

    RecommenderRun.objects.create(kind="full", trigger="elsewhere")
    with pytest.raises(CommandError, match="another recommender run is in progress"):
        call_command("rebuild_related_articles", verbosity=0)


def test_pages_in_another_locale_are_never_suggested(corpus, article_index):
    from wagtail.models import Locale

    french = Locale.objects.create(language_code="fr")
    category = corpus["upper-back"][0].categories.first()
    twin = make_article(
        article_index, "Mobilité thoracique", "thoracic spine upper back peanut ball", category
    )
    Page.objects.filter(pk=twin.pk).update(locale=french)
    rebuild_all()
    english = {p.pk for pages in corpus.values() for p in pages}
    assert not RelatedArticle.objects.filter(target=twin).exists()
    assert set(targets(twin)) <= {twin.pk} or not (set(targets(twin)) & english)
    assert RecommenderModel.objects.filter(is_active=True).count() == 2


def test_a_ten_megabyte_article_does_not_break_the_rebuild(corpus, article_index):
    category = corpus["running"][0].categories.first()
    huge = make_article(article_index, "Marathon log", "running pace " * 900_000, category)
    summary = rebuild_all()
    assert summary.documents == 9
    assert targets(huge, 2) and set(targets(huge, 2)) <= {p.pk for p in corpus["running"]}


def test_template_tag_without_a_saved_page_renders_nothing():
    template = Template("{% load recommender_tags %}{% related_articles page %}")
    assert template.render(Context({"page": None})).strip() == ""


def test_a_bulk_change_refreshes_nothing_per_page_and_retrains_once_after_commit(
    corpus, article_index, django_capture_on_commit_callbacks
):
    rebuild_all()
    category = corpus["running"][0].categories.first()
    with django_capture_on_commit_callbacks(execute=True):
        with deferred_refresh("bulk test"):
            new = make_article(article_index, "Marathon pace", "running marathon pace", category)
        assert not PendingRefresh.objects.exists()
        assert not RecommenderRun.objects.filter(trigger="bulk test").exists()  # not committed
    assert RecommenderRun.objects.filter(trigger="bulk test").count() == 1
    assert targets(new, 3)


def test_a_bulk_change_that_rolls_back_retrains_nothing(
    corpus, article_index, django_capture_on_commit_callbacks
):
    category = corpus["running"][0].categories.first()
    with (
        django_capture_on_commit_callbacks(execute=True),
        deferred_refresh("rolled back"),
        transaction.atomic(),
    ):
        make_article(article_index, "Marathon pace", "running marathon pace", category)
        transaction.set_rollback(True)
    assert not RecommenderRun.objects.filter(trigger="rolled back").exists()


def test_an_interrupted_bulk_change_leaves_its_pages_pending(
    corpus, article_index, django_capture_on_commit_callbacks
):
    category = corpus["running"][0].categories.first()
    pages = []
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(KeyboardInterrupt),
        deferred_refresh("interrupted"),
    ):
        pages.append(make_article(article_index, "Marathon pace", "running marathon", category))
        raise KeyboardInterrupt
    assert PendingRefresh.objects.filter(page_id=pages[0].pk).exists()
    assert not RecommenderRun.objects.filter(trigger="interrupted").exists()


def test_a_retrain_that_cannot_be_queued_leaves_the_pages_pending(
    corpus, article_index, django_capture_on_commit_callbacks, celery_dispatch
):
    category = corpus["running"][0].categories.first()
    with (
        celery_conf(broker_url="redis://127.0.0.1:1/0"),
        django_capture_on_commit_callbacks(execute=True),
        deferred_refresh("broker down"),
    ):
        new = make_article(article_index, "Marathon pace", "running marathon", category)
    assert PendingRefresh.objects.filter(page_id=new.pk).exists()
    assert not RecommenderRun.objects.filter(trigger="broker down").exists()
