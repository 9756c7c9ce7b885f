from django.core.management.base import BaseCommand
from tqdm import tqdm

from recommender.corpus import all_candidates
from recommender.services import rebuild_all


class Command(BaseCommand):
    help = "Retrain the related-articles model and rewrite every stored list now."

    def handle(self, *args, **options):
        total = sum(1 for _ in all_candidates()) if options["verbosity"] > 0 else None
        with tqdm(total=total, unit="page", disable=options["verbosity"] == 0) as progress:
            summary = rebuild_all(progress=progress.update)
        self.stdout.write(
            self.style.SUCCESS(
                f"Rebuilt related articles: {summary.documents} documents, "
                f"vocabulary {summary.vocabulary:,}, {summary.seconds:.1f} s, "
                f"coverage {summary.coverage:.0%} (model {', '.join(summary.versions) or 'none'})."
            )
        )
