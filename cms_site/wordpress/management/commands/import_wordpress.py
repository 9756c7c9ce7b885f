import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from cms_site.articles.management.commands.import_articles import find_index
from cms_site.wordpress.importer import Summary, WordPressImport, scan
from cms_site.wordpress.wxr import WxrError

SHOWN = 20


class Command(BaseCommand):
    help = (
        "Import a WordPress export (Tools → Export, WXR): posts become articles, comments keep "
        "their threads and status, old links redirect. Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="The .xml file WordPress exported.")
        parser.add_argument("--parent", default="", help="Slug of the article index page.")
        parser.add_argument(
            "--media-dir",
            type=Path,
            help="A copy of wp-content/uploads; images are never fetched from the network.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Report what would happen; write nothing."
        )
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="End with one JSON line of counts."
        )

    def handle(self, *args, file, parent, media_dir, dry_run, as_json, **options):
        index = find_index(parent)
        if media_dir and not media_dir.is_dir():
            raise CommandError(f"--media-dir {media_dir}: no such directory. Nothing was imported.")
        quiet = options["verbosity"] == 0
        plan = self.checked(file, quiet)
        importer = WordPressImport(plan, index, media_dir=media_dir, dry_run=dry_run)
        with tqdm(total=plan.items, unit="item", desc="Importing", disable=quiet) as progress:
            try:
                summary = importer.run(on_item=progress.update)
            except WxrError as exc:
                raise CommandError(
                    f"{file} changed while it was being imported ({exc}). What was imported "
                    "so far is kept; run the command again on the final file."
                ) from None
        self.report(summary, index, dry_run, verbose=options["verbosity"] > 1)
        if as_json:
            self.stdout.write(json.dumps(summary.as_json()))

    def checked(self, file: Path, quiet: bool):
        size = file.stat().st_size if file.is_file() else 0
        with tqdm(total=size, unit="B", unit_scale=True, desc="Checking", disable=quiet) as bar:
            try:
                return scan(file, on_bytes=bar.update)
            except WxrError as exc:
                where = f"{file}:{exc.line}" if exc.line else str(file)
                raise CommandError(f"{where}: {exc.message}. Nothing was imported.") from None

    def report(self, summary: Summary, index, dry_run: bool, verbose: bool) -> None:
        verb = "Would import" if dry_run else "Imported"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} {summary.posts} published post(s), {summary.drafts} draft(s), "
                f"{summary.comments} comment(s), {summary.images} image(s) and "
                f"{summary.redirects} redirect(s) under {index.title!r}; "
                f"skipped {summary.skipped} already imported or not importable."
            )
        )
        self.listing("Arrived as drafts", summary.draft_titles, verbose)
        self.listing(
            "WordPress pages not imported (recreate them as pages)", summary.page_links, verbose
        )
        self.listing("Warnings", summary.warnings, verbose)
        if dry_run:
            self.stdout.write("Dry run: nothing was written.")

    def listing(self, heading: str, lines: list[str], verbose: bool) -> None:
        if not lines:
            return
        self.stdout.write(f"{heading} ({len(lines)}):")
        shown = lines if verbose else lines[:SHOWN]
        for line in shown:
            self.stdout.write(f"  - {line}")
        if len(shown) < len(lines):
            self.stdout.write(f"  … and {len(lines) - len(shown)} more (run with -v 2 to see all)")
