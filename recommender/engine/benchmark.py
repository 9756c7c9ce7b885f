"""Compare the engine with reference methods on labelled related-document sets.

    python -m recommender.engine.benchmark --sets DIR --k 5 [--speed]

Quality: every ``*.jsonl`` set in DIR except the speed set gets P@k, MRR and coverage for
random, tag overlap, textbook TF-IDF and this engine. ``--speed`` also times the full build on
the speed set (default arxiv-50k) for this engine and the NearestNeighbors baseline, each in a
fresh subprocess so that peak RSS is per method, plus add/remove latency on the built index.
The last line printed is a JSON object with every number.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from . import baselines
from .config import EngineConfig
from .documents import Document
from .evaluation import engine_neighbours, labels_of, peak_rss_mb, read_rows, score, to_documents
from .index import RelatedIndex

SPEED_SET = "arxiv-50k"
LATENCY_SAMPLES = 20


def quality_methods(k: int) -> dict[str, Callable[[list[Document]], dict]]:
    return {
        "random": lambda docs: baselines.random_neighbours(docs, k),
        "tag overlap": lambda docs: baselines.tag_overlap_neighbours(docs, k),
        "textbook": lambda docs: baselines.textbook_neighbours(docs, k),
        "textbook+tags": lambda docs: baselines.textbook_neighbours(docs, k, with_tags=True),
        "ours": lambda docs: engine_neighbours(docs, k),
    }


def quality(sets_dir: Path, k: int, speed_set: str) -> dict[str, dict[str, dict]]:
    results: dict[str, dict[str, dict]] = {}
    for path in sorted(sets_dir.glob("*.jsonl")):
        if path.stem == speed_set:
            continue
        rows = read_rows(path)
        documents, labels = to_documents(rows), labels_of(rows)
        results[path.stem] = {
            name: score(method(documents), labels, k).as_dict()
            for name, method in quality_methods(k).items()
        }
    return results


def print_quality(results: dict[str, dict[str, dict]], k: int) -> dict[str, float]:
    methods = list(next(iter(results.values()))) if results else []
    print(f"\n## Quality (k={k}): P@{k} / MRR / coverage\n")
    print("| set | " + " | ".join(methods) + " |")
    print("|---" * (len(methods) + 1) + "|")
    for name, scores in results.items():
        cells = [
            f"{s['precision']:.3f} / {s['mrr']:.3f} / {s['coverage']:.2f}" for s in scores.values()
        ]
        print(f"| {name} | " + " | ".join(cells) + " |")
    deltas = {
        name: scores["ours"]["precision"] - scores["textbook"]["precision"]
        for name, scores in results.items()
    }
    summary = {
        "mean_delta_vs_textbook": round(statistics.fmean(deltas.values()), 4) if deltas else 0.0,
        "min_delta_vs_textbook": round(min(deltas.values()), 4) if deltas else 0.0,
    }
    print(f"\nP@{k} ours - textbook: " + ", ".join(f"{n} {d:+.3f}" for n, d in deltas.items()))
    mean, low = summary["mean_delta_vs_textbook"], summary["min_delta_vs_textbook"]
    print(f"mean {mean:+.4f}, min {low:+.4f}")
    return summary


# speed -------------------------------------------------------------------------------------------


def measure(method: str, path: Path, k: int, n_jobs: int | None = None) -> dict:
    """Run in a fresh process: build one method on one set and report time, memory, quality."""
    rows = read_rows(path)
    documents, labels = to_documents(rows), labels_of(rows)
    del rows
    loaded_rss = peak_rss_mb()
    start = time.perf_counter()
    if method == "ours":
        config = EngineConfig() if n_jobs is None else EngineConfig(n_jobs=n_jobs)
        index = RelatedIndex.fit(documents, config)
        listed = index.neighbours(k)
        neighbours = {doc: [n.id for n in found] for doc, found in listed.items()}
    else:
        index = None
        neighbours = baselines.nearest_neighbours_baseline(documents, k)
    seconds = time.perf_counter() - start
    result = {
        "method": method,
        "build_seconds": round(seconds, 2),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "rss_after_loading_mb": round(loaded_rss, 1),
        "precision": round(score(neighbours, labels, k).precision, 4),
    }
    if index is not None:
        result.update(latency(index, documents))
    return result


def latency(index: RelatedIndex, documents: list[Document]) -> dict:
    """Remove then re-add sample documents one at a time, timing each call."""
    step = max(1, len(documents) // LATENCY_SAMPLES)
    sample = documents[::step][:LATENCY_SAMPLES]
    removes, adds, changed = [], [], []
    for document in sample:
        start = time.perf_counter()
        index.remove(document.id)
        removes.append(time.perf_counter() - start)
    for document in sample:
        start = time.perf_counter()
        update = index.add_or_update(document)
        adds.append(time.perf_counter() - start)
        changed.append(len(update.changed))
    return {
        "add_ms_median": round(1000 * statistics.median(adds), 1),
        "add_ms_max": round(1000 * max(adds), 1),
        "remove_ms_median": round(1000 * statistics.median(removes), 1),
        "remove_ms_max": round(1000 * max(removes), 1),
        "add_changed_lists_mean": round(statistics.fmean(changed), 1),
    }


def speed(path: Path, k: int, n_jobs: int | None) -> dict:
    runs = {}
    for method in ("baseline", "ours"):
        command = [sys.executable, "-m", __spec__.name, "--measure", method]
        command += ["--file", str(path), "--k", str(k)]
        if n_jobs is not None:
            command += ["--jobs", str(n_jobs)]
        output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        runs[method] = json.loads(output.strip().splitlines()[-1])
    runs["speedup"] = round(runs["baseline"]["build_seconds"] / runs["ours"]["build_seconds"], 2)
    return runs


def print_speed(runs: dict, k: int, name: str) -> None:
    ours, base = runs["ours"], runs["baseline"]
    print(f"\n## Speed on {name} (k={k})\n")
    print("| method | build s | peak RSS MB | P@k |")
    print("|---|---|---|---|")
    for label, run in (
        ("TfidfVectorizer(float32) + NearestNeighbors(brute, n_jobs=2)", base),
        ("ours", ours),
    ):
        print(
            f"| {label} | {run['build_seconds']:.1f} | {run['peak_rss_mb']:.0f} "
            f"| {run['precision']:.3f} |"
        )
    print(f"\nspeed-up: {runs['speedup']:.2f}x")
    print(
        f"add one document (own list + reverse updates): median {ours['add_ms_median']} ms, "
        f"max {ours['add_ms_max']} ms; remove: median {ours['remove_ms_median']} ms, "
        f"max {ours['remove_ms_max']} ms"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", type=Path, help="folder of *.jsonl related sets")
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--speed", action="store_true", help="also run the speed comparison")
    parser.add_argument("--speed-set", default=SPEED_SET)
    parser.add_argument("--jobs", type=int, help="override EngineConfig.n_jobs for ours")
    parser.add_argument("--measure", choices=("ours", "baseline"), help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.measure, args.file, args.k, args.jobs)))
        return
    if args.sets is None:
        parser.error("--sets is required")
    report: dict = {"k": args.k}
    report["quality"] = quality(args.sets, args.k, args.speed_set)
    report["quality_summary"] = print_quality(report["quality"], args.k)
    if args.speed:
        report["speed"] = speed(args.sets / f"{args.speed_set}.jsonl", args.k, args.jobs)
        print_speed(report["speed"], args.k, args.speed_set)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
