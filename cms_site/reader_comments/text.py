"""Plain-text rules for comments: what counts as a link, what is refused, how it is shown."""

from __future__ import annotations

import re
import unicodedata

from django.utils.html import Urlizer, linebreaks
from django.utils.safestring import SafeString, mark_safe

# C0/C1 controls other than tab, newline and carriage return, plus bidirectional overrides
# that can make text read differently from how it is stored.
FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
LINK_TEXT_LIMIT = 60
LINK_START = "<a href="  # escaped comment text can never contain it, only the links made here
# Three or more single letters or digits with separators between them: "c a s i n o".
SPELLED_OUT = re.compile(r"(?<!\w)[^\W_](?:[\s.*_-]{1,2}[^\W_]){2,}(?!\w)")
SEPARATORS = re.compile(r"[\s.*_-]")
SPACES = re.compile(r"\s+")


class UgcUrlizer(Urlizer):
    url_template = '<a href="{href}" rel="nofollow ugc">{url}</a>'


urlize_ugc = UgcUrlizer()


def linkify(text: str) -> str:
    """Escape the text and turn what looks like an address (URL, domain, email) into a link."""
    return urlize_ugc(text.strip(), trim_url_limit=LINK_TEXT_LIMIT, autoescape=True)


def count_links(text: str) -> int:
    """The links the comment will show: counted on what ``render_plain_text`` makes of it."""
    return linkify(text).count(LINK_START)


def has_forbidden_characters(text: str) -> bool:
    return bool(FORBIDDEN.search(text))


def render_plain_text(text: str) -> SafeString:
    """Escape everything, turn addresses into nofollow links, keep paragraphs and line breaks."""
    return mark_safe(linebreaks(linkify(text)))


def fold(text: str) -> str:
    """Text as it reads: compatibility forms unified (full-width letters, ligatures), invisible
    format characters (zero-width spaces and joiners, soft hyphens, BOM) removed, case folded."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(char for char in text if unicodedata.category(char) != "Cf")
    return SPACES.sub(" ", unicodedata.normalize("NFKC", text.casefold()))


def spelled_out(folded: str) -> list[str]:
    """Words written one letter at a time ("c a s i n o", "c.a.s.i.n.o"), joined up."""
    return [SEPARATORS.sub("", run) for run in SPELLED_OUT.findall(folded)]


def find_phrase(text: str, phrases: list[str]) -> str | None:
    """The first phrase that appears in the text as whole words, read as ``fold`` reads it."""
    folded = fold(text)
    searched = "\n".join([folded, *spelled_out(folded)])
    for phrase in phrases:
        folded_phrase = fold(phrase).strip()
        if folded_phrase and re.search(rf"(?<!\w){re.escape(folded_phrase)}(?!\w)", searched):
            return phrase
    return None


def phrase_list(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]
