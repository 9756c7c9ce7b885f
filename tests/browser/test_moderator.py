"""A moderator settles the comment queue; an editor outside the Moderators group is refused."""

import re

import pytest
from playwright.sync_api import expect

from cms_site.reader_comments.models import ArticleComment
from tests.support.browser import (
    PASSWORD,
    admin_message,
    guide,
    log_in,
    post_comment,
    scroll_to_top_of,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
Status = ArticleComment.Status

REPLY = "Four rounds of the peanut extension and my upper back finally moves again. Thank you!"
SPAM = [
    "Cheap supplements, best prices online, click here today",
    "Earn money fast from home with this one weird trick",
]


def queue_row(page, text):
    return page.get_by_role("row").filter(has=page.get_by_role("link", name=text, exact=True))


def test_moderator_approves_the_reply_and_marks_spam(demo, open_page, shoot, make_user):
    upper_back = guide()
    make_user("morgan", "Moderators")
    make_user("eddie", "Editors")

    reader = open_page("desktop")
    reader.goto(upper_back.url)
    post_comment(reader, "Riley Reader", "riley@example.com", REPLY)
    bot = open_page("desktop")
    bot.goto(upper_back.url)
    for n, text in enumerate(SPAM):
        post_comment(bot, f"Bargain Bot {n}", f"bot{n}@example.net", text)

    page = open_page("desktop")
    log_in(page, "morgan", PASSWORD)
    page.get_by_role("link", name="Comments", exact=True).click()
    expect(page).to_have_url(re.compile(r"/admin/comments/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Comments")
    for text in [REPLY, *SPAM]:
        expect(queue_row(page, text)).to_contain_text("Pending")

    queue_row(page, REPLY).get_by_role("checkbox", name="Select").check()
    shoot(page, "queue")
    page.get_by_role("button", name="Approve selected").click()
    expect(admin_message(page, "1 comment(s) approved.")).to_be_visible()
    expect(queue_row(page, REPLY)).to_contain_text("Approved")

    for text in SPAM:
        queue_row(page, text).get_by_role("checkbox", name="Select").check()
    page.get_by_role("button", name="Spam selected").click()
    expect(admin_message(page, "2 comment(s) marked as spam.")).to_be_visible()
    for text in SPAM:
        expect(queue_row(page, text)).to_contain_text("Spam")
    shoot(page, "queue-settled")
    statuses = dict(ArticleComment.objects.values_list("body", "status"))
    assert statuses == {REPLY: Status.APPROVED, SPAM[0]: Status.SPAM, SPAM[1]: Status.SPAM}

    visitor = open_page("phone")
    visitor.goto(upper_back.url)
    comments = visitor.get_by_role("region", name=f"One comment on “{upper_back.title}”")
    expect(comments.get_by_role("article", name="Riley Reader")).to_contain_text(REPLY)
    expect(comments.get_by_role("status")).to_have_count(0)
    for text in SPAM:
        expect(visitor.get_by_text(text)).to_have_count(0)
    scroll_to_top_of(comments)
    shoot(visitor, "approved-on-article")

    editor = open_page("desktop")
    log_in(editor, "eddie", PASSWORD)
    expect(editor.get_by_role("link", name="Comments", exact=True)).to_have_count(0)
    response = editor.goto("/admin/comments/")
    assert response.status == 403
    expect(editor.get_by_role("heading", level=1)).to_have_text("Permission denied")
    expect(editor.get_by_role("table")).to_have_count(0)
    shoot(editor, "editor-forbidden")
