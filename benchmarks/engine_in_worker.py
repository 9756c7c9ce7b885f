"""The engine's full build on the command line and inside a Celery prefork worker, side by side.

    REDIS_URL=redis://127.0.0.1:6379/3 python -m benchmarks.engine_in_worker \\
        --file /tmp/evalsets/related/arxiv-50k.jsonl

A prefork child is a daemon process that may not start processes of its own, which is where an
engine that forks would fall back to one core. Both runs use ``recommender.engine.benchmark``'s
measurement (fit + every list, peak RSS, P@5); the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from celery import Celery

from recommender.engine import benchmark

ROOT = Path(__file__).resolve().parents[1]
app = Celery("engine_in_worker", broker=os.environ.get("REDIS_URL"))
app.conf.update(result_backend=os.environ.get("REDIS_URL"), task_default_queue="engine-in-worker")


@app.task(name="engine_in_worker.measure")
def measure_in_worker(path: str, k: int) -> dict:
    return benchmark.measure("ours", Path(path), k)


def on_command_line(path: Path, k: int) -> dict:
    command = [sys.executable, "-m", "recommender.engine.benchmark", "--measure", "ours"]
    output = subprocess.run(
        [*command, "--file", str(path), "--k", str(k)], check=True, capture_output=True, text=True
    )
    return json.loads(output.stdout.strip().splitlines()[-1])


def in_worker(path: Path, k: int) -> dict:
    command = [sys.executable, "-m", "celery", "-A", __spec__.name, "worker", "--pool=prefork"]
    command += ["--concurrency=1", "--loglevel=WARNING", "--without-gossip", "--without-mingle"]
    worker = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        return measure_in_worker.delay(str(path), k).get(timeout=1800)
    finally:
        worker.terminate()
        worker.wait(timeout=60)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, required=True)
    parser.add_argument("--k", type=int, default=5)
    args = parser.parse_args(argv)
    if not os.environ.get("REDIS_URL"):
        parser.error("REDIS_URL must name the Redis the worker uses as broker")
    runs = {"command_line": on_command_line(args.file, args.k)}
    runs["celery_worker"] = in_worker(args.file, args.k)
    for name, run in runs.items():
        seconds, rss, precision = run["build_seconds"], run["peak_rss_mb"], run["precision"]
        print(f"{name:>13}: {seconds:.1f} s, {rss:.0f} MB, P@{args.k} {precision:.3f}")
    ratio = runs["celery_worker"]["build_seconds"] / runs["command_line"]["build_seconds"]
    print(f"worker / command line: {ratio:.2f}")
    print(json.dumps({**runs, "worker_over_command_line": round(ratio, 2)}))


if __name__ == "__main__":
    main()
