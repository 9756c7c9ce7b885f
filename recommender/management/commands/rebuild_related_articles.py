from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from recommender import dispatch
from recommender.corpus import all_candidates
from recommender.retrain import rebuild_all
from recommender.runs import RecommenderBusy


class Command(BaseCommand):
    help = "Retrain the related-articles model and rewrite every stored list."

    def add_arguments(self, parser):
        parser.add_argument(
            "--background", action="store_true", help="Queue the retrain for the Celery workers."
        )

    def handle(self, *args, background, **options):
        if background:
            self.queue()
            return
        total = sum(1 for _ in all_candidates()) if options["verbosity"] > 0 else None
        try:
            with tqdm(total=total, unit="page", disable=options["verbosity"] == 0) as progress:
                summary = rebuild_all(progress=progress.update)
        except RecommenderBusy as busy:
            raise CommandError(f"Not started: {busy}. Try again when it has finished.") from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Rebuilt related articles: {summary.documents} documents, "
                f"vocabulary {summary.vocabulary:,}, {summary.seconds:.1f} s, "
                f"coverage {summary.coverage:.0%} (model {', '.join(summary.versions) or 'none'})."
            )
        )

    def queue(self):
        if not dispatch.uses_celery():
            raise CommandError(
                "--background needs Celery workers (RECOMMENDER_USE_CELERY = True); "
                "run without it to retrain here."
            )
        try:
            dispatch.retrain(trigger="command")
        except Exception as exc:
            raise CommandError(f"The retrain could not be queued: {exc}") from exc
        self.stdout.write("Retrain queued; follow it under Recommender in the admin.")
