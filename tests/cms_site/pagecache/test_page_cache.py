"""The page cache: anonymous readers share pages, every change purges exactly what it touches.

The cache is the one settings configure: Redis with production's options when REDIS_URL is set
(always under `make test` and CI), the demo's file cache otherwise.
"""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.cache import caches
from django.test import Client
from wagtail.models import PageViewRestriction

from cms_site.pagecache import store
from cms_site.pagecache.middleware import HEADER
from cms_site.reader_comments import moderation, privacy
from cms_site.reader_comments.models import ArticleComment, CommentSettings
from recommender.models import RecommenderSettings, RelatedArticle
from recommender.retrain import rebuild_all
from tests.support.comments import LOCMEM, RATE_CACHE, VALID, make_comment, post_comment
from tests.support.factories import (
    ArticleIndexPageFactory,
    ArticlePageFactory,
    CategoryFactory,
    make_article,
)
from tests.support.related import shown_lists

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_rate_limits(settings):
    """Rate limits count in an empty cache of their own, as in the comment tests."""
    settings.COMMENTS_ENQUEUE = False
    settings.CACHES = {**settings.CACHES, RATE_CACHE: {"BACKEND": LOCMEM}}
    settings.COMMENTS_RATE_LIMIT_CACHE = RATE_CACHE
    caches[RATE_CACHE].clear()


def read(client, url):
    """An anonymous reader's view of ``url`` once the cache has seen it (miss, then hit)."""
    client.get(url)
    client.get(url)
    response = client.get(url)
    return response, response.content.decode()


def test_anonymous_readers_share_one_rendering(client, article_index):
    article = ArticlePageFactory(parent=article_index, title="Band pull-aparts")
    first, second, third = (client.get(article.url) for _ in range(3))
    assert first[HEADER] == "miss" and third[HEADER] == "hit"
    assert third.content == second.content
    assert b"Band pull-aparts" in third.content
    assert not third.cookies


def test_the_production_store_is_redis_with_outages_ignored(settings):
    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set: the demo's file cache is in use")
    config = settings.CACHES[settings.PAGE_CACHE_ALIAS]
    assert config["BACKEND"] == "django_redis.cache.RedisCache"
    assert config["OPTIONS"]["IGNORE_EXCEPTIONS"] is True


def test_a_cache_outage_serves_pages_uncached(client, article_index, settings):
    broken = {
        **settings.CACHES[settings.PAGE_CACHE_ALIAS],
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.2},
    }
    settings.CACHES = {**settings.CACHES, "down": broken}
    settings.PAGE_CACHE_ALIAS = "down"
    settings.DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = False
    article = ArticlePageFactory(parent=article_index)
    response, html = read(client, article.url)
    assert response.status_code == 200 and response[HEADER] == "miss"


def test_zero_seconds_turns_the_cache_off(client, article_index, settings):
    settings.PAGE_CACHE_SECONDS = 0
    article = ArticlePageFactory(parent=article_index)
    response, _ = read(client, article.url)
    assert HEADER not in response


def test_editors_are_never_served_or_stored(client, admin_user, article_index):
    article = ArticlePageFactory(parent=article_index)
    editor = Client()
    editor.force_login(admin_user)
    response, html = read(editor, article.url)
    assert response[HEADER] == "bypass"
    assert "wagtail-userbar" in html
    response, html = read(client, article.url)
    assert response[HEADER] == "hit" and "wagtail-userbar" not in html


def test_the_cached_form_carries_no_token_and_asks_for_one(client, article_index):
    article = ArticlePageFactory(parent=article_index)
    response, html = read(client, article.url)
    assert response[HEADER] == "hit"
    assert '<input type="hidden" name="csrfmiddlewaretoken" value="">' in html
    assert 'data-token-url="/comments/form-token/"' in html
    token = client.get("/comments/form-token/")
    assert "no-cache" in token["Cache-Control"] and token.json()["token"]
    assert token.cookies["csrftoken"].value


def test_a_post_without_a_token_keeps_the_comment_and_asks_again(article_index):
    article = ArticlePageFactory(parent=article_index)
    browser = Client(enforce_csrf_checks=True)
    refused = browser.post(f"/comments/post/{article.pk}/", VALID)
    assert refused.status_code == 403
    html = refused.content.decode()
    assert "has not been posted yet" in html and VALID["comment"] in html
    assert not ArticleComment.objects.exists()
    token = refused.cookies["csrftoken"].value
    data = {**VALID, "csrfmiddlewaretoken": html.split('name="csrfmiddlewaretoken" value="')[1]}
    data["csrfmiddlewaretoken"] = data["csrfmiddlewaretoken"].split('"')[0]
    assert token
    posted = browser.post(f"/comments/post/{article.pk}/", data)
    assert posted.status_code == 302 and ArticleComment.objects.count() == 1


def test_a_commenters_own_pending_comment_is_shown_only_to_them(client, article_index):
    article = ArticlePageFactory(parent=article_index)
    read(client, article.url)
    commenter = Client()
    post_comment(commenter, article, comment="Does this work for a stiff neck too?")
    mine = commenter.get(article.url)
    assert mine[HEADER] == "bypass"
    assert "Does this work for a stiff neck too?" in mine.content.decode()
    response, html = read(client, article.url)
    assert response[HEADER] == "hit" and "stiff neck" not in html


@pytest.fixture
def after_commit(django_capture_on_commit_callbacks):
    def run(change, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return change(*args, **kwargs)

    return run


def test_publishing_purges_the_article_its_index_and_home(
    client, home, article_index, after_commit
):
    article = ArticlePageFactory(parent=article_index, title="Old title")
    for url in (article.url, article_index.url, home.url):
        assert "Old title" in read(client, url)[1]
    article.title = "Wall angels for posture"
    after_commit(article.save_revision().publish)
    for url in (article.url, article_index.url, home.url):
        response = client.get(url)
        assert response[HEADER] == "miss", url
        assert "Wall angels for posture" in response.content.decode(), url


def test_a_purge_leaves_other_pages_cached(client, home, article_index, after_commit):
    one = ArticlePageFactory(parent=article_index)
    other = ArticleIndexPageFactory(parent=home, title="Recipes", slug="recipes")
    read(client, one.url), read(client, other.url)
    one.title = "Changed"
    after_commit(one.save_revision().publish)
    assert client.get(other.url)[HEADER] == "hit"
    assert client.get(one.url)[HEADER] == "miss"


def test_unpublishing_and_deleting_take_the_page_away(client, article_index, after_commit):
    gone, deleted = ArticlePageFactory.create_batch(2, parent=article_index)
    read(client, gone.url), read(client, deleted.url)
    after_commit(gone.unpublish)
    url = deleted.url
    after_commit(deleted.delete)
    assert client.get(gone.url).status_code == 404
    assert client.get(url).status_code == 404


def test_moving_a_page_purges_its_old_address(client, home, article_index, after_commit):
    training = ArticleIndexPageFactory(parent=home, title="Training", slug="training")
    article = ArticlePageFactory(parent=article_index, slug="face-pulls")
    old_url = article.url
    read(client, old_url), read(client, training.url)
    after_commit(article.move, training, pos="last-child")
    moved = client.get(old_url)
    assert moved.status_code == 301 and moved["Location"] == "/training/face-pulls/"
    assert client.get("/training/face-pulls/").status_code == 200
    assert "/training/face-pulls/" in client.get(training.url).content.decode()


def test_a_page_made_private_leaves_the_cache(client, article_index, after_commit):
    article = ArticlePageFactory(parent=article_index, title="Members-only plan")
    read(client, article.url)
    after_commit(
        PageViewRestriction.objects.create,
        page=article,
        restriction_type=PageViewRestriction.PASSWORD,
        password="s3cret",
    )
    response, html = read(client, article.url)
    assert "Members-only plan</h1>" not in html
    assert response.get(HEADER) != "hit"


def test_comment_decisions_and_erasure_purge_the_thread(
    client, admin_user, article_index, after_commit
):
    article = ArticlePageFactory(parent=article_index)
    comment = make_comment(article, status=ArticleComment.Status.PENDING, body="Great cues here.")
    assert "Great cues here." not in read(client, article.url)[1]
    after_commit(moderation.moderate_ids, [comment.pk], "approve", admin_user)
    assert "Great cues here." in client.get(article.url).content.decode()
    read(client, article.url)
    after_commit(moderation.moderate_ids, [comment.pk], "reject", admin_user)
    assert "Great cues here." not in client.get(article.url).content.decode()
    make_comment(article, email="erase@example.com", body="Please forget me.")
    after_commit(lambda: None)
    store.purge_pages([article.pk])
    assert "Please forget me." in read(client, article.url)[1]
    after_commit(privacy.erase_commenter, "erase@example.com")
    assert "Please forget me." not in client.get(article.url).content.decode()


def test_settings_and_taxonomy_changes_purge_every_page(client, home, article_index, after_commit):
    category = CategoryFactory(name="Mobility")
    article = make_article(article_index, "Hip circles", "hips mobility circles", category)
    read(client, article.url), read(client, home.url)
    settings = CommentSettings.for_site(home.get_site())
    settings.enabled = False
    after_commit(settings.save)
    assert "Comments are closed" in client.get(article.url).content.decode()
    category.name = "Joint care"
    after_commit(category.save)
    assert "Joint care" in client.get(home.url).content.decode()


def test_a_related_list_change_purges_exactly_the_pages_that_list_it(
    client, corpus, article_index, after_commit
):
    rebuild_all()
    store.purge_site()
    pages = [page for group in corpus.values() for page in group]
    for page in pages:
        read(client, page.url)
    before = shown_lists(pages)
    new = after_commit(
        make_article,
        article_index,
        "Foam roller routine for the thoracic spine",
        "thoracic spine upper back foam roller extension mobility posture",
        corpus["upper-back"][0].categories.first(),
        author=pages[0].author,  # a new author is a snippet change: it purges every page
    )
    after = shown_lists(pages)
    changed = {page.pk for page in pages if before[page.pk] != after[page.pk]}
    assert changed, "the new article should enter some lists"
    for page in pages:
        response = client.get(page.url)
        expected = "miss" if page.pk in changed else "hit"
        assert response[HEADER] == expected, page.title
        shows_new = "Foam roller routine" in response.content.decode()
        assert shows_new == RelatedArticle.objects.filter(source=page, target=new).exists()


class PurgeRecorder(BaseHTTPRequestHandler):
    """A stand-in CDN edge on loopback: Wagtail's HTTP backend sends it PURGE requests."""

    purged: list[str] = []

    def do_PURGE(self):  # noqa: N802 - the HTTP method's name
        self.purged.append(self.path)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def cdn(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), PurgeRecorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.WAGTAILFRONTENDCACHE = {
        "edge": {
            "BACKEND": "wagtail.contrib.frontend_cache.backends.HTTPBackend",
            "LOCATION": f"http://127.0.0.1:{server.server_address[1]}",
        }
    }
    PurgeRecorder.purged = []
    yield PurgeRecorder.purged
    server.shutdown()


def test_a_configured_cdn_is_told_what_to_purge(client, home, article_index, cdn, after_commit):
    article = ArticlePageFactory(parent=article_index, slug="dead-bugs")
    response, _ = read(client, article.url)
    assert "s-maxage=300" in response["Cache-Control"]
    cdn.clear()
    article.title = "Dead bugs, slowly"
    after_commit(article.save_revision().publish)
    assert {"/articles/dead-bugs/", "/articles/", "/"} <= set(cdn)
    cdn.clear()
    url = article.url
    after_commit(article.delete)
    assert url in cdn


def test_a_reader_with_a_pending_message_gets_a_fresh_page(client, article_index):
    article = ArticlePageFactory(parent=article_index)
    read(client, article.url)
    client.cookies["messages"] = "a-signed-message"
    assert client.get(article.url)[HEADER] != "hit"


def test_a_settings_row_created_with_its_defaults_purges_nothing(
    client, home, article_index, after_commit
):
    article = ArticlePageFactory(parent=article_index)
    read(client, article.url)
    RecommenderSettings.objects.filter(site=home.get_site()).delete()
    after_commit(RecommenderSettings.for_site, home.get_site())
    assert RecommenderSettings.objects.filter(site=home.get_site()).exists()
    assert client.get(article.url)[HEADER] == "hit"
