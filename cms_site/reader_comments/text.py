"""Plain-text rules for comments: what counts as a link, what is refused, how it is shown."""

from __future__ import annotations

import re

from django.utils.html import Urlizer, linebreaks
from django.utils.safestring import SafeString, mark_safe

LINK = re.compile(r"https?://|\bwww\.", re.IGNORECASE)
# C0/C1 controls other than tab, newline and carriage return, plus bidirectional overrides
# that can make text read differently from how it is stored.
FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
LINK_TEXT_LIMIT = 60


class UgcUrlizer(Urlizer):
    url_template = '<a href="{href}" rel="nofollow ugc">{url}</a>'


urlize_ugc = UgcUrlizer()


def count_links(text: str) -> int:
    return len(LINK.findall(text))


def has_forbidden_characters(text: str) -> bool:
    return bool(FORBIDDEN.search(text))


def render_plain_text(text: str) -> SafeString:
    """Escape everything, turn addresses into nofollow links, keep paragraphs and line breaks."""
    linked = urlize_ugc(text.strip(), trim_url_limit=LINK_TEXT_LIMIT, autoescape=True)
    return mark_safe(linebreaks(linked))


def find_phrase(text: str, phrases: list[str]) -> str | None:
    """The first phrase that appears in the text as whole words, ignoring case."""
    folded = text.casefold()
    for phrase in phrases:
        pattern = rf"(?<!\w){re.escape(phrase.casefold())}(?!\w)"
        if re.search(pattern, folded):
            return phrase
    return None


def phrase_list(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]
