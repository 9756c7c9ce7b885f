"""Browser fixtures: Debian's Chromium, driven by Playwright, against pytest-django's live server.

Chromium is launched by its executable path (CI installs it with ``apt-get install chromium``;
Playwright never downloads a browser here). Without it the tests skip locally and fail in CI.
"""

import os
import re
import shutil
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.cache import caches
from django.db import connections
from playwright.sync_api import expect, sync_playwright

from cms_site.demo.loader import load_demo_content
from recommender.retrain import rebuild_all
from tests.support.browser import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "var" / "test-screenshots"
AXE_SCRIPT = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Without these Chromium calls home (the network is closed here and in CI).
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEVICES = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "tablet": {"viewport": {"width": 820, "height": 1180}, "is_mobile": True, "has_touch": True},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
    "small-phone": {
        "viewport": {"width": 375, "height": 812},
        "is_mobile": True,
        "has_touch": True,
    },
}
# Requests that would leave this machine (the network is closed here and in CI) fail at once.
EXTERNAL = re.compile(r"^https?://(?!(localhost|127\.0\.0\.1)(:\d+)?/)")
RATE_CACHE = "browser-tests-comments"

expect.set_options(timeout=10_000)


def require(what: str, found: bool, hint: str) -> None:
    if found:
        return
    message = f"{what} is missing: {hint}"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message} (missing tools fail in CI)", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def chromium_executable():
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    require(
        "Chromium",
        os.access(path, os.X_OK),
        "install Debian's package (apt-get install chromium) or set CHROMIUM to its path",
    )
    return path


@pytest.fixture(scope="session")
def axe_script():
    require("axe-core", AXE_SCRIPT.is_file(), "run `npm ci` at the repository root")
    return AXE_SCRIPT


@pytest.fixture
def browser(chromium_executable, transactional_db):
    """Chromium for one test, started after the test database is set up and stopped before it
    is flushed and restored.

    While Playwright's sync API runs, its event loop counts as running in this thread: Django
    then refuses the ORM here unless DJANGO_ALLOW_ASYNC_UNSAFE is set, and hands out separate
    database connections (asgiref keys them by context once a loop runs). pytest-django's
    serialized rollback must run on the original connection, outside the loop, and the extra
    connections are closed before the loop stops (PostgreSQL cannot drop a database in use).
    """
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=chromium_executable, headless=True, args=CHROMIUM_ARGS
            )
            try:
                yield chromium
            finally:
                chromium.close()
                connections.close_all()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.browser_test_failed = report.failed
    return report


def screenshot_prefix(node) -> str:
    """One journey per module: ``reader-phone``, ``editor``, ..."""
    journey = node.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")
    callspec = getattr(node, "callspec", None)
    return f"{journey}-{callspec.id}" if callspec else journey


def wait_for_images(page) -> None:
    """Load lazy images too, so screenshots show the cards' pictures."""
    page.evaluate("() => document.querySelectorAll('img').forEach(i => { i.loading = 'eager'; })")
    page.wait_for_function("() => Array.from(document.images).every(i => i.complete)")


@pytest.fixture
def shoot(request):
    """shoot(page, step) saves var/test-screenshots/<test>-<nn>-<step>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    prefix = screenshot_prefix(request.node)
    for old in SCREENSHOTS.glob(f"{prefix}-*.png"):
        old.unlink()
    taken = []

    def shoot(page, step: str) -> Path:
        wait_for_images(page)
        path = SCREENSHOTS / f"{prefix}-{len(taken) + 1:02d}-{step}.png"
        page.screenshot(path=path, animations="disabled")
        taken.append(path)
        return path

    return shoot


@pytest.fixture
def open_page(browser, live_server, request):
    """open_page(device) gives a page in a fresh browser context (its own cookies)."""
    contexts = []

    def open_page(device: str = "desktop", **options):
        context = browser.new_context(
            base_url=live_server.url,
            locale="en-GB",
            timezone_id="UTC",
            reduced_motion="reduce",
            **DEVICES[device],
            **options,
        )
        context.set_default_timeout(10_000)
        context.set_default_navigation_timeout(20_000)
        context.route(EXTERNAL, lambda route: route.abort("internetdisconnected"))
        contexts.append(context)
        return context.new_page()

    yield open_page
    if getattr(request.node, "browser_test_failed", False):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        prefix = screenshot_prefix(request.node)
        for n, context in enumerate(contexts, start=1):
            for page in context.pages:
                page.screenshot(path=SCREENSHOTS / f"{prefix}-failure-{n}.png", full_page=True)
    for context in contexts:
        context.close()


@pytest.fixture(autouse=True)
def site_settings(settings):
    """Comment tasks run in the server right after the commit; rate limits count in a private
    cache (never clear the default cache: on CI it is the Redis shared with the Celery broker).
    The admin shows its built-in avatar instead of asking gravatar.com."""
    settings.WAGTAIL_GRAVATAR_PROVIDER_URL = None
    settings.COMMENTS_ENQUEUE = False
    settings.CACHES = {
        **settings.CACHES,
        RATE_CACHE: {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    }
    settings.COMMENTS_RATE_LIMIT_CACHE = RATE_CACHE
    caches[RATE_CACHE].clear()
    yield
    caches[RATE_CACHE].clear()


@pytest.fixture
def demo(chromium_executable, transactional_db):
    """The demo site (52 articles, admin/fitness-demo) with its related lists built."""
    report = load_demo_content()
    rebuild_all(trigger="browser-tests")
    return report


@pytest.fixture
def make_user(django_user_model):
    def make_user(username: str, group: str):
        user = django_user_model.objects.create_user(
            username, email=f"{username}@example.com", password=PASSWORD
        )
        user.groups.add(Group.objects.get(name=group))
        return user

    return make_user
