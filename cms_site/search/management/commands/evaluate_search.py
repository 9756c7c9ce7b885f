import json
import signal
from contextlib import contextmanager
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from cms_site.articles.importing import ImportFileError, read_rows
from cms_site.search import evaluation


class Command(BaseCommand):
    help = (
        "Measure the site search on a JSON-lines set: import it under a temporary article index, "
        "run known-item and title queries through the search view's code, report MRR@10 and "
        "latency, then delete the temporary articles. The last line printed is JSON."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--json", action="store_true", help="Print only the JSON line.")
        parser.add_argument("--limit", type=int, default=0, help="Use only the first N rows.")
        parser.add_argument("--queries", type=int, default=200, help="Documents to query.")
        parser.add_argument("--seed", type=int, default=0)

    def handle(self, *args, file, limit, queries, seed, **options):
        if limit < 0 or queries < 1:
            raise CommandError("--limit must be 0 or more and --queries at least 1.")
        try:
            rows = read_rows(file)
        except ImportFileError as exc:
            raise CommandError(f"{exc}. Nothing was evaluated.") from exc
        rows = rows[:limit] if limit else rows
        self.warn_about_leftovers()
        drawn = evaluation.draw_queries(rows, queries, seed)
        progress_bar = not options["json"] and options["verbosity"] > 0
        with interrupted_by_sigterm(), evaluation.throwaway_index() as index:
            with tqdm(total=len(rows), unit="article", disable=not progress_bar) as progress:
                targets = evaluation.import_into(index, rows, on_batch=progress.update)
            outcomes = evaluation.run_queries(drawn, index, targets)
        summary = evaluation.summarise(outcomes, articles=len(targets), seed=seed)
        if not options["json"]:
            self.stdout.write("\n".join(evaluation.summary_lines(summary)))
        self.stdout.write(json.dumps(summary))

    def warn_about_leftovers(self):
        """A run killed outright cannot clean up; its articles would still show in searches."""
        for page in evaluation.leftover_indexes():
            self.stderr.write(
                self.style.WARNING(
                    f"An earlier evaluation left page {page.pk} ({page.url_path}) behind; "
                    "delete it in the admin."
                )
            )


@contextmanager
def interrupted_by_sigterm():
    """A plain ``kill`` interrupts the run like Ctrl-C, so the temporary articles are deleted
    (otherwise Python stops at once and they stay in the site's search)."""

    def interrupt(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
