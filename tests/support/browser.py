"""Steps shared by the journeys; every locator goes by role and accessible name."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from cms_site.articles.models import ArticlePage

PASSWORD = "browser-tests-pw"
GUIDE_SLUG = "improving-upper-back-mobility"
RELATED_HEADING = "Articles You May Like"


def guide() -> ArticlePage:
    return ArticlePage.objects.get(slug=GUIDE_SLUG)


def related_list(page: Page) -> Locator:
    return page.get_by_role("region", name=RELATED_HEADING)


def related_cards(page: Page) -> Locator:
    return related_list(page).get_by_role("listitem")


def related_titles(page: Page) -> list[str]:
    return [title.strip() for title in related_list(page).get_by_role("link").all_inner_texts()]


def scroll_to_top_of(locator: Locator) -> None:
    locator.evaluate("element => element.scrollIntoView({block: 'start'})")


def fits_viewport(page: Page) -> bool:
    """No sideways scrolling (the page is as wide as the window)."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def comment_form(page: Page) -> Locator:
    return page.get_by_role("form", name="Leave a Reply")


def fill_comment(page: Page, name: str, email: str, text: str) -> None:
    form = comment_form(page)
    form.get_by_role("textbox", name="Name").fill(name)
    form.get_by_role("textbox", name="Email").fill(email)
    form.get_by_role("textbox", name="Comment").fill(text)
    form.get_by_role("button", name="Post Comment").click()


def comments_section(page: Page) -> Locator:
    """Named "Comments", "One comment on “…”" or "3 comments on “…”"."""
    return page.get_by_role("region", name=re.compile(r"^(Comments|.+ comments? on “)"))


def own_comment(page: Page, text: str) -> Locator:
    return comments_section(page).get_by_role("article").filter(has_text=text)


def post_comment(page: Page, name: str, email: str, text: str) -> Locator:
    """Post through the article's form; the author sees it awaiting moderation."""
    fill_comment(page, name, email, text)
    expect(page).to_have_url(re.compile(r"#comment-\d+$"))
    comment = own_comment(page, text)
    expect(comment.get_by_role("status")).to_have_text("Your comment is awaiting moderation.")
    return comment


def submit_sign_in(page: Page, username: str, password: str) -> None:
    """Fill the admin sign-in form on the current page, send it and wait for the answer."""
    page.get_by_role("textbox", name="Username").fill(username)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


def log_in(page: Page, username: str, password: str) -> None:
    page.goto("/admin/login/")
    submit_sign_in(page, username, password)
    expect(page).to_have_url(re.compile(r"/admin/$"))


def admin_message(page: Page, text: str) -> Locator:
    return page.get_by_role("status").filter(has_text=text)


def publish(page: Page) -> None:
    page.get_by_role("button", name="More actions").click()
    page.get_by_role("button", name="Publish", exact=True).click()


def choose_page(page: Page, panel: Locator, title: str) -> None:
    """Add an inline row to ``panel`` and pick ``title`` in Wagtail's page chooser modal."""
    panel.get_by_role("button", name=re.compile(r"^Add ")).click()
    panel.get_by_role("button", name="Choose a page").click()
    dialog = page.get_by_role("dialog").filter(has_text="Choose a page")
    dialog.get_by_role("textbox", name="Search term").fill(title)
    dialog.get_by_role("link", name=title, exact=True).click()
    expect(dialog).to_be_hidden()
    expect(panel).to_contain_text(title)


AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => n.target.join(" ")),
  }));
}"""
BLOCKING = {"serious", "critical"}


def axe_violations(page: Page, axe_script) -> list[dict]:
    """The page's serious and critical axe-core violations (rule, help text, elements)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(axe_script))
    return [v for v in page.evaluate(AXE_RUN) if v["impact"] in BLOCKING]
