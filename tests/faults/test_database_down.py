"""PostgreSQL unreachable while a reader posts: a 503 that keeps the text, nothing half-saved.

Needs the site on PostgreSQL (the CI's PostgreSQL leg; locally DATABASE_URL=postgres://...):
a gunicorn process with the production settings reaches the test database through a TCP proxy
that the test cuts.
"""

import html
import re
import uuid
from urllib.parse import urlsplit

import pytest
from django.db import connection

from cms_site.reader_comments.models import ArticleComment, Commenter
from tests.support.comments import VALID, post_url
from tests.support.production import production_environment, site_server
from tests.support.tcp_proxy import TcpProxy
from tests.support.workers import database_url

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
HIDDEN = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)">')
TEXTAREA = re.compile(r'<textarea id="id_comment" name="comment"[^>]*>(.*?)</textarea>', re.S)


@pytest.fixture
def postgres_proxy(db):
    if connection.vendor != "postgresql":
        pytest.skip("needs the site on PostgreSQL (DATABASE_URL=postgres://...)")
    db_settings = connection.settings_dict
    proxy = TcpProxy(db_settings["HOST"] or "127.0.0.1", int(db_settings["PORT"] or 5432))
    yield proxy
    proxy.cut()


def through(proxy: TcpProxy) -> str:
    """The test database's URL via the proxy; no TLS, so the proxy can see the statements."""
    url = urlsplit(database_url())
    netloc = f"{url.netloc.rsplit('@', 1)[0]}@" if "@" in url.netloc else ""
    return url._replace(netloc=f"{netloc}127.0.0.1:{proxy.port}", query="sslmode=disable").geturl()


def form_on(page: str) -> dict:
    """What the 503 page's "Post Comment again" button sends."""
    return {**dict(HIDDEN.findall(page)), "comment": html.unescape(TEXTAREA.search(page)[1])}


def test_posting_while_postgresql_is_unreachable_answers_503_and_keeps_the_text(
    article, comment_settings, postgres_proxy, redis_url
):
    run = uuid.uuid4().hex[:8]
    text = f"Does the 90/90 stretch help with hip pain? ({run})"
    environment = production_environment(redis_url, DATABASE_URL=through(postgres_proxy))
    with site_server("faults-database-down", environment) as site:
        reader = site.browser()

        def post(email):
            data = {**VALID, "email": email, "comment": text, "notify": "on"}
            return reader.post(
                post_url(article), {**data, "csrfmiddlewaretoken": reader.csrf_token()}
            )

        assert post(f"first-{run}@example.com").status_code == 302

        postgres_proxy.drop_on(b'INSERT INTO "reader_comments_articlecomment"')
        half_way = post(f"half-{run}@example.com")  # the commenter row was already written
        assert half_way.status_code == 503
        assert not Commenter.objects.filter(email=f"half-{run}@example.com").exists()

        postgres_proxy.cut()
        down = post(f"later-{run}@example.com")
        for response in (half_way, down):
            assert response.status_code == 503 and response.headers["Retry-After"] == "30"
            assert "We could not save your comment" in response.text
            assert form_on(response.text)["comment"] == text
        elsewhere = reader.get(f"/search/?query=hip+{run}")
        assert elsewhere.status_code == 503
        assert "cannot reach its database" in elsewhere.text

        postgres_proxy.restore()
        again = reader.post(post_url(article), form_on(down.text))  # "Post Comment again"
        assert again.status_code == 302
        log = site.log_text()
    assert " 500 " not in log
    saved = ArticleComment.objects.filter(body=text).order_by("pk")
    assert [c.commenter.email for c in saved] == [
        f"first-{run}@example.com",
        f"later-{run}@example.com",
    ]
    assert saved[1].notify is True and saved[1].author_name == VALID["name"]
