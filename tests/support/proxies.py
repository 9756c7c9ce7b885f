"""Requests as they reach the site through reverse proxies, and the proxy count as the
environment sets it."""

from tests.support.site_settings import base_settings

PROXIES = ["10.0.0.1", "10.0.0.2", "10.0.0.3"]


def through_proxies(client_ip: str, proxies: int, spoofed: list[str]) -> dict[str, str]:
    """The META of a request from ``client_ip`` after ``proxies`` reverse proxies, each appending
    the address it received the request from to X-Forwarded-For (the nearest one is the socket
    peer); ``spoofed`` are the entries the client itself sent in the header."""
    hops = [client_ip, *PROXIES[:proxies]]
    forwarded = [*spoofed, *hops[:-1]]
    meta = {"REMOTE_ADDR": hops[-1]}
    if forwarded:
        meta["HTTP_X_FORWARDED_FOR"] = ", ".join(forwarded)
    return meta


def proxy_count(value: str) -> int:
    """TRUSTED_PROXY_COUNT as cms_site/settings/base.py reads it from the environment."""
    return base_settings(TRUSTED_PROXY_COUNT=value)["TRUSTED_PROXY_COUNT"]
