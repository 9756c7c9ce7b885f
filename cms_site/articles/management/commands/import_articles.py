from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from cms_site.articles.importing import (
    DEFAULT_MAX_BODY_CHARS,
    ImportFileError,
    import_rows,
    read_rows,
)
from cms_site.articles.models import ArticleIndexPage


class Command(BaseCommand):
    help = "Import published articles from a JSON-lines file (title, body, tags; labels ignored)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--parent", default="", help="Slug of the article index page.")
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument("--max-body-chars", type=int, default=DEFAULT_MAX_BODY_CHARS)

    def handle(self, *args, file, parent, batch_size, max_body_chars, **options):
        index = find_index(parent)
        try:
            rows = read_rows(file, max_body_chars=max_body_chars)
        except ImportFileError as exc:
            raise CommandError(f"{exc}. Nothing was imported.") from exc
        show = options["verbosity"] > 0
        with tqdm(total=len(rows), unit="article", disable=not show) as progress:
            result = import_rows(
                rows, index, batch_size=max(1, batch_size), on_batch=progress.update
            )
        rate = len(rows) / progress.format_dict["elapsed"] if progress.format_dict["elapsed"] else 0
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {result.created} article(s) under {index.title!r}; "
                f"skipped {result.skipped} that already existed ({rate:,.0f} rows/s)."
            )
        )


def find_index(slug: str) -> ArticleIndexPage:
    """The article index with this slug (or the first one); a clear error when there is none."""
    indexes = ArticleIndexPage.objects.all()
    if slug:
        indexes = indexes.filter(slug=slug)
    index = indexes.order_by("path").first()
    if index is None:
        where = f"with slug {slug!r}" if slug else "on this site"
        raise CommandError(
            f"No article index page {where}. Run load_demo_content or create one in the admin."
        )
    return index
