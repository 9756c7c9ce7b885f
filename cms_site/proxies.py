"""The client's address behind TRUSTED_PROXY_COUNT reverse proxies: one rule for the whole site.

Each proxy appends the address it received the request from to X-Forwarded-For, and the nearest
proxy is the socket peer (REMOTE_ADDR). So in "X-Forwarded-For, REMOTE_ADDR" the client is the
entry TRUSTED_PROXY_COUNT places from the end; whatever stands before it was written by the
client and is ignored. A request with fewer entries did not come through every proxy: it is
counted under REMOTE_ADDR, never under an address it chose itself.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest
from python_ipware import IpWare

FORWARDED_FOR = "HTTP_X_FORWARDED_FOR"


def is_address(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def client_address(request: HttpRequest) -> str:
    """The client's IP address as text, or "" when none is known."""
    peer = request.META.get("REMOTE_ADDR", "")
    peer = peer if is_address(peer) else ""
    proxies = settings.TRUSTED_PROXY_COUNT
    if not proxies:
        return peer
    if not peer:  # a Unix socket: the nearest proxy has no address but is still a hop
        proxies -= 1
    chain = f"{request.META.get(FORWARDED_FOR, '')}, {peer}"
    ipware = IpWare(precedence=(FORWARDED_FOR,), proxy_count=proxies)
    address, _trusted_route = ipware.get_client_ip({FORWARDED_FOR: chain})
    return str(address) if address else peer
