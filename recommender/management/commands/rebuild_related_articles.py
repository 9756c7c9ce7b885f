from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import import_string
from tqdm import tqdm

from recommender import conf
from recommender.corpus import all_candidates
from recommender.runs import RecommenderBusy
from recommender.services import rebuild_all


class Command(BaseCommand):
    help = "Retrain the related-articles model and rewrite every stored list."

    def add_arguments(self, parser):
        parser.add_argument(
            "--background", action="store_true", help="Queue the retrain for the workers."
        )

    def handle(self, *args, background, **options):
        if background:
            import_string(conf.get("RECOMMENDER_RETRAIN_DISPATCHER"))(trigger="command")
            self.stdout.write("Retrain queued; follow it under Recommender in the admin.")
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
