import logging
import uuid

import pytest
from django.test import Client

from cms_site.reader_comments.models import ArticleComment
from tests.support.comments import post_comment
from tests.support.proxies import proxy_count, through_proxies
from tests.support.site_settings import base_settings

pytestmark = pytest.mark.django_db
# The cache exactly as production configures it (django-redis, errors ignored), Redis down.
PRODUCTION_CACHE_REDIS_DOWN = base_settings(REDIS_URL="redis://127.0.0.1:1/0")["CACHES"]["default"]


def flood(article, count, **fields):
    client = Client(REMOTE_ADDR="198.51.100.20")
    return [
        post_comment(client, article, email=f"reader{n}@example.com", **fields).status_code
        for n in range(count)
    ]


def test_a_flood_from_one_address_is_stopped(article, comment_settings):
    comment_settings.ip_limit = 5
    comment_settings.save()
    statuses = flood(article, 12)
    assert statuses == [302] * 5 + [429] * 7
    assert ArticleComment.objects.count() == 5
    other = Client(REMOTE_ADDR="192.0.2.1")
    assert post_comment(other, article, email="other@example.com").status_code == 302


def assert_only_accepted_comments_count(article, comment_settings):
    comment_settings.ip_limit = 2
    comment_settings.email_limit = 1
    comment_settings.save()
    assert flood(article, 5, comment="") == [400] * 5
    client = Client(REMOTE_ADDR="198.51.100.20")
    assert post_comment(client, article, email="same@example.com").status_code == 302
    # refused by the email limit: the address's reservation is handed back
    assert post_comment(client, article, email="same@example.com").status_code == 429
    assert post_comment(client, article, email="other@example.com").status_code == 302
    assert post_comment(client, article, email="third@example.com").status_code == 429
    assert ArticleComment.objects.count() == 2


def test_only_accepted_comments_count(article, comment_settings):
    assert_only_accepted_comments_count(article, comment_settings)


def test_the_flood_message_is_clear(article, comment_settings):
    comment_settings.ip_limit = 1
    comment_settings.save()
    flood(article, 1)
    response = post_comment(Client(REMOTE_ADDR="198.51.100.20"), article)
    assert response.status_code == 429
    assert "You are posting comments too quickly" in response.content.decode()


def test_one_email_is_limited_across_addresses(article, comment_settings):
    comment_settings.email_limit = 2
    comment_settings.save()
    statuses = [
        post_comment(Client(REMOTE_ADDR=f"192.0.2.{n}"), article).status_code for n in range(1, 5)
    ]
    assert statuses == [302, 302, 429, 429]


def test_ipv6_neighbours_share_a_limit(article, comment_settings):
    comment_settings.ip_limit = 2
    comment_settings.save()
    statuses = [
        post_comment(
            Client(REMOTE_ADDR=f"2001:db8:5:6::{n}"), article, email=f"v6-{n}@example.com"
        ).status_code
        for n in range(1, 4)
    ]
    assert statuses == [302, 302, 429]


@pytest.mark.parametrize("proxies", [0, 1, 2])
def test_each_client_behind_the_trusted_proxies_has_its_own_limit(
    proxies, redis_url, article, comment_settings, settings
):
    """Production cache and TRUSTED_PROXY_COUNT as the environment sets them; spoofed leading
    X-Forwarded-For entries neither share nor escape a client's bucket."""
    settings.TRUSTED_PROXY_COUNT = proxy_count(str(proxies))
    production_cache = base_settings(REDIS_URL=redis_url)["CACHES"]["default"]
    prefix = f"comments-test-{uuid.uuid4().hex}"
    settings.CACHES = {**settings.CACHES, "ratelimit": {**production_cache, "KEY_PREFIX": prefix}}
    settings.COMMENTS_RATE_LIMIT_CACHE = "ratelimit"
    comment_settings.ip_limit = 1
    comment_settings.save()

    def post(client_ip, spoofed, email):
        client = Client(**through_proxies(client_ip, proxies, spoofed))
        return post_comment(client, article, email=email).status_code

    assert post("203.0.113.10", ["8.8.8.8"], "a@example.com") == 302
    assert post("203.0.113.20", ["8.8.8.8"], "b@example.com") == 302
    assert post("203.0.113.10", ["9.9.9.9", "203.0.113.30"], "c@example.com") == 429
    assert ArticleComment.objects.count() == 2


def test_with_redis_down_comments_are_stored_and_the_outage_logged(
    article, comment_settings, settings, caplog
):
    assert PRODUCTION_CACHE_REDIS_DOWN["BACKEND"] == "django_redis.cache.RedisCache"
    settings.CACHES = {**settings.CACHES, "default": PRODUCTION_CACHE_REDIS_DOWN}
    settings.COMMENTS_RATE_LIMIT_CACHE = "default"
    comment_settings.ip_limit = 1
    comment_settings.save()
    with caplog.at_level(logging.WARNING, logger="cms_site.reader_comments.ratelimit"):
        statuses = flood(article, 3)
    assert statuses == [302, 302, 302]
    assert ArticleComment.objects.count() == 3
    assert "cache unreachable" in caplog.text


def test_the_limit_holds_on_redis(redis_url, article, comment_settings, settings):
    settings.CACHES = {
        **settings.CACHES,
        "ratelimit": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": f"comments-test-{uuid.uuid4().hex}",
        },
    }
    settings.COMMENTS_RATE_LIMIT_CACHE = "ratelimit"
    comment_settings.ip_limit = 3
    comment_settings.save()
    assert flood(article, 5) == [302, 302, 302, 429, 429]


@pytest.fixture
def production_cache_on_redis(redis_url, settings):
    """The cache exactly as base.py configures it from REDIS_URL, in a key space of its own."""
    cache = base_settings(REDIS_URL=redis_url)["CACHES"]["default"]
    assert cache["BACKEND"] == "django_redis.cache.RedisCache"
    assert cache["OPTIONS"]["IGNORE_EXCEPTIONS"] is True
    settings.CACHES = {
        **settings.CACHES,
        "ratelimit": {**cache, "KEY_PREFIX": f"comments-test-{uuid.uuid4().hex}"},
    }
    settings.COMMENTS_RATE_LIMIT_CACHE = "ratelimit"


def test_typos_do_not_lock_a_reader_out_on_the_production_cache(
    production_cache_on_redis, article, comment_settings
):
    comment_settings.ip_limit = 3
    comment_settings.save()
    assert flood(article, 10, website="javascript:alert(1)") == [400] * 10
    assert flood(article, 1) == [302]
    assert flood(article, 4) == [302, 302, 429, 429]
    assert ArticleComment.objects.count() == 3


def test_refusals_are_handed_back_on_the_production_cache(
    production_cache_on_redis, article, comment_settings
):
    assert_only_accepted_comments_count(article, comment_settings)
