"""Where a post comes from, kept only as keyed hashes, and how often it may post."""

from __future__ import annotations

import ipaddress
import logging
from dataclasses import dataclass

from django.core.cache import caches
from django.http import HttpRequest
from django.utils.crypto import salted_hmac

from cms_site.proxies import client_address

from . import conf

logger = logging.getLogger(__name__)
STORED_PREFIX = {4: 24, 6: 48}
LIMITED_PREFIX = {4: 32, 6: 64}


def keyed_hash(purpose: str, value: str) -> str:
    """HMAC keyed by SECRET_KEY: stable for this site, useless without the key."""
    return salted_hmac(f"reader_comments.{purpose}", value, algorithm="sha256").hexdigest()[:32]


def network(address: str, prefixes: dict[int, int]) -> str:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return "unknown"
    return str(ipaddress.ip_network(f"{ip}/{prefixes[ip.version]}", strict=False))


@dataclass(frozen=True)
class Client:
    """Hashes only: the stored one covers a /24 or /48, the limited one the address or /64."""

    stored_hash: str
    limit_key: str

    @classmethod
    def from_request(cls, request: HttpRequest) -> Client:
        address = client_address(request)
        return cls(
            stored_hash=keyed_hash("ip", network(address, STORED_PREFIX)),
            limit_key=keyed_hash("ip-limit", network(address, LIMITED_PREFIX)),
        )


def allow(scope: str, key: str, limit: int, window_seconds: int) -> bool:
    """Count one hit in a fixed window; fail open (and log) when the cache is unreachable."""
    cache = caches[conf.get("COMMENTS_RATE_LIMIT_CACHE")]
    cache_key = f"reader_comments:rate:{scope}:{key}"
    try:
        cache.add(cache_key, 0, timeout=window_seconds)
        try:
            count = cache.incr(cache_key)
        except ValueError:  # expired between add and incr
            cache.set(cache_key, 1, timeout=window_seconds)
            count = 1
    except Exception:  # any cache outage must not block readers
        logger.warning("Comment rate limit skipped: cache unreachable", exc_info=True)
        return True
    if count is None:  # django-redis with IGNORE_EXCEPTIONS answers None instead of raising
        logger.warning("Comment rate limit skipped: cache unreachable")
        return True
    return count <= limit


def allow_client(client: Client, limit: int, window_seconds: int) -> bool:
    return allow("ip", client.limit_key, limit, window_seconds)


def allow_email(email: str, limit: int, window_seconds: int) -> bool:
    return allow("email", keyed_hash("email-limit", email.casefold()), limit, window_seconds)
