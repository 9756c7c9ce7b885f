"""A moderator's reply reads once as "Moderator"; the detail screen's main button changes the
state; the queue stays readable on a 375 px phone."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from cms_site.reader_comments.models import ArticleComment
from tests.support.browser import PASSWORD, fits_viewport, guide, log_in
from tests.support.comments import make_comment

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
Status = ArticleComment.Status
ROOT = Path(__file__).resolve().parents[2]
DOCS_SHOT = ROOT / "docs" / "screenshots" / "moderation-queue-phone.png"
MIN_CELL_WIDTH = 64  # px: a one-word status and its padding

# Every visible cell of the queue: its width, its words and how many lines they take.
MEASURE_CELLS = """() => Array.from(document.querySelectorAll("table.listing tr > *"))
  .filter((cell) => cell.getClientRects().length && getComputedStyle(cell).display !== "none")
  .map((cell) => {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    const tops = [];
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const range = document.createRange();
      range.selectNodeContents(node);
      for (const rect of range.getClientRects()) if (rect.width) tops.push(rect.top);
    }
    tops.sort((a, b) => a - b);
    const lines = tops.filter((top, n) => n === 0 || top - tops[n - 1] > 8).length;
    return {
      text: cell.innerText.trim(),
      width: cell.getBoundingClientRect().width,
      words: cell.innerText.trim().split(/\\s+/).filter(Boolean).length,
      lines,
      checkbox: Boolean(cell.querySelector("input[type=checkbox]")),
    };
  })"""


@pytest.fixture
def queue(demo):
    upper_back = guide()
    texts = [
        "Which of the four drills should I start with if I sit at a desk all day long?",
        "Cheap supplements, best prices online, click here today for a discount",
        "My physio recommended the peanut extension too, works well after running.",
        "Earn money fast from home with this one weird trick, visit my profile",
    ]
    statuses = [Status.PENDING, Status.SPAM, Status.APPROVED, Status.PENDING]
    return [
        make_comment(
            upper_back,
            status=status,
            body=text,
            email=f"r{n}@example.com",
            author_name=f"Reader Number {n}",
        )
        for n, (text, status) in enumerate(zip(texts, statuses, strict=True))
    ]


def test_the_queue_reads_well_on_a_phone(queue, open_page, make_user, shoot):
    make_user("morgan", "Moderators")
    page = open_page("small-phone")
    log_in(page, "morgan", PASSWORD)
    page.goto("/admin/comments/")
    expect(page.get_by_role("link", name=queue[0].body[:40], exact=False)).to_be_visible()
    cells = page.evaluate(MEASURE_CELLS)
    text_cells = [cell for cell in cells if not cell["checkbox"] and cell["words"]]
    assert len(text_cells) >= 2 * (len(queue) + 1), cells  # comment and status on every row
    assert any(f"Reader Number 0 · {guide().title}" in c["text"] for c in text_cells), cells
    for cell in text_cells:
        assert cell["width"] >= MIN_CELL_WIDTH, text_cells
        if cell["words"] >= 2:
            assert cell["lines"] < cell["words"], cell  # never one word per line
    assert sum(c["words"] for c in text_cells) >= 2 * sum(c["lines"] for c in text_cells), cells
    assert fits_viewport(page)
    shoot(page, "queue")
    page.screenshot(path=DOCS_SHOT, animations="disabled")


def test_the_main_button_changes_the_state_and_a_reply_shows_one_badge(queue, open_page, make_user):
    approved = queue[2]
    make_user("morgan", "Moderators")  # no full name: the reply is signed "Moderator"
    page = open_page("desktop")
    log_in(page, "morgan", PASSWORD)
    page.goto(f"/admin/comments/{approved.pk}/")
    actions = page.locator("form:has(button[name=action]) button")
    expect(actions).to_have_text(["Reject", "Mark as spam"])
    expect(page.get_by_role("button", name="Reject", exact=True)).not_to_have_class(
        "button button-secondary"
    )
    expect(page.get_by_role("button", name="Mark as spam")).to_have_class("button button-secondary")
    page.goto(f"/admin/comments/{queue[1].pk}/")  # spam: approving it is the likely change
    expect(actions).to_have_text(["Approve", "Reject"])
    expect(page.get_by_role("button", name="Approve", exact=True)).to_have_class("button")

    page.goto(f"/admin/comments/{approved.pk}/")
    page.get_by_role("textbox", name="Reply as moderator").fill("Start with the bench stretch.")
    page.get_by_role("button", name="Publish reply").click()
    visitor = open_page("phone")
    visitor.goto(guide().url)
    reply = visitor.get_by_role("article", name="Moderator", exact=True)
    expect(reply).to_contain_text("Start with the bench stretch.")
    header = reply.locator("header")
    assert header.inner_text().count("Moderator") == 1, header.inner_text()
