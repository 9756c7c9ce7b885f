"""No serious or critical axe-core violations on the reader's pages, on desktop and on a phone."""

import pytest
from playwright.sync_api import expect

from tests.support.browser import (
    axe_violations,
    comment_form,
    comments_section,
    fill_comment,
    guide,
    own_comment,
    scroll_to_top_of,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

INVISIBLE = "Great routine\u202e for my upper back."  # a right-to-left override is refused
FIXED = "Great routine for my upper back."


def test_home_article_and_comment_form_pass_axe(demo, open_page, shoot, axe_script):
    upper_back = guide()
    found = {}
    for device in ("desktop", "phone"):
        page = open_page(device)

        page.goto("/")
        found[f"{device} home"] = axe_violations(page, axe_script)
        shoot(page, f"{device}-home")

        page.goto(upper_back.url)
        expect(page.get_by_role("region", name="Articles You May Like")).to_be_visible()
        found[f"{device} article with its comment form"] = axe_violations(page, axe_script)
        shoot(page, f"{device}-article")

        form = comment_form(page)
        fill_comment(page, f"Sam {device}", f"sam.{device}@example.com", INVISIBLE)
        comment = form.get_by_role("textbox", name="Comment")
        expect(form.get_by_role("alert")).to_contain_text("Your comment was not posted")
        expect(comment).to_have_attribute("aria-invalid", "true")
        expect(comment).to_have_accessible_description(
            f"{len(INVISIBLE)} of 5000 characters. "
            "Remove the invisible control characters from your comment."
        )
        found[f"{device} comment form with errors"] = axe_violations(page, axe_script)
        scroll_to_top_of(form)
        shoot(page, f"{device}-form-errors")

        comment.fill(FIXED)
        form.get_by_role("button", name="Post Comment").click()
        expect(own_comment(page, FIXED).get_by_role("status")).to_be_visible()
        found[f"{device} comment awaiting moderation"] = axe_violations(page, axe_script)
        scroll_to_top_of(comments_section(page))
        shoot(page, f"{device}-awaiting")

    assert {where: v for where, v in found.items() if v} == {}
