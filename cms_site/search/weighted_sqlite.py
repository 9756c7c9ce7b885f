"""Wagtail's SQLite search backend with boosts, a separately scored title and stemming:
see ``cms_site.search.backend``. Imported only when the database is SQLite."""

from __future__ import annotations

import math

from django.db.models import FloatField, Func
from django.utils.functional import cached_property
from modelsearch.backends.database.sqlite import sqlite
from modelsearch.index import SearchField
from modelsearch.query import Not, Phrase, PlainText
from modelsearch.utils import get_content_type_pk

TITLE_WEIGHT = 2.5
MAX_REPEATS = 4
FTS_TABLE = sqlite.SQLiteFTSIndexEntry._meta.db_table


def repeats(boost: float | None) -> int:
    """How many times a field's text is indexed: the square root of its boost, rounded up
    (BM25 saturates with repetition, so 3 copies already outweigh 1 by a wide margin)."""
    return min(MAX_REPEATS, math.ceil(math.sqrt(max(boost or 1, 1))))


class WeightedIndexer(sqlite.ObjectIndexer):
    @cached_property
    def body(self) -> str:
        texts = []
        for field in self.search_fields:
            for current, value in self.prepare_field(self.obj, field):
                if isinstance(current, SearchField) and current.field_name != "title":
                    texts.extend([value] * repeats(current.boost))
        return " ".join(texts)


class WeightedSQLiteIndex(sqlite.SQLiteIndex):
    def add_items(self, model, objs):
        if not model.get_search_fields():
            return
        content_type = get_content_type_pk(model)
        entries = [self.entry(content_type, WeightedIndexer(obj, self.backend)) for obj in objs]
        self.entries.bulk_create(
            entries,
            update_conflicts=True,
            unique_fields=["content_type", "object_id"],
            update_fields=["title", "autocomplete", "body", "title_norm"],
        )
        self._refresh_title_norms()

    @staticmethod
    def entry(content_type: int, indexer: WeightedIndexer):
        return sqlite.IndexEntry(
            content_type_id=content_type,
            object_id=indexer.id,
            title=indexer.title,
            autocomplete=indexer.autocomplete,
            body=indexer.body,
            title_norm=1.0,
        )


class ColumnBM25(Func):
    """FTS5's bm25() over one column of the index: the title, or the rest of the text."""

    output_field = FloatField()

    def __init__(self, column: str):
        super().__init__()
        self.weights = "0.0, 0.0, 1.0" if column == "title" else "0.0, 1.0, 0.0"

    def as_sql(self, compiler, connection, **extra):
        return f"bm25({FTS_TABLE}, {self.weights})", []


class WeightedSQLiteCompiler(sqlite.SQLiteSearchQueryCompiler):
    """Scores the title and the body apart, as PostgreSQL ranks its two vectors."""

    def build_tsrank(self, vector, query, config=None, boost=1.0):
        if isinstance(query, (Phrase, PlainText, Not)):
            if vector.name.endswith("title"):
                return ColumnBM25("title") * (boost * TITLE_WEIGHT)
            return ColumnBM25("body") * boost
        return super().build_tsrank(vector, query, config=config, boost=boost)


class WeightedSQLiteSearchBackend(sqlite.SQLiteSearchBackend):
    query_compiler_class = WeightedSQLiteCompiler
    index_class = WeightedSQLiteIndex
