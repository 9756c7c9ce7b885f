"""On PostgreSQL, index the expression Wagtail's search matches on, ``title || body``: Wagtail
indexes the two columns apart, so every search read the whole index table (p95 1.04 s at 10,000
articles; 39 ms with this index, docs/search.md). Other databases are left as they are."""

from django.db import migrations

INDEX = "site_search_indexentry_title_body"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON wagtailsearch_indexentry "
            "USING gin ((title || body))"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("site_search", "0001_stemmed_sqlite_index")]

    operations = [migrations.RunPython(create, drop)]
