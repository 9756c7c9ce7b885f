import json
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cms_site.reader_comments.spam_filter import SPAM, SpamFilter
from cms_site.reader_comments.spam_filter.evaluation import Example, deduplicate, load_jsonl, score
from cms_site.reader_comments.spam_filter.text import dedup_key


class Command(BaseCommand):
    help = (
        "Train the spam filter on JSON-lines sets and score it on another, spam being the "
        "positive class. Texts also in the test set are dropped from training. "
        "Touches no database."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--train", required=True, help="FILE[,FILE...] to train on")
        parser.add_argument("--test", required=True, type=Path, help="FILE to score on")
        parser.add_argument(
            "--threshold", type=float, help="spam at or above this (default: the engine's)"
        )
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="End with one JSON line."
        )

    def handle(self, *args, train, test, threshold, as_json, **options):
        train_files = [Path(name.strip()) for name in train.split(",") if name.strip()]
        if not train_files:
            raise CommandError("--train needs at least one file")
        test_set = deduplicate(self.read(Path(test)))
        held_out = {dedup_key(example.text) for example in test_set}
        pooled = deduplicate(example for path in train_files for example in self.read(path))
        train_set = [example for example in pooled if dedup_key(example.text) not in held_out]
        started = time.perf_counter()
        try:
            fitted = SpamFilter.train([e.text for e in train_set], [e.label for e in train_set])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        probabilities = fitted.spam_probability([e.text for e in test_set])
        result = self.result(fitted, train_set, test_set, probabilities, threshold)
        result.update(
            train_files=[str(path) for path in train_files],
            test_file=str(test),
            overlap_removed=len(pooled) - len(train_set),
            seconds=round(time.perf_counter() - started, 3),
        )
        for key, value in result.items():
            self.stdout.write(f"{key:>16}: {value}")
        if as_json:
            self.stdout.write(json.dumps(result))

    def result(self, fitted, train_set, test_set, probabilities, threshold) -> dict:
        high = fitted.config.spam_threshold if threshold is None else threshold
        low = min(fitted.config.review_threshold, high)
        truth = [example.label for example in test_set]
        spam = score(truth, [p >= high for p in probabilities])
        held = score(truth, [p >= low for p in probabilities])
        ham_total = held.fp + held.tn
        return {
            "train": len(train_set),
            "test": len(test_set),
            "test_spam": sum(label == SPAM for label in truth),
            "threshold": high,
            "precision": round(spam.precision, 4),
            "recall": round(spam.recall, 4),
            "f1": round(spam.f1, 4),
            "tp": spam.tp,
            "fp": spam.fp,
            "fn": spam.fn,
            "tn": spam.tn,
            "review_threshold": low,
            "spam_caught_or_held": round(held.recall, 4),
            "ham_held": round(held.fp / ham_total, 4) if ham_total else 0.0,
        }

    def read(self, path: Path) -> list[Example]:
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        try:
            examples = load_jsonl(path)
        except (ValueError, UnicodeDecodeError) as exc:
            raise CommandError(f"{path}: {exc}") from exc
        if not examples:
            raise CommandError(f"{path}: the file has no examples")
        return examples
