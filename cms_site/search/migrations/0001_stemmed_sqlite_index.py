"""On SQLite, rebuild Wagtail's full-text table with FTS5's Porter tokenizer, so "squats" finds
"squat" as PostgreSQL's English configuration does. Other databases are left as they are."""

from django.db import migrations

TABLE = "wagtailsearch_indexentry"
STEMMED = "tokenize='porter unicode61 remove_diacritics 2'"


def fts_table(schema_editor, options: str) -> None:
    if schema_editor.connection.vendor != "sqlite":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE name = %s", [f"{TABLE}_fts"])
        if cursor.fetchone() is None:  # SQLite without FTS5: Wagtail's fallback backend
            return
        cursor.execute(f"DROP TABLE {TABLE}_fts")
        cursor.execute(
            f"CREATE VIRTUAL TABLE {TABLE}_fts USING fts5(autocomplete, body, title{options})"
        )
        cursor.execute(
            f"INSERT INTO {TABLE}_fts (rowid, autocomplete, body, title) "  # noqa: S608
            f"SELECT id, autocomplete, body, title FROM {TABLE}"
        )


def stem(apps, schema_editor):
    fts_table(schema_editor, f", {STEMMED}")


def unstem(apps, schema_editor):
    fts_table(schema_editor, "")


class Migration(migrations.Migration):
    dependencies = [("wagtailsearch", "0010_add_text_fields")]

    operations = [migrations.RunPython(stem, unstem)]
