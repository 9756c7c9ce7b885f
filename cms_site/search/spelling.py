"""'Did you mean': the closest words the site's own articles use, most frequent first."""

from __future__ import annotations

import difflib
import re
from collections import Counter

from django.core.cache import cache
from django.db.models import Count, Max

from cms_site.articles.models import BodyArea, Category, live_articles

CACHE_KEY = "search:vocabulary"
CACHE_SECONDS = 3600
WORD = re.compile(r"[^\W\d_]{3,}")
CLOSENESS = 0.75
MAX_WORDS = 3  # a longer query is a sentence: its odd words are rarely typos of ours


def vocabulary() -> Counter:
    """How many articles use each word of their titles and intros, plus taxonomy names. Cached
    under a key that changes whenever an article is published, unpublished or deleted."""
    key = f"{CACHE_KEY}:{articles_fingerprint()}"
    words = cache.get(key)
    if words is None:
        words = Counter()
        for title, intro in live_articles().values_list("title", "intro"):
            words.update(set(WORD.findall(f"{title} {intro}".lower())))
        names = [*Category.objects.values_list("name", flat=True)]
        names += BodyArea.objects.values_list("name", flat=True)
        for name in names:
            words.update(set(WORD.findall(name.lower())))
        cache.set(key, words, CACHE_SECONDS)
    return words


def forget_vocabulary(**kwargs) -> None:
    cache.delete(f"{CACHE_KEY}:{articles_fingerprint()}")


def articles_fingerprint() -> str:
    found = live_articles().order_by().aggregate(n=Count("pk"), last=Max("last_published_at"))
    last = found["last"].timestamp() if found["last"] else 0
    return f"{found['n']}-{last:.6f}"


def suggestion(query: str) -> str | None:
    """The query with each unknown word replaced by the closest common one, if any changed."""
    if len(query.split()) > MAX_WORDS:
        return None
    known = vocabulary()
    corrected = [closest(word, known) for word in query.lower().split()]
    suggested = " ".join(corrected)
    return suggested if suggested != " ".join(query.lower().split()) else None


def closest(word: str, known: Counter) -> str:
    if word in known or not WORD.fullmatch(word):
        return word
    near = difflib.get_close_matches(word, known, n=5, cutoff=CLOSENESS)
    if not near:
        return word
    return max(near, key=lambda other: (round(similarity(word, other), 2), known[other], other))


def similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b).ratio()
