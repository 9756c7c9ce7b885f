"""A reader whose comment is refused sees why where they are, keeps their text, and can reload."""

import re

import pytest
from playwright.sync_api import expect

from cms_site.reader_comments.models import ArticleComment, CommentSettings
from tests.support.browser import comment_form, guide, post_comment

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
LIMIT = 200
TEXT = "The bench stretch helped, but my left shoulder clicks on the way down. Normal?"
PASTED = "I pasted my whole training diary here by mistake. " * 6  # 300 characters


@pytest.fixture
def short_limit(demo):
    settings = CommentSettings.for_default_site()
    settings.max_length = LIMIT
    settings.save()


def comment_box(page):
    return comment_form(page).get_by_role("textbox", name="Comment")


def refused_here(page, upper_back, message):
    """The refusal is on screen and focused, at an address that can be reloaded."""
    expect(page).to_have_url(re.compile(rf"/comments/post/{upper_back.pk}/#commentform-errors$"))
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text(message)
    expect(summary).to_be_focused()
    expect(summary).to_be_in_viewport()
    return summary


def test_a_refused_comment_shows_its_errors_where_the_reader_is(short_limit, open_page, shoot):
    upper_back = guide()
    page = open_page("phone")
    page.goto(upper_back.url)
    form = comment_form(page)
    form.get_by_role("textbox", name="Name").fill("Riley Reader")
    form.get_by_role("textbox", name="Email").fill("riley@example.com")
    form.get_by_role("textbox", name="Website").fill("javascript:alert(1)")
    comment_box(page).fill(TEXT)
    form.get_by_role("button", name="Post Comment").click()

    summary = refused_here(page, upper_back, "Your comment was not posted")
    message = "Enter a web address starting with http:// or https://, or leave it empty."
    expect(summary.get_by_role("link", name=f"Website: {message}")).to_be_visible()
    website = form.get_by_role("textbox", name="Website")
    expect(website).to_have_attribute("aria-invalid", "true")
    expect(website).to_have_accessible_description(message)
    expect(comment_box(page)).to_have_value(TEXT)
    shoot(page, "refused")

    page.goto(page.url.split("#")[0])  # what a reload of that address asks for
    expect(page).to_have_url(re.compile(re.escape(upper_back.url) + "#respond$"))
    expect(comment_form(page)).to_be_in_viewport()
    assert not ArticleComment.objects.exists()

    settings = CommentSettings.for_default_site()
    settings.ip_limit = 1
    settings.save()
    post_comment(page, "Riley Reader", "riley@example.com", TEXT)
    page.goto(upper_back.url)
    form.get_by_role("textbox", name="Name").fill("Riley Reader")
    form.get_by_role("textbox", name="Email").fill("riley@example.com")
    comment_box(page).fill("And one more thing about the stretch.")
    form.get_by_role("button", name="Post Comment").click()
    refused_here(page, upper_back, "You are posting comments too quickly")
    expect(comment_box(page)).to_have_value("And one more thing about the stretch.")
    shoot(page, "too-fast")


def test_an_over_long_comment_is_counted_not_cut(short_limit, open_page, shoot):
    upper_back = guide()
    page = open_page("phone")
    page.goto(upper_back.url)
    box, counter = comment_box(page), page.locator("#comment-count")
    expect(counter).to_have_text(f"Up to {LIMIT} characters.")
    box.fill(TEXT)
    expect(counter).to_have_text(f"{len(TEXT)} of {LIMIT} characters.")
    expect(page.locator("#comment-count-status")).to_have_text("")  # nothing to announce yet
    box.fill(PASTED)
    expect(box).to_have_value(PASTED)
    expect(counter).to_have_text(re.compile(rf"^{len(PASTED) - LIMIT} characters too many"))
    expect(page.locator("#comment-count-status[aria-live=polite]")).to_contain_text("too many")
    expect(box).to_have_attribute("aria-invalid", "true")
    form = comment_form(page)
    form.get_by_role("textbox", name="Name").fill("Riley Reader")
    form.get_by_role("textbox", name="Email").fill("riley@example.com")
    form.get_by_role("button", name="Post Comment").click()
    expect(box).to_be_focused()
    expect(page).to_have_url(re.compile(re.escape(upper_back.url) + "$"))
    expect(box).to_have_value(PASTED)
    shoot(page, "over-the-limit")

    post_comment(page, "Riley Reader", "riley@example.com", PASTED[:LIMIT].strip())
    assert ArticleComment.objects.get().body == PASTED[:LIMIT].strip()


def test_without_javascript_the_server_says_it_and_keeps_the_text(short_limit, open_page):
    upper_back = guide()
    page = open_page("phone", java_script_enabled=False)
    page.goto(upper_back.url)
    form = comment_form(page)
    form.get_by_role("textbox", name="Name").fill("Riley Reader")
    form.get_by_role("textbox", name="Email").fill("riley@example.com")
    comment_box(page).fill(PASTED)
    form.get_by_role("button", name="Post Comment").click()
    # The cached page carried no CSRF token (the script fetches one): the form comes back with one.
    expect(page.get_by_role("alert")).to_contain_text("security check had expired")
    comment_form(page).get_by_role("button", name="Post Comment").click()

    expect(page).to_have_url(re.compile(rf"/comments/post/{upper_back.pk}/#commentform-errors$"))
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text(
        f"Your comment is too long: {len(PASTED.strip())} characters, the limit is {LIMIT}."
    )
    expect(summary).to_be_in_viewport()
    expect(comment_box(page)).to_have_value(PASTED)
    assert not ArticleComment.objects.exists()
