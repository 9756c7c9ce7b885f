"""Which pages' shown lists a write changed, and announcing them after commit.

A list's fingerprint is the tuple of its shown rows: ``FIELDS`` of its first ``shown_slots()``
rows by rank, as pages show them (``RelatedArticle.objects.shown_on``). Scores, shared terms
and model versions are left out: pages do not render them, and a retrain moves every score a
little.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Max
from wagtail.models import Site

from .models import RecommenderSettings, RelatedArticle, StagedRelatedArticle
from .signals import related_lists_changed

logger = logging.getLogger(__name__)
FIELDS = ("rank", "target_id", "reason", "title", "url", "excerpt", "category", "thumbnail_url")
QUERY_CHUNK = 500  # source ids per IN (...) query, under SQLite's parameter limit


def shown_slots() -> int:
    """The most suggestions any site shows (a site without settings shows the default)."""
    stored = RecommenderSettings.objects.aggregate(most=Max("slots"))["most"] or 0
    unset = Site.objects.exclude(pk__in=RecommenderSettings.objects.values("site_id"))
    if stored and not unset.exists():
        return stored
    return max(stored, RecommenderSettings._meta.get_field("slots").default)


def fingerprints(source_ids: Iterable[int], slots: int) -> dict[int, tuple]:
    """Each source's first ``slots`` rows by rank, as pages show them; no rows: left out."""
    found: dict[int, list] = defaultdict(list)
    ids = list(source_ids)
    for start in range(0, len(ids), QUERY_CHUNK):
        rows = (
            RelatedArticle.objects.filter(source_id__in=ids[start : start + QUERY_CHUNK])
            .order_by("source_id", "rank")
            .values_list("source_id", *FIELDS)
        )
        for source_id, *rest in rows:
            if len(found[source_id]) < slots:
                found[source_id].append(tuple(rest))
    return {source_id: tuple(rows) for source_id, rows in found.items()}


class ListChanges:
    """Remembers the lists of the sources a batch touches before it writes them."""

    def __init__(self):
        self.slots = shown_slots()
        self.before: dict[int, tuple] = {}

    def watch(self, source_ids: Iterable[int]) -> None:
        """Call before rewriting or deleting these sources' rows."""
        new = set(source_ids) - self.before.keys()
        if new:
            found = fingerprints(new, self.slots)
            self.before.update({source_id: found.get(source_id, ()) for source_id in new})

    def watch_showing(self, target_id: int) -> None:
        """Call before changing or deleting the rows that suggest ``target_id``."""
        rows = RelatedArticle.objects.filter(target_id=target_id)
        self.watch(rows.values_list("source_id", flat=True))

    def changed(self) -> frozenset[int]:
        after = fingerprints(self.before, self.slots)
        return frozenset(s for s, rows in self.before.items() if after.get(s, ()) != rows)


def changed_by_swap(run_id: int) -> frozenset[int]:
    """Sources whose shown list differs between the live table and a retrain's staged lists.

    Two set differences of the shown rows (the first ``shown_slots()`` of each source, numbered
    in the database), so it stays one query at any number of pages.
    """
    quote = connection.ops.quote_name
    names = ("source_id", *FIELDS)
    columns = ", ".join(quote(RelatedArticle._meta.get_field(n).column) for n in names)
    source, rank = quote("source_id"), quote("rank")
    position = f"ROW_NUMBER() OVER (PARTITION BY {source} ORDER BY {rank}) AS shown_position"

    def shown(table: str, where: str) -> str:
        numbered = f"SELECT {columns}, {position} FROM {quote(table)}{where}"
        return f"SELECT {columns} FROM ({numbered}) AS numbered WHERE shown_position <= %s"

    live = shown(RelatedArticle._meta.db_table, "")
    staged = shown(StagedRelatedArticle._meta.db_table, " WHERE run_id = %s")
    gone = "SELECT * FROM live_shown EXCEPT SELECT * FROM staged_shown"
    came = "SELECT * FROM staged_shown EXCEPT SELECT * FROM live_shown"
    query = (  # each side numbered once (a CTE used twice), then two set differences
        f"WITH live_shown AS ({live}), staged_shown AS ({staged}) "
        f"SELECT {source} FROM ({gone}) AS gone UNION SELECT {source} FROM ({came}) AS came"
    )
    slots = shown_slots()
    with connection.cursor() as cursor:
        cursor.execute(query, [slots, run_id, slots])
        return frozenset(row[0] for row in cursor.fetchall())


def announce(page_ids: Iterable[int], trigger: str) -> None:
    """Send ``related_lists_changed`` once the current transaction commits (never if empty)."""
    page_ids = frozenset(page_ids)
    if not page_ids:
        return
    transaction.on_commit(lambda: send(page_ids, trigger))


def send(page_ids: frozenset[int], trigger: str) -> None:
    responses = related_lists_changed.send_robust(
        sender=RelatedArticle, page_ids=page_ids, trigger=trigger
    )
    for receiver, response in responses:
        if isinstance(response, Exception):
            logger.error(
                "A related_lists_changed receiver (%r) failed for %s page(s), trigger %s",
                receiver,
                len(page_ids),
                trigger,
                exc_info=(type(response), response, response.__traceback__),
            )
