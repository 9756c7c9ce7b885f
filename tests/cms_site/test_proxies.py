import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import RequestFactory

from cms_site.proxies import client_address
from tests.cms_site.test_settings import LONG_SECRET, ROOT
from tests.support.proxies import PROXIES, proxy_count, through_proxies
from tests.support.site_settings import base_settings

CLIENT = "203.0.113.7"
SPOOFED = ["8.8.8.8", "1.1.1.1"]


def address(**meta):
    return client_address(RequestFactory().get("/", **meta))


def test_no_proxy_is_trusted_unless_configured():
    assert base_settings()["TRUSTED_PROXY_COUNT"] == 0
    assert proxy_count("") == 0


@pytest.mark.parametrize("value", ["two", "1.5", "-1"])
def test_a_bad_proxy_count_stops_the_site_with_a_clear_error(value):
    with pytest.raises(ImproperlyConfigured, match="TRUSTED_PROXY_COUNT must be"):
        proxy_count(value)


@pytest.mark.parametrize("proxies", [0, 1, 2])
def test_the_client_is_found_behind_the_configured_proxies_whatever_it_spoofs(settings, proxies):
    settings.TRUSTED_PROXY_COUNT = proxy_count(str(proxies))
    assert address(**through_proxies(CLIENT, proxies, SPOOFED)) == CLIENT
    assert address(**through_proxies(CLIENT, proxies, [])) == CLIENT


def test_without_trusted_proxies_the_header_is_never_read(settings):
    settings.TRUSTED_PROXY_COUNT = proxy_count("0")
    assert address(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=CLIENT) == "10.0.0.1"


def test_a_request_that_skipped_a_proxy_is_counted_under_the_peer(settings):
    """Fewer entries than proxies: no entry is trusted, the nearest peer's address is used."""
    settings.TRUSTED_PROXY_COUNT = proxy_count("2")
    assert address(REMOTE_ADDR=PROXIES[1], HTTP_X_FORWARDED_FOR=CLIENT) == PROXIES[1]
    assert address(REMOTE_ADDR=CLIENT) == CLIENT


def test_a_proxy_on_a_unix_socket_still_counts_as_a_hop(settings):
    settings.TRUSTED_PROXY_COUNT = proxy_count("1")
    assert address(REMOTE_ADDR="", HTTP_X_FORWARDED_FOR=f"8.8.8.8, {CLIENT}") == CLIENT
    assert address(REMOTE_ADDR="unix:/run/site.sock", HTTP_X_FORWARDED_FOR=CLIENT) == CLIENT


def test_no_known_address_is_empty_never_made_up(settings):
    settings.TRUSTED_PROXY_COUNT = proxy_count("0")
    assert address(REMOTE_ADDR="unix:/run/site.sock", HTTP_X_FORWARDED_FOR=CLIENT) == ""
    settings.TRUSTED_PROXY_COUNT = proxy_count("1")
    assert address(REMOTE_ADDR="", HTTP_X_FORWARDED_FOR="not-an-address") == ""


def test_the_removed_header_setting_fails_the_system_check(settings):
    environment = base_settings(COMMENTS_CLIENT_IP_HEADER="HTTP_X_FORWARDED_FOR")
    settings.COMMENTS_CLIENT_IP_HEADER = environment["COMMENTS_CLIENT_IP_HEADER"]
    with pytest.raises(SystemCheckError, match="reader_comments.E001.*TRUSTED_PROXY_COUNT"):
        call_command("check")


def test_production_refuses_to_start_with_the_removed_header_setting():
    environment = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    environment.update(
        DJANGO_SETTINGS_MODULE="cms_site.settings.production",
        SECRET_KEY=LONG_SECRET,
        ALLOWED_HOSTS="fitness.example",
        COMMENTS_CLIENT_IP_HEADER="HTTP_X_FORWARDED_FOR",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=environment, capture_output=True
    )
    assert result.returncode != 0
    assert b"COMMENTS_CLIENT_IP_HEADER has been removed" in result.stderr
