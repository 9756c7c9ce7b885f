"""Cards fill their rows: four on a desktop, two by two on a tablet, one a row on a phone; the
phone's category chips take one scrollable line."""

import pytest
from playwright.sync_api import expect

from tests.support.browser import fits_viewport, guide, related_cards

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def rows(cards) -> list[int]:
    """How many cards sit in each row, top to bottom."""
    tops = [round(cards.nth(n).bounding_box()["y"]) for n in range(cards.count())]
    return [tops.count(top) for top in sorted(set(tops))]


@pytest.mark.parametrize(
    ("device", "related", "latest"),
    [("desktop", [4], [4, 4]), ("tablet", [2, 2], [2, 2, 2, 2]), ("phone", [1] * 4, [1] * 8)],
)
def test_cards_fill_their_rows(demo, open_page, shoot, device, related, latest):
    page = open_page(device)
    page.goto(guide().url)
    expect(related_cards(page)).to_have_count(4)
    assert rows(related_cards(page)) == related
    assert fits_viewport(page)
    page.goto("/")
    section = page.get_by_role("region", name="Latest articles")
    assert rows(section.get_by_role("article")) == latest
    section.scroll_into_view_if_needed()
    shoot(page, "latest-articles")


def test_phone_category_chips_take_one_line(demo, open_page):
    page = open_page("phone")
    page.goto("/")
    nav = page.get_by_role("navigation", name="Categories")
    chips = nav.get_by_role("link")
    first, last = chips.first.bounding_box(), chips.last.bounding_box()
    assert first["y"] == last["y"] and nav.bounding_box()["height"] < 60
    assert fits_viewport(page)
    chips.last.focus()
    expect(chips.last).to_be_in_viewport()
