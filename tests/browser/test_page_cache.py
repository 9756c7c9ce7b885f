"""Two readers, one cached page: what is personal stays with its browser.

Reader A posts a comment (the cached form fetches its CSRF token when A starts writing); A
sees it awaiting moderation, reader B keeps getting the shared copy without it, and sees it
as soon as a moderator approves it. An editor's page (with the Wagtail userbar) is never the
copy readers get.
"""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from cms_site.reader_comments import moderation
from cms_site.reader_comments.models import ArticleComment
from tests.support.browser import (
    PASSWORD,
    comment_form,
    comments_section,
    guide,
    log_in,
    post_comment,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
TEXT = "Does the bench stretch also help after long drives?"


def visit(page, url):
    return page.goto(url).headers.get("x-page-cache")


def test_two_readers_share_the_page_but_not_their_own_parts(demo, open_page, shoot):
    url = guide().url
    reader_a, reader_b = open_page(), open_page("phone")
    visit(reader_b, url)
    visit(reader_b, url)
    assert visit(reader_b, url) == "hit"

    assert visit(reader_a, url) == "hit"
    token = comment_form(reader_a).locator('input[name="csrfmiddlewaretoken"]')
    expect(token).to_have_value("")
    comment_form(reader_a).get_by_role("textbox", name="Name").focus()
    expect(token).not_to_have_value("")
    post_comment(reader_a, "Robin Reader", "robin@example.com", TEXT)
    assert visit(reader_a, url) == "bypass"
    expect(comments_section(reader_a)).to_contain_text(TEXT)
    shoot(reader_a, "own-comment-awaiting")

    assert visit(reader_b, url) == "hit"
    expect(comments_section(reader_b)).not_to_contain_text(TEXT)

    moderator = get_user_model().objects.create_superuser("mod", "mod@example.com", PASSWORD)
    comment = ArticleComment.objects.get(body=TEXT)
    moderation.moderate_ids([comment.pk], "approve", moderator)
    assert visit(reader_b, url) == "miss"
    expect(comments_section(reader_b)).to_contain_text(TEXT)
    shoot(reader_b, "approved-comment-for-everyone")


def test_an_editors_page_is_never_the_readers_copy(demo, open_page):
    get_user_model().objects.create_superuser("editor", "editor@example.com", PASSWORD)
    url = guide().url
    editor, reader = open_page(), open_page()
    log_in(editor, "editor", PASSWORD)
    for _ in range(3):
        assert visit(editor, url) == "bypass"
    expect(editor.locator("wagtail-userbar")).to_have_count(1)
    visit(reader, url)
    visit(reader, url)
    assert visit(reader, url) == "hit"
    expect(reader.locator("wagtail-userbar")).to_have_count(0)
