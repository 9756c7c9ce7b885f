"""An administrator who keeps mistyping their password is told why signing in stops, and for
how long; the right password does not get through until the cool-off ends."""

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from tests.support.browser import PASSWORD, submit_sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_repeated_wrong_passwords_pause_signing_in_with_a_clear_page(open_page, shoot):
    get_user_model().objects.create_superuser("chief", "chief@example.com", PASSWORD)
    page = open_page("phone")
    page.goto("/admin/login/")
    for attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        submit_sign_in(page, "chief", f"wrong-{attempt}")
        expect(page.get_by_role("status")).to_contain_text("didn't match")
    submit_sign_in(page, "chief", "wrong-again")
    expect(page.get_by_role("heading", name="Too many sign-in attempts")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("Try again in 15 minutes.")
    shoot(page, "locked")
    with page.expect_navigation():
        page.get_by_role("link", name="Back to sign in").click()
    submit_sign_in(page, "chief", PASSWORD)
    expect(page.get_by_role("heading", name="Too many sign-in attempts")).to_be_visible()
