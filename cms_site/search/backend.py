"""Wagtail's database search backend, with the SQLite index ranked the way PostgreSQL ranks.

On PostgreSQL this is Wagtail's own backend: field boosts become tsvector weights and the
English configuration folds word forms. Wagtail's SQLite backend ignores boosts and scores the
title like any other text; ``weighted_sqlite`` indexes each field's text by its boost, scores
the title on its own (counting ``TITLE_WEIGHT`` times the rest), and migration
``site_search.0001`` makes the index table stem words with FTS5's Porter tokenizer, so the demo
finds and orders what production does.
"""

from django.db import connection
from modelsearch.backends.database import SearchBackend as database_backend


def SearchBackend(params):  # noqa: N802 (Wagtail looks up this name)
    backend = database_backend(params)
    if connection.vendor != "sqlite":
        return backend
    from modelsearch.backends.database.sqlite.sqlite import SQLiteSearchBackend

    from .weighted_sqlite import WeightedSQLiteSearchBackend

    if isinstance(backend, SQLiteSearchBackend):  # not Wagtail's fallback for SQLite without FTS5
        return WeightedSQLiteSearchBackend(params)
    return backend
