"""Scale-out benchmark: a full retrain shared by 1, 2, ... Celery workers, one core each.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/fitness_scale
    export REDIS_URL=redis://127.0.0.1:6379/3
    python -m benchmarks.scale_out --source ARXIV.jsonl --articles 50000 --workers 1 2 --json

The database named by DATABASE_URL is dropped and recreated. Each worker is a real
``celery worker`` with concurrency 1, pinned with ``taskset`` to its own core so that one core
stands for one machine. With several ``--articles`` sizes the same database grows from one size
to the next. Per size it prints each phase of every retrain, then (last line, for the last
size) ``{"articles", "workers", "retrain_seconds", "neighbour_seconds"}``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from itertools import islice
from pathlib import Path

import psutil
from tqdm import tqdm

from benchmarks.background_refresh import full_retrain, recreate_database, setup_django

ROOT = Path(__file__).resolve().parents[1]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, required=True, help="JSON-lines articles")
    parser.add_argument("--articles", type=int, nargs="+", required=True)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--json", action="store_true", help="end with one JSON line")
    args = parser.parse_args(argv)
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        parser.error("DATABASE_URL must name a PostgreSQL database this benchmark may recreate")
    if not os.environ.get("REDIS_URL"):
        parser.error("REDIS_URL must name the Redis the workers use as broker")
    if shutil.which("taskset") is None:
        parser.error("taskset (util-linux) is needed to pin each worker to one core")
    if max(args.workers) > os.cpu_count():
        parser.error(f"at most {os.cpu_count()} workers: one core each")
    args.articles.sort()
    return args


def import_up_to(source: Path, done: int, total: int) -> float:
    """Import articles ``done:total`` of ``source``; returns the seconds it took."""
    from django.core.management import call_command

    part = ROOT / "var" / "scale-out-articles.jsonl"
    part.parent.mkdir(exist_ok=True)
    with source.open(encoding="utf-8") as lines:
        part.write_text("".join(islice(lines, done, total)), encoding="utf-8")
    started = time.perf_counter()
    call_command("import_articles", str(part), verbosity=0)
    return time.perf_counter() - started


def start_pinned_workers(count: int) -> list[subprocess.Popen]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "cms_site.settings.dev"}
    env.setdefault("LOG_LEVEL", "WARNING")
    logs = ROOT / "var" / "scale-out-logs"
    logs.mkdir(parents=True, exist_ok=True)
    workers = []
    for core in range(count):
        command = ["taskset", "-c", str(core), sys.executable, "-m", "celery", "-A", "tasks"]
        command += ["worker", "--concurrency=1", f"--hostname=scale{core}@%h"]
        command += ["--loglevel=WARNING", "--without-gossip", "--without-mingle"]
        log = (logs / f"worker{core}.log").open("w")
        workers.append(
            subprocess.Popen(
                command,
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
    from tasks import app

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if len(app.control.ping(timeout=0.5) or []) >= count:
            return workers
    stop(workers)
    raise RuntimeError("workers did not start")


def peak_rss_mb(worker: subprocess.Popen) -> float:
    """The highest resident size any process of this worker reached (VmHWM)."""
    parent = psutil.Process(worker.pid)
    peaks = []
    for process in [parent, *parent.children(recursive=True)]:
        status = Path(f"/proc/{process.pid}/status").read_text()
        line = next(row for row in status.splitlines() if row.startswith("VmHWM"))
        peaks.append(int(line.split()[1]) / 1024)
    return round(max(peaks), 1)


def stop(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        worker.terminate()
    for worker in workers:
        worker.wait(timeout=60)


def phases(retrain: dict) -> dict:
    from recommender.models import RecommenderRun

    run = RecommenderRun.objects.filter(kind="full").order_by("-pk").first()
    if run.status != "succeeded" or run.chunks_started_at is None:
        raise RuntimeError(f"retrain did not succeed: {run.status} {run.error}")
    return {
        "retrain_seconds": retrain["seconds"],
        "prepare_seconds": seconds(run.started_at, run.chunks_started_at),
        "neighbour_seconds": seconds(run.chunks_started_at, run.chunks_finished_at),
        "swap_seconds": seconds(run.chunks_finished_at, run.finished_at),
        "chunk_compute_seconds": round(run.chunk_compute_seconds, 2),
        "chunk_write_seconds": round(run.chunk_write_seconds, 2),
        "chunks": run.chunks_total,
        "documents": run.documents,
    }


def seconds(start, stop) -> float:
    return round((stop - start).total_seconds(), 2)


def measure(count: int) -> dict:
    workers = start_pinned_workers(count)
    try:
        result = {"workers": count, **phases(full_retrain())}
        result["peak_rss_mb"] = [peak_rss_mb(worker) for worker in workers]
    finally:
        stop(workers)
    return result


def main(argv=None) -> None:
    args = parse_args(argv)
    url = os.environ["DATABASE_URL"]
    recreate_database(url)
    setup_django(url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_demo_content", verbosity=0)
    done, summary = 0, {}
    for size in args.articles:
        took = import_up_to(args.source, done, size)
        print(f"{size:,} articles imported ({size - done:,} in {took:.0f} s)", flush=True)
        done = size
        runs = [measure(count) for count in tqdm(args.workers, desc=f"{size:,} articles")]
        for run in runs:
            print(json.dumps(run), flush=True)
        print(json.dumps({"articles": size, "runs": runs}), flush=True)
        summary = {
            "articles": size,
            "workers": args.workers,
            "retrain_seconds": [run["retrain_seconds"] for run in runs],
            "neighbour_seconds": [run["neighbour_seconds"] for run in runs],
        }
    if args.json:
        print(json.dumps(summary))


if __name__ == "__main__":
    main()
