"""A moderator blocks a spammer's network from the comment's screen, then lifts the block."""

import re

import pytest
from playwright.sync_api import expect

from cms_site.reader_comments.models import ArticleComment, Block
from tests.support.browser import PASSWORD, admin_message, guide, log_in, post_comment

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
Reason = ArticleComment.Reason
SPAM = "Cheap supplements, best prices online, click here today"
AGAIN = "Earn money fast from home with this one weird trick"


def test_moderator_blocks_a_network_and_removes_the_block(demo, open_page, shoot, make_user):
    article = guide()
    make_user("morgan", "Moderators")
    bot = open_page("desktop")
    bot.goto(article.url)
    post_comment(bot, "Bargain Bot", "bot@example.net", SPAM)
    spam = ArticleComment.objects.get(body=SPAM)

    page = open_page("desktop")
    log_in(page, "morgan", PASSWORD)
    page.goto(f"/admin/comments/{spam.pk}/")
    block = page.get_by_role("region", name="Block this commenter")
    block.get_by_role("button", name="Block network").click()
    expect(page.get_by_text("Give a reason for the block.")).to_be_visible()
    assert not Block.objects.exists()

    block.get_by_role("textbox", name="Reason for a block").fill("Supplement spam from a bot")
    block.get_by_role("combobox", name="Block expires after").select_option(label="7 days")
    shoot(page, "block-form")
    block.get_by_role("button", name="Block network").click()
    expect(admin_message(page, "Block of network")).to_be_visible()
    expect(block).to_contain_text("is in force")
    shoot(page, "blocked")

    post_comment(bot, "Bargain Bot 2", "other@example.net", AGAIN)
    assert ArticleComment.objects.get(body=AGAIN).status_reason == Reason.BLOCKED

    block.get_by_role("link", name="All blocks").click()
    expect(page).to_have_url(re.compile(r"/admin/comments/blocks/$"))
    row = page.get_by_role("row").filter(has_text="Supplement spam from a bot")
    expect(row).to_contain_text("Network")
    shoot(page, "blocks-list")
    row.get_by_role("button", name=re.compile("Remove block")).click()
    expect(admin_message(page, "removed")).to_be_visible()
    expect(page.get_by_role("cell", name="No blocks.")).to_be_visible()
    assert not Block.objects.exists()

    page.goto("/admin/reports/site-history/")
    expect(page.get_by_text("Commenter blocked").first).to_be_visible()
    expect(page.get_by_text("Block removed").first).to_be_visible()
