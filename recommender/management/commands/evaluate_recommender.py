import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from recommender.engine import evaluation
from recommender.models import RecommenderSettings


class Command(BaseCommand):
    help = (
        "Score the engine, with the site's default settings, on a JSON-lines evaluation set "
        "(title, body and tags as input; labels only for scoring). Touches no database."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--k", type=int, default=5)
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="End with one JSON line."
        )

    def handle(self, *args, file, k, as_json, **options):
        if k < 1:
            raise CommandError("--k must be at least 1")
        rows = self.read(file)
        documents = evaluation.to_documents(rows)
        labels = evaluation.labels_of(rows)
        neighbours, seconds = evaluation.timed(
            lambda: evaluation.engine_neighbours(
                documents, k, RecommenderSettings().engine_config()
            )
        )
        scores = evaluation.score(neighbours, labels, k)
        result = {
            "file": str(file),
            "docs": len(documents),
            "k": k,
            "precision_at_k": round(scores.precision, 4),
            "mrr": round(scores.mrr, 4),
            "coverage": round(scores.coverage, 4),
            "build_seconds": round(seconds, 3),
            "peak_rss_mb": round(evaluation.peak_rss_mb(), 1),
        }
        for key, value in result.items():
            self.stdout.write(f"{key:>15}: {value}")
        if as_json:
            self.stdout.write(json.dumps(result))

    def read(self, file: Path):
        if not file.is_file():
            raise CommandError(f"{file}: no such file")
        try:
            rows = evaluation.read_rows(file)
        except (ValueError, KeyError) as exc:
            raise CommandError(f"{file}: {exc}") from exc
        if not rows:
            raise CommandError(f"{file}: the file has no documents")
        return rows
