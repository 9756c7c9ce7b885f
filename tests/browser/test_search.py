"""A reader searches: suggestions as they type (keyboard only), a "Did you mean", an editors'
pick; desktop and phone, with axe-core checking the open suggestion list and the results."""

import re

import pytest
from playwright.sync_api import expect
from wagtail.contrib.search_promotions.models import Query, SearchPromotion

from tests.support.browser import axe_violations, fits_viewport, guide

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def search_box(page):
    return page.get_by_role("combobox", name="Search articles")


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_reader_searches_with_suggestions_did_you_mean_and_a_pick(
    demo, open_page, shoot, axe_script, device
):
    upper_back = guide()
    SearchPromotion.objects.create(query=Query.get("mobility"), page=upper_back, sort_order=0)
    page = open_page(device)
    page.goto("/")

    box = search_box(page)
    box.press_sequentially("thoracic mob", delay=40)
    suggestions = page.get_by_role("listbox", name="Suggested articles")
    expect(suggestions).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_role("status").filter(has_text="suggestion")).to_contain_text("suggestion")
    options = suggestions.get_by_role("option")
    expect(options.first).to_contain_text(re.compile("thoracic", re.IGNORECASE))
    box.press("ArrowDown")
    expect(options.first).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", options.first.get_attribute("id"))
    assert axe_violations(page, axe_script) == []
    assert fits_viewport(page)
    shoot(page, "suggestions")
    chosen = options.first.inner_text()
    box.press("Escape")
    expect(suggestions).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    box.press("ArrowDown")  # a closed list stays closed; reopening needs typing
    box.press_sequentially(" ", delay=40)
    expect(suggestions).to_be_visible()
    box.press("ArrowDown")
    box.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(chosen)

    box = search_box(page)
    box.fill("sholder")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/search/\?query=sholder$"))
    did_you_mean = page.get_by_role("status").filter(has_text="Did you mean")
    expect(did_you_mean).to_contain_text("No articles match “sholder”")
    did_you_mean.get_by_role("link", name="shoulder").click()
    expect(page).to_have_url(re.compile(r"/search/\?query=shoulder$"))
    expect(page.get_by_text(re.compile(r"\d+ results for “shoulder”"))).to_be_visible()
    shoot(page, "did-you-mean-followed")

    box = search_box(page)
    box.fill("mobility")
    box.press("Enter")
    picks = page.get_by_role("region", name="Editors’ picks")
    expect(picks.get_by_role("article")).to_have_count(1)
    expect(picks.get_by_role("link", name=upper_back.title)).to_be_visible()
    expect(picks.get_by_text("Editors’ pick", exact=True)).to_be_visible()
    assert axe_violations(page, axe_script) == []
    assert fits_viewport(page)
    shoot(page, "editors-pick")
    picks.get_by_role("link", name=upper_back.title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(upper_back.title)
