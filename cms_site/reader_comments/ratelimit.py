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


def cache_key(scope: str, key: str) -> str:
    return f"reader_comments:rate:{scope}:{key}"


def take(scope: str, key: str, limit: int, window_seconds: int) -> bool:
    """Reserve one post in a fixed window, atomically; a refused post is handed straight back.
    Fails open (and logs) when the cache is unreachable."""
    cache = caches[conf.get("COMMENTS_RATE_LIMIT_CACHE")]
    name = cache_key(scope, key)
    try:
        cache.add(name, 0, timeout=window_seconds)
        try:
            count = cache.incr(name)
        except ValueError:  # expired between add and incr
            cache.set(name, 1, timeout=window_seconds)
            count = 1
    except Exception:  # any cache outage must not block readers
        logger.warning("Comment rate limit skipped: cache unreachable", exc_info=True)
        return True
    if count is None:  # django-redis with IGNORE_EXCEPTIONS answers None instead of raising
        logger.warning("Comment rate limit skipped: cache unreachable")
        return True
    if count > limit:
        give_back(scope, key)
        return False
    return True


def give_back(scope: str, key: str) -> None:
    """Return a reserved post that was not stored, so that only accepted comments count."""
    try:
        caches[conf.get("COMMENTS_RATE_LIMIT_CACHE")].decr(cache_key(scope, key))
    except ValueError:  # the window ended meanwhile: nothing left to return
        pass
    except Exception:
        logger.warning("Comment rate limit not handed back: cache unreachable", exc_info=True)


@dataclass(frozen=True)
class Reservation:
    """The posts one comment reserved; handed back if the comment is refused or not stored."""

    taken: tuple[tuple[str, str], ...]

    def release(self) -> None:
        for scope, key in self.taken:
            give_back(scope, key)


def reserve(
    client: Client, email: str, ip_limit: int, email_limit: int, window_seconds: int
) -> Reservation | None:
    """One post for the address and the email, or None (nothing kept) when either is used up."""
    wanted = [
        ("ip", client.limit_key, ip_limit),
        ("email", keyed_hash("email-limit", email.casefold()), email_limit),
    ]
    taken = []
    for scope, key, limit in wanted:
        if not take(scope, key, limit, window_seconds):
            Reservation(tuple(taken)).release()
            return None
        taken.append((scope, key))
    return Reservation(tuple(taken))
