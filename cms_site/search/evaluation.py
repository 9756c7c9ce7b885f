"""Search evaluation: import a labelled set under a throwaway article index, ask it known-item
and title queries through the site search's own code path (``views.matching``), and summarise
where the wanted article ranks and how long each search takes.

The articles are imported with fresh import ids (so a set already imported into the site is
imported again, not skipped); the throwaway tree and its search index entries are removed
afterwards, whatever happens.
"""

from __future__ import annotations

import math
import random
import re
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from time import perf_counter

from django.db import connection
from wagtail.models import Page, PageLogEntry, Site
from wagtail.search.models import IndexEntry

from cms_site.articles.importing import ImportRow, import_rows
from cms_site.articles.models import ArticleIndexPage, ArticlePage
from cms_site.home.models import HomePage

from .spelling import vocabulary
from .views import RESULTS_PER_PAGE, clean_query, matching, searchable_articles

INDEX_TITLE = "Search evaluation (temporary)"
SLUG_PREFIX = "search-evaluation-"
KINDS = ("known_item", "title")
WORD = re.compile(r"\b[^\W\d_]+\b")  # letters only, not glued to digits ("10GeV")
NOT_PROSE = re.compile(r"://|www\.|@|[\\{}_]")  # links, addresses, LaTeX, identifiers
MIN_WORD_CHARS = 4
QUERY_WORDS = 3
COMMON_SHARE = 0.05  # a word in more than this share of the set's bodies is a poor clue
STOPWORD_TEXT = """
    about above after again against also although among another anyone anything around away
    back because been before being below between both came cannot come could does doing done
    down during each either else enough even ever every from further gets give given goes going
    gone have having here hers herself himself into itself just keep know last like made make
    many more most much must myself near need never next none only onto other others ours
    ourselves over part perhaps quite rather really said same says seem seen shall should
    show since some something still such take than that their theirs them themselves then there
    these they thing things this those though through thus till together told took toward
    under until upon used very want were what whatever when where whether which while whole
    whom whose will with within without would year years your yours yourself yourselves
"""
STOPWORDS = frozenset(STOPWORD_TEXT.split())


@dataclass(frozen=True)
class EvalQuery:
    kind: str
    text: str
    line_no: int  # the row whose article is the right answer


@dataclass(frozen=True)
class Outcome:
    kind: str
    rank: int | None  # 1-based, within the first page of results; None when not there
    seconds: float
    corrected: bool
    any_word: bool


# Queries


def content_words(text: str) -> set[str]:
    """Distinct lower-case words of letters only, long enough and not stopwords, from the prose
    (not from links or markup, which no reader types and the search does not split alike)."""
    prose = " ".join(token for token in text.split() if not NOT_PROSE.search(token))
    words = WORD.findall(prose.lower())
    return {word for word in words if len(word) >= MIN_WORD_CHARS and word not in STOPWORDS}


def document_frequency(rows: list[ImportRow]) -> Counter:
    frequency = Counter()
    for row in rows:
        frequency.update(content_words(row.body))
    return frequency


def known_item_words(
    row: ImportRow, frequency: Counter, rare_below: float, rng: random.Random
) -> list[str]:
    """Up to ``QUERY_WORDS`` words of the body, the set's rarer words first."""
    words = sorted(content_words(row.body))
    rare = [word for word in words if frequency[word] < rare_below]
    common = [word for word in words if frequency[word] >= rare_below]
    picked = rng.sample(rare, min(QUERY_WORDS, len(rare)))
    return picked + rng.sample(common, min(QUERY_WORDS - len(picked), len(common)))


def draw_queries(rows: list[ImportRow], count: int, seed: int) -> list[EvalQuery]:
    """A known-item query (when the body has words to draw) and a title query for each of
    ``count`` sampled rows; the same rows, seed and count always give the same queries."""
    rng = random.Random(seed)
    frequency = document_frequency(rows)
    rare_below = max(2, COMMON_SHARE * len(rows))
    sample = sorted(rng.sample(rows, min(count, len(rows))), key=lambda row: row.line_no)
    queries = []
    for row in sample:
        words = known_item_words(row, frequency, rare_below, rng)
        if words:
            queries.append(EvalQuery("known_item", " ".join(words), row.line_no))
        queries.append(EvalQuery("title", row.title, row.line_no))
    return queries


# The throwaway tree


def with_fresh_ids(rows: list[ImportRow], token: str) -> list[ImportRow]:
    """Import ids of this run only: the importer skips ids the site already has."""
    return [replace(row, import_id=f"{SLUG_PREFIX}{token}-{row.line_no}") for row in rows]


def evaluation_parent() -> Page:
    home = HomePage.objects.order_by("path").first()
    if home is not None:
        return home
    site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
    return site.root_page if site else Page.get_first_root_node()


@contextmanager
def throwaway_index() -> Iterator[ArticleIndexPage]:
    """An unpublished article index for the evaluation's articles, deleted on the way out."""
    token = uuid.uuid4().hex[:12]
    index = ArticleIndexPage(title=INDEX_TITLE, slug=f"{SLUG_PREFIX}{token}", live=False)
    evaluation_parent().add_child(instance=index)
    try:
        yield index
    finally:
        remove_tree(index)


def leftover_indexes():
    """Throwaway indexes a killed run could not delete."""
    return ArticleIndexPage.objects.filter(title=INDEX_TITLE, slug__startswith=SLUG_PREFIX)


def remove_tree(index: ArticleIndexPage) -> None:
    """Delete the index and its articles, with the audit log entries Wagtail wrote for them.

    The articles are first unpublished in one UPDATE, as the importer published them: without
    it Wagtail unpublishes each live page on its way out, with the whole unpublish signal chain
    (half of the cleanup time). Then the queryset delete (treebeard's) removes the subtree as
    ``Page.delete()`` does, firing the post_delete signals that take each page out of the search
    index, but without logging a "deleted" entry per page."""
    Page.objects.descendant_of(index, inclusive=True).update(live=False)
    PageLogEntry.objects.filter(page__path__startswith=index.path).delete()
    Page.objects.filter(pk=index.pk).delete()


def import_into(
    index: ArticleIndexPage,
    rows: list[ImportRow],
    on_batch: Callable[[int], None] | None = None,
) -> dict[int, int]:
    """Import the rows under the index; returns the article pk for each row's line number."""
    token = index.slug.removeprefix(SLUG_PREFIX)
    import_rows(with_fresh_ids(rows, token), index, on_batch=on_batch)
    refresh_planner_statistics()
    prefix = f"{SLUG_PREFIX}{token}-"
    imported = ArticlePage.objects.descendant_of(index).values_list("import_id", "pk")
    return {int(import_id.removeprefix(prefix)): pk for import_id, pk in imported}


def refresh_planner_statistics() -> None:
    """ANALYZE the tables the import filled, as autovacuum soon would on a running site: with
    the statistics of the empty site the planner picks plans that cost twice as much at 10,000
    articles. PostgreSQL only: SQLite plans without statistics until ANALYZE is run, and the
    site never runs it."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in (Page, ArticlePage, IndexEntry):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


# Searching


def run_query(query: EvalQuery, articles, targets: dict[int, int]) -> Outcome:
    """One search as the view runs it: matching(), the count, then the first page."""
    text = clean_query(query.text)
    start = perf_counter()
    results, any_word, corrected = matching(text, articles)
    results.count()
    first_page = list(results[:RESULTS_PER_PAGE])
    seconds = perf_counter() - start
    pks = [article.pk for article in first_page]
    target = targets[query.line_no]
    rank = pks.index(target) + 1 if target in pks else None
    return Outcome(query.kind, rank, seconds, bool(corrected), any_word)


def run_queries(
    queries: list[EvalQuery], index: ArticleIndexPage, targets: dict[int, int]
) -> list[Outcome]:
    articles = searchable_articles().descendant_of(index)
    vocabulary()  # warm the cached "Did you mean" words, as a running site has them
    if queries:
        run_query(queries[0], articles, targets)  # untimed: first-query connection setup
    return [run_query(query, articles, targets) for query in queries]


# Summary


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (``share`` between 0 and 1); 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def figures(outcomes: list[Outcome], suffix: str = "") -> dict:
    count = len(outcomes)
    milliseconds = [outcome.seconds * 1000 for outcome in outcomes]
    found = [outcome for outcome in outcomes if outcome.rank]
    return {
        f"queries{suffix}": count,
        f"mrr{suffix}": round(sum(1 / o.rank for o in found) / count, 4) if count else 0.0,
        f"found_at_10{suffix}": round(len(found) / count, 4) if count else 0.0,
        f"p50_ms{suffix}": round(percentile(milliseconds, 0.50), 2),
        f"p95_ms{suffix}": round(percentile(milliseconds, 0.95), 2),
        f"corrected{suffix}": sum(outcome.corrected for outcome in outcomes),
        f"any_word{suffix}": sum(outcome.any_word for outcome in outcomes),
    }


def summarise(outcomes: list[Outcome], articles: int, seed: int = 0) -> dict:
    summary = {"articles": articles, "database": connection.vendor, **figures(outcomes)}
    for kind in KINDS:
        summary.update(figures([o for o in outcomes if o.kind == kind], f"_{kind}"))
    summary["seed"] = seed
    return summary


def summary_lines(summary: dict) -> list[str]:
    header = (
        f"{'queries':<12}{'count':>7}{'MRR@10':>9}{'found@10':>10}{'p50 ms':>9}{'p95 ms':>9}"
        f"{'corrected':>11}{'any word':>10}"
    )
    lines = [
        f"Search evaluation on {summary['database']}: {summary['articles']:,} articles, "
        f"{summary['queries']:,} queries",
        header,
    ]
    for label, suffix in [("known-item", "_known_item"), ("title", "_title"), ("all", "")]:
        lines.append(
            f"{label:<12}{summary['queries' + suffix]:>7}{summary['mrr' + suffix]:>9.3f}"
            f"{summary['found_at_10' + suffix]:>10.1%}{summary['p50_ms' + suffix]:>9.1f}"
            f"{summary['p95_ms' + suffix]:>9.1f}{summary['corrected' + suffix]:>11}"
            f"{summary['any_word' + suffix]:>10}"
        )
    return lines
