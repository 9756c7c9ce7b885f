"""The word lists and the link limit read a comment as readers see it, not as it is stored."""

from html.parser import HTMLParser

import pytest
from django.test import Client

from cms_site.reader_comments.models import ArticleComment
from cms_site.reader_comments.moderation import Rules, decide
from cms_site.reader_comments.text import count_links, find_phrase, render_plain_text
from tests.support.comments import make_comment, post_comment

Reason = ArticleComment.Reason
RULES = Rules(
    blocked_words=["casino"],
    hold_words=["diet pills"],
    max_links=2,
    spam_threshold=0.8,
    review_threshold=0.3,
    approve_new_commenters=False,
)
LINKED = [
    "cheap-pills.com",
    "CHEAP-PILLS.COM/buy",
    "deals@cheap-pills.shop",
    "Deals@Cheap-Pills.Example",
    "HtTpS://cheap-pills.example/",
    "WWW.Cheap-Pills.example",
    "ｗｗｗ.cheap-pills.com",  # full-width "www"
    "cheap\u200b-pills.com",  # zero-width space inside the domain
    "(cheap-pills.net),",
]
NOT_LINKED = [
    "cheap-pills.shop",  # a bare domain outside the seven gTLDs Django links: shown as text
    "https\uff1a//cheap-pills.com",  # full-width colon: no browser follows it
    "cheap-pills dot com",
    "e.g. this",
]


class Anchors(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.hrefs.append(dict(attrs)["href"])


def shown_links(body: str) -> list[str]:
    parser = Anchors()
    parser.feed(render_plain_text(body))
    return parser.hrefs


@pytest.mark.parametrize("address", LINKED + NOT_LINKED)
def test_the_limit_counts_exactly_the_links_the_comment_shows(address):
    body = f"Look: {address} and again {address}"
    assert count_links(body) == len(shown_links(body)) == (2 if address in LINKED else 0)


def test_bare_domains_and_emails_count_toward_the_limit():
    body = "Visit cheap-pills.com, cheap-pills.net or write to sales@cheap-pills.shop"
    verdict = decide("Sam", "", body, RULES, None, False)
    assert (verdict.reason, verdict.detail) == (Reason.TOO_MANY_LINKS, "3 links (most 2)")
    assert decide("Sam", "", "cheap-pills.com or a@b.example", RULES, None, False).reason == (
        Reason.NEW_COMMENTER
    )


@pytest.mark.parametrize(
    "text",
    [
        "Play ｃａｓｉｎｏ tonight",  # full-width letters
        "Play ＣＡＳＩＮＯ tonight",
        "Play ca\u200bsino tonight",  # zero-width space
        "Play ca\u200csi\u200dno tonight",  # zero-width non-joiner and joiner
        "Play cas\u2060ino tonight",  # word joiner
        "Play \ufeffcasino tonight",  # byte order mark
        "Play ca\u00adsi\u00adno tonight",  # soft hyphens
        "Play CaSiNo tonight",
        "Play c a s i n o tonight",  # spelled out
        "Play c.a.s.i.n.o tonight",
        "Play C-A-S-I-N-O tonight",
        "Play c_a_s_i_n_o tonight",
        "Best casino!",
    ],
)
def test_blocked_words_are_found_behind_unicode_tricks(text):
    verdict = decide("Sam", "", text, RULES, None, False)
    assert (verdict.reason, verdict.detail) == (Reason.BLOCKED_WORD, "blocked word: casino")


@pytest.mark.parametrize(
    "text",
    [
        "Try ｄｉｅｔ ｐｉｌｌｓ",
        "Try diet\u200b pills",
        "Try DIET\u00a0PILLS",
        "Try die\u00adt pills",
        "Try diet \n  pills",
    ],
)
def test_hold_words_are_found_behind_unicode_tricks(text):
    assert decide("Sam", "", text, RULES, None, False).reason == Reason.HOLD_WORD


@pytest.mark.parametrize(
    "text",
    [
        "I occasionally play cards",  # still whole words only
        "casinos",
        "the c a s i n o s sign",  # a spelled-out word is one word too
        "Plan a b c: cas ino",
        "Is the x-y-z axis right?",
    ],
)
def test_ordinary_text_is_not_caught(text):
    assert find_phrase(text, ["casino", "diet pills"]) is None


def test_phrases_written_with_tricks_in_the_settings_match_plain_text():
    assert find_phrase("Play casino tonight", ["ＣＡ\u200bＳＩＮＯ"]) == "ＣＡ\u200bＳＩＮＯ"


def test_a_word_list_line_of_invisible_characters_matches_nothing():
    assert find_phrase("Any comment at all", ["\u200b", "\u00ad\ufeff", " \u2060 "]) is None


@pytest.mark.django_db
def test_a_posted_comment_with_disguised_words_and_links_is_held(article, comment_settings):
    comment_settings.blocked_words = "casino"
    comment_settings.max_links = 1
    comment_settings.save()
    client = Client(REMOTE_ADDR="192.0.2.40")
    post_comment(client, article, comment="Best ｃａ\u200bｓｉｎｏ bonus")
    post_comment(client, article, comment="Go to cheap-pills.com and mail win@cheap-pills.shop")
    reasons = list(ArticleComment.objects.order_by("pk").values_list("status", "status_reason"))
    assert reasons == [("spam", Reason.BLOCKED_WORD), ("pending", Reason.TOO_MANY_LINKS)]


@pytest.mark.django_db
def test_the_public_thread_shows_as_many_links_as_were_counted(client, article):
    body = "Try cheap-pills.com, WWW.pills.example and me@pills.example, not pills.shop"
    make_comment(article, body=body)
    html = client.get(article.url).content.decode()
    assert count_links(body) == 3
    assert html.count('rel="nofollow ugc"') == 3
