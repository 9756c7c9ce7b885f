"""Leave-one-video-out comparison of the spam filter with a plain character n-gram baseline.

    python -m cms_site.reader_comments.spam_filter.benchmark --sets /work/evalsets/spam [--json]

Reads ``youtube-spam.jsonl`` (and ``sms-spam.jsonl`` with ``--with-sms``) from ``--sets``.
``--tune`` also re-derives the two thresholds by leave-one-video-out inside each training fold.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from .classifier import SPAM, SpamFilter
from .config import SpamFilterConfig
from .evaluation import (
    Fold,
    FoldRun,
    Scorer,
    Scores,
    leave_one_source_out,
    load_jsonl,
    mean_scores,
    precision_threshold,
    review_threshold,
    run_folds,
)

BASELINE_THRESHOLD = 0.5
TUNE_MIN_PRECISION = 0.98
TUNE_MAX_SPAM_PUBLISHED = 0.03


def train_ours(texts: list[str], labels: list[str]) -> Scorer:
    return SpamFilter.train(texts, labels).spam_probability


def train_baseline(texts: list[str], labels: list[str]) -> Scorer:
    model = make_pipeline(
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5)), LogisticRegression()
    )
    model.fit(texts, [label == SPAM for label in labels])
    return lambda batch: [float(p) for p in model.predict_proba(batch)[:, 1]]


def triage_counts(runs: Sequence[FoldRun], low: float, high: float) -> dict[str, dict[str, int]]:
    """Pooled over folds: how many spam and ham comments land in each moderation band."""
    counts = {label: {"published": 0, "review": 0, "spam": 0} for label in ("spam", "ham")}
    for run in runs:
        for label, p in zip(run.truth, run.probabilities, strict=True):
            band = "spam" if p >= high else ("review" if p >= low else "published")
            counts[label][band] += 1
    return counts


def tune_thresholds(folds: Sequence[Fold], extra_sources: set[str]) -> list[dict[str, object]]:
    """Per outer fold, thresholds chosen by leave-one-video-out on its training videos only."""
    chosen = []
    for fold in folds:
        videos = [e for e in fold.train if e.source not in extra_sources]
        extra = [e for e in fold.train if e.source in extra_sources]
        runs = run_folds(leave_one_source_out(videos, extra), train_ours)
        chosen.append(
            {
                "fold": fold.name,
                "spam_threshold": precision_threshold(runs, TUNE_MIN_PRECISION),
                "review_threshold": review_threshold(runs, TUNE_MAX_SPAM_PUBLISHED),
            }
        )
    return chosen


def _row(name: str, ours: dict[str, float], baseline: dict[str, float]) -> str:
    cells = [f"{m[k]:.3f}" for m in (ours, baseline) for k in ("precision", "recall", "f1")]
    return f"| {name} | " + " | ".join(cells) + " |"


def render_table(names: list[str], ours: list[Scores], baseline: list[Scores]) -> str:
    lines = [
        "| fold | ours P | ours R | ours F1 | baseline P | baseline R | baseline F1 |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, a, b in zip(names, ours, baseline, strict=True):
        lines.append(_row(name, a.as_dict(), b.as_dict()))
    lines.append(_row("**mean**", mean_scores(ours), mean_scores(baseline)))
    return "\n".join(lines)


def _print_tuning(chosen: list[dict[str, object]], runs: Sequence[FoldRun]) -> dict[str, object]:
    nested = [
        run.scores(float(c["spam_threshold"] or BASELINE_THRESHOLD))
        for run, c in zip(runs, chosen, strict=True)
    ]
    highs = [float(c["spam_threshold"]) for c in chosen if c["spam_threshold"] is not None]
    summary = {
        "inner_choices": chosen,
        "median_spam_threshold": statistics.median(highs) if highs else None,
        "median_review_threshold": statistics.median(float(c["review_threshold"]) for c in chosen),
        "nested_mean": mean_scores(nested),
    }
    for c in chosen:
        print(
            f"  {c['fold']}: spam_threshold={c['spam_threshold']} "
            f"review_threshold={c['review_threshold']}"
        )
    print(
        f"  medians: spam {summary['median_spam_threshold']}, "
        f"review {summary['median_review_threshold']}; "
        f"outer scores at each fold's own inner choice: {summary['nested_mean']}"
    )
    return summary


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", type=Path, required=True, help="folder with the .jsonl sets")
    parser.add_argument("--with-sms", action="store_true", help="add sms-spam.jsonl to training")
    parser.add_argument("--tune", action="store_true", help="re-derive thresholds (nested)")
    parser.add_argument("--json", action="store_true", help="end with one JSON line of results")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    config = SpamFilterConfig()
    extra = load_jsonl(args.sets / "sms-spam.jsonl") if args.with_sms else []
    folds = leave_one_source_out(load_jsonl(args.sets / "youtube-spam.jsonl"), extra)
    started = time.perf_counter()
    ours_runs = run_folds(folds, train_ours)
    baseline_runs = run_folds(folds, train_baseline)
    ours = [run.scores(config.spam_threshold) for run in ours_runs]
    baseline = [run.scores(BASELINE_THRESHOLD) for run in baseline_runs]
    names = [fold.name for fold in folds]
    print(
        f"leave-one-video-out on deduplicated youtube-spam, training "
        f"{'with' if extra else 'without'} SMS; ours at p >= {config.spam_threshold}, "
        f"baseline at p >= {BASELINE_THRESHOLD}"
    )
    print(render_table(names, ours, baseline))
    triage = triage_counts(ours_runs, config.review_threshold, config.spam_threshold)
    print(
        f"ours, pooled bands (low {config.review_threshold}, high {config.spam_threshold}): "
        f"{triage}"
    )
    result = _summary(names, ours, baseline, config, triage, bool(extra))
    if args.tune:
        print(
            f"thresholds chosen inside training folds (mean precision >= {TUNE_MIN_PRECISION}, "
            f"at most {TUNE_MAX_SPAM_PUBLISHED:.0%} of spam below review):"
        )
        result["tuning"] = _print_tuning(
            tune_thresholds(folds, {e.source for e in extra}), ours_runs
        )
    print(f"({time.perf_counter() - started:.1f} s)")
    if args.json:
        print(json.dumps(result))
    return 0


def _summary(
    names: list[str],
    ours: list[Scores],
    baseline: list[Scores],
    config: SpamFilterConfig,
    triage: dict[str, dict[str, int]],
    with_sms: bool,
) -> dict[str, object]:
    return {
        "protocol": "leave-one-video-out youtube-spam, deduplicated",
        "with_sms": with_sms,
        "config": config.to_dict(),
        "baseline": "char_wb (2, 5) TF-IDF + LogisticRegression(), threshold 0.5",
        "folds": [
            {"fold": n, "ours": a.as_dict(), "baseline": b.as_dict()}
            for n, a, b in zip(names, ours, baseline, strict=True)
        ],
        "mean": {"ours": mean_scores(ours), "baseline": mean_scores(baseline)},
        "triage": triage,
    }


if __name__ == "__main__":
    sys.exit(main())
