"""An editor publishes an article and steers the guide's suggestions; a real worker applies it."""

import re

import pytest
from playwright.sync_api import expect

from cms_site.articles.models import ArticleIndexPage, ArticlePage
from recommender.models import RelatedArticle
from tests.support.browser import (
    admin_message,
    choose_page,
    guide,
    log_in,
    publish,
    related_cards,
    related_list,
    related_titles,
    scroll_to_top_of,
)
from tests.support.workers import wait_until

pytestmark = [
    pytest.mark.browser,
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

NEW_TITLE = "Thoracic Spine Mobility: Peanut Ball Extensions for a Stiff Upper Back"
NEW_INTRO = (
    "A stiff thoracic spine holds back overhead lifts. This upper back mobility routine from "
    "a physical therapist restores thoracic extension and rotation."
)
NEW_TEXT = (
    "Lie on your back with a peanut ball across your upper back, one ball on each side of the "
    "spine, and reach both arms overhead so the thoracic spine extends over the ball. Follow "
    "with a kneeling bench stretch and a band-assisted thoracic rotation. Upper back mobility "
    "work like this takes strain off the neck and shoulders and makes overhead pressing easier."
)
PINNED = "Rounded Shoulders? A Gentle Posture Reset Flow"
EXCLUDED = "Shoulder Mobility for a Better Overhead Press"


@pytest.fixture
def worker_refreshes(demo, celery_worker_process, celery_dispatch):
    """Publishing hands the related-list refresh to the real Celery worker (after the demo)."""


def test_editor_publishes_an_article_and_pins_and_excludes_suggestions(
    worker_refreshes, open_page, shoot, settings
):
    # Wagtail 8 autosaves a draft in the background 0.5 s after each change (on the create view
    # the first autosave creates the page and moves the form to its edit URL). A Publish click
    # during such a save races it, so the journey turns autosave off to stay deterministic.
    settings.WAGTAIL_AUTOSAVE_INTERVAL = 0
    upper_back = guide()
    index = ArticleIndexPage.objects.get()
    before = RelatedArticle.objects.filter(source=upper_back, rank__lte=4)
    assert EXCLUDED in {row.title for row in before} and PINNED not in {row.title for row in before}

    page = open_page("desktop")
    log_in(page, "admin", "fitness-demo")
    shoot(page, "dashboard")

    page.goto(f"/admin/pages/{index.pk}/")
    page.get_by_role("link", name="Add child page").click()
    expect(page).to_have_title(re.compile(r"^New: Article page"))
    page.get_by_role("textbox", name="Title").fill(NEW_TITLE)
    page.get_by_role("textbox", name="Intro").fill(NEW_INTRO)
    page.get_by_role("button", name="Insert a block").click()
    page.get_by_role("option", name="Paragraph").click()
    page.get_by_role("region", name=re.compile(r"^Body\W*$")).get_by_role("textbox").click()
    page.keyboard.type(NEW_TEXT)
    # Draftail copies the text into the form a moment after the last keystroke (debounced).
    stored_body = page.locator("input[name='body-0-value']")
    expect(stored_body).to_have_value(re.compile(re.escape(NEW_TEXT[-30:])))
    shoot(page, "new-article")
    publish(page)
    expect(admin_message(page, f"Page '{NEW_TITLE}' created and published.")).to_be_visible()
    new = ArticlePage.objects.get(title=NEW_TITLE)
    assert new.live and new.get_parent().pk == index.pk

    page.goto(f"/admin/pages/{upper_back.pk}/edit/")
    page.get_by_role("tab", name="Related articles").click()
    pins = page.get_by_role("region", name="Pinned (shown first, in order)")
    exclusions = page.get_by_role("region", name="Never suggest")
    choose_page(page, pins, PINNED)
    choose_page(page, exclusions, EXCLUDED)
    scroll_to_top_of(pins)
    shoot(page, "related-tab")
    publish(page)
    expect(admin_message(page, f"Page '{upper_back.title}' has been published.")).to_be_visible()

    reader = open_page("desktop")

    def steered() -> list[str] | None:
        reader.goto(upper_back.url)
        titles = related_titles(reader)
        done = titles[:1] == [PINNED] and NEW_TITLE in titles and EXCLUDED not in titles
        return titles if done else None

    titles = wait_until(steered, timeout=30, interval=0.5)
    assert titles, f"the worker did not apply the changes in 30 s: {related_titles(reader)}"
    expect(related_cards(reader)).to_have_count(4)
    expect(related_cards(reader).first).to_have_attribute("data-reason", "pinned")
    scroll_to_top_of(related_list(reader))
    shoot(reader, "guide-related")
