"""The admin sign-in brute-force limit (django-axes) as cms_site/settings/base.py configures it."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.test import Client

from tests.support.proxies import proxy_count, through_proxies
from tests.support.site_settings import base_settings

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"
ATTACKER = "203.0.113.66"
COLLEAGUE = "198.51.100.7"


@pytest.fixture
def admin(django_user_model):
    return django_user_model.objects.create_superuser("admin", "admin@example.com", PASSWORD)


def sign_in(client, password, username="admin"):
    return client.post("/admin/login/", {"username": username, "password": password})


def signed_in(client):
    return client.get("/admin/").status_code == 200


def guess_until_locked(client):
    return [sign_in(client, f"guess-{n}").status_code for n in range(settings.AXES_FAILURE_LIMIT)]


def test_every_environment_runs_the_limit_configured_in_base_settings():
    base = base_settings()
    names = ["AXES_FAILURE_LIMIT", "AXES_COOLOFF_TIME", "AXES_LOCKOUT_PARAMETERS", "MIDDLEWARE"]
    assert {name: getattr(settings, name) for name in names} == {name: base[name] for name in names}
    assert base["AXES_FAILURE_LIMIT"] == 5
    assert base["AXES_COOLOFF_TIME"].total_seconds() == 15 * 60
    assert base["AXES_LOCKOUT_PARAMETERS"] == [["username", "ip_address"]]
    assert base["AXES_CLIENT_IP_CALLABLE"] == "cms_site.proxies.client_address"


def test_the_limit_and_cool_off_come_from_the_environment():
    base = base_settings(LOGIN_FAILURE_LIMIT="10", LOGIN_COOLOFF_MINUTES="60")
    assert base["AXES_FAILURE_LIMIT"] == 10
    assert base["AXES_COOLOFF_TIME"].total_seconds() == 3600
    for variable in ("LOGIN_FAILURE_LIMIT", "LOGIN_COOLOFF_MINUTES"):
        with pytest.raises(ImproperlyConfigured, match="must be 1 or more"):
            base_settings(**{variable: "0"})


def test_wrong_passwords_lock_that_username_from_that_address(admin):
    attacker = Client(REMOTE_ADDR=ATTACKER)
    assert guess_until_locked(attacker) == [200] * 4 + [429]
    response = sign_in(attacker, PASSWORD)
    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many sign-in attempts" in page
    assert "paused after 5 wrong passwords. Try again in 15 minutes." in page
    assert not signed_in(attacker)


def test_the_lock_holds_neither_other_addresses_nor_other_users(admin, django_user_model):
    guess_until_locked(Client(REMOTE_ADDR=ATTACKER))
    elsewhere = Client(REMOTE_ADDR=COLLEAGUE)
    assert sign_in(elsewhere, PASSWORD).status_code == 302
    assert signed_in(elsewhere)
    django_user_model.objects.create_superuser("editor", "editor@example.com", PASSWORD)
    same_address = Client(REMOTE_ADDR=ATTACKER)
    assert sign_in(same_address, PASSWORD, username="editor").status_code == 302


def test_the_lock_ends_after_the_cool_off(admin):
    attacker = Client(REMOTE_ADDR=ATTACKER)
    guess_until_locked(attacker)
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=16)
    )
    assert sign_in(attacker, PASSWORD).status_code == 302
    assert signed_in(attacker)


def test_an_administrator_can_lift_the_lock(admin):
    attacker = Client(REMOTE_ADDR=ATTACKER)
    guess_until_locked(attacker)
    call_command("axes_reset_username", "admin")
    assert sign_in(attacker, PASSWORD).status_code == 302


def test_behind_a_proxy_the_lock_follows_the_client_address(admin, settings):
    settings.TRUSTED_PROXY_COUNT = proxy_count("1")
    statuses = [
        sign_in(Client(**through_proxies(ATTACKER, 1, [f"192.0.2.{n}"])), "guess").status_code
        for n in range(settings.AXES_FAILURE_LIMIT)
    ]
    assert statuses == [200] * 4 + [429]
    assert AccessAttempt.objects.get().ip_address == ATTACKER
    colleague = Client(**through_proxies(COLLEAGUE, 1, [ATTACKER]))
    assert sign_in(colleague, PASSWORD).status_code == 302
    assert sign_in(Client(**through_proxies(ATTACKER, 1, [])), PASSWORD).status_code == 429
