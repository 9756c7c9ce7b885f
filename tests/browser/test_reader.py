"""A reader finds the upper-back guide, follows a suggestion and replies (desktop and phone)."""

import re

import pytest
from playwright.sync_api import expect

from cms_site.articles.models import ArticlePage
from cms_site.reader_comments.models import ArticleComment
from tests.support.browser import (
    comment_form,
    fits_viewport,
    guide,
    post_comment,
    related_cards,
    related_list,
    scroll_to_top_of,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

REPLY = "The bench stretch from the guide loosened my upper back. Doing this one next!"


def related_training_urls(article: ArticlePage) -> set[str]:
    """Articles that train a body area of ``article``: what "related" must mean here."""
    areas = article.body_areas.all()
    pages = ArticlePage.objects.live().filter(body_areas__in=areas).exclude(pk=article.pk)
    return {page.url for page in pages.distinct()}


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_reader_follows_a_suggestion_and_replies(demo, open_page, shoot, device):
    upper_back = guide()
    page = open_page(device)

    page.goto("/")
    popular = page.get_by_role("region", name="Popular right now")
    first_card = popular.get_by_role("article").first
    expect(first_card.get_by_role("heading")).to_have_text(upper_back.title)
    assert fits_viewport(page)
    shoot(page, "home")

    first_card.get_by_role("link", name=upper_back.title).click()
    expect(page).to_have_url(re.compile(re.escape(upper_back.url) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(upper_back.title)
    related = related_list(page)
    expect(related_cards(page)).to_have_count(4)
    links = related.get_by_role("link")
    suggested = [links.nth(n).get_attribute("href") for n in range(4)]
    assert len(set(suggested)) == 4 and upper_back.url not in suggested
    assert set(suggested) <= related_training_urls(upper_back), suggested
    assert fits_viewport(page)
    scroll_to_top_of(related)
    shoot(page, "related")

    chosen = links.first.inner_text().strip()
    links.first.click()
    expect(page).to_have_url(re.compile(re.escape(suggested[0]) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(chosen)
    scroll_to_top_of(comment_form(page))
    shoot(page, "comment-form")

    comment = post_comment(page, "Riley Reader", f"riley.{device}@example.com", REPLY)
    expect(comment.get_by_text(REPLY)).to_be_visible()
    comments = page.get_by_role("region", name="Comments")
    expect(comments).to_be_visible()
    assert fits_viewport(page)
    scroll_to_top_of(comments)
    shoot(page, "awaiting-moderation")
    stored = ArticleComment.objects.get(body=REPLY)
    assert stored.status == ArticleComment.Status.PENDING and stored.page.url == suggested[0]

    stranger = open_page(device)
    stranger.goto(suggested[0])
    expect(stranger.get_by_role("heading", level=1)).to_have_text(chosen)
    expect(stranger.get_by_text(REPLY)).to_have_count(0)
