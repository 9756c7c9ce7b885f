"""Background refresh benchmark: full retrain time and publish-to-visible latency.

    python -m benchmarks.background_refresh --source ARXIV.jsonl --articles 10000 \
        --database-url postgres://postgres@127.0.0.1:5432/fitness_bench --workers 1 2

The database named by --database-url is dropped and recreated. REDIS_URL must point at Redis.
Each worker count gets real `celery worker` processes (one process each, as if on separate
machines). Compared in the same run: the obvious alternative, a full retrain per publish.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from itertools import islice
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, required=True, help="JSON-lines articles")
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--publishes", type=int, default=40)
    parser.add_argument("--burst", type=int, default=100)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--database-url", required=True)
    return parser.parse_args()


def recreate_database(url: str) -> None:
    if url.startswith("sqlite"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
        return
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "cms_site.settings.dev"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def start_workers(count: int, url: str) -> list[subprocess.Popen]:
    env = {**os.environ, "DATABASE_URL": url, "LOG_LEVEL": "WARNING"}
    workers = []
    for n in range(count):
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "tasks",
            "worker",
            "--concurrency=1",
            f"--hostname=bench{n}@%h",
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
        ]
        workers.append(subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True))
    from tasks import app

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if len(app.control.ping(timeout=0.5) or []) >= count:
            return workers
    raise RuntimeError("workers did not start")


def stop_workers(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        worker.terminate()
    for worker in workers:
        worker.wait(timeout=30)


def import_articles(source: Path, count: int) -> tuple[list[dict], float]:
    from django.core.management import call_command

    from cms_site.articles.importing import read_rows

    call_command("migrate", verbosity=0)
    call_command("load_demo_content", verbosity=0)
    head = ROOT / "var" / "bench-articles.jsonl"
    lines = list(islice(source.open(encoding="utf-8"), count + 400))
    head.write_text("".join(lines[:count]), encoding="utf-8")
    started = time.perf_counter()
    call_command("import_articles", str(head), verbosity=0)
    rate = count / (time.perf_counter() - started)
    extra = [json.loads(line) for line in lines[count:]]
    read_rows(head)  # the file stays valid for reruns
    return extra, rate


def full_retrain() -> dict:
    from recommender.models import RecommenderRun
    from recommender.tasks import retrain_recommender

    started = time.perf_counter()
    run_id = retrain_recommender.delay(trigger="benchmark").get(timeout=600)
    while RecommenderRun.objects.get(pk=run_id).status == "running":
        time.sleep(0.1)
    run = RecommenderRun.objects.get(pk=run_id)
    return {
        "status": run.status,
        "documents": run.documents,
        "chunks": run.chunks_total,
        "seconds": round(time.perf_counter() - started, 2),
    }


def draft(row: dict):
    from django.utils.html import escape

    from cms_site.articles.models import ArticleIndexPage, ArticlePage

    index = ArticleIndexPage.objects.first()
    page = ArticlePage(
        title=row["title"][:250],
        intro=row["body"][:300] or row["title"][:250],
        body=[{"type": "paragraph", "value": f"<p>{escape(row['body'])}</p>"}],
        live=False,
    )
    index.add_child(instance=page)
    return page.save_revision()


def publish(row: dict):
    revision = draft(row)
    revision.publish()
    return revision.content_object


def publish_latencies(rows: list[dict]) -> list[float]:
    from recommender.models import RelatedArticle

    latencies = []
    for row in rows:
        page = publish(row)
        started = time.perf_counter()  # the publish has committed: the editor's click is done
        while not RelatedArticle.objects.filter(source_id=page.pk).exists():
            if time.perf_counter() - started > 60:
                raise RuntimeError(f"page {page.pk} never got a list")
            time.sleep(0.01)
        latencies.append(time.perf_counter() - started)
        time.sleep(0.3)
    return latencies


def burst(rows: list[dict]) -> dict:
    from recommender.models import PendingRefresh, RecommenderRun

    revisions = [draft(row) for row in rows]  # written beforehand; the burst only publishes
    before = RecommenderRun.objects.filter(kind="incremental").count()
    started = time.perf_counter()
    for revision in revisions:
        revision.publish()
    published = time.perf_counter() - started
    while PendingRefresh.objects.exists():
        time.sleep(0.05)
    return {
        "publishes": len(rows),
        "publish_seconds": round(published, 2),
        "refresh_runs": RecommenderRun.objects.filter(kind="incremental").count() - before,
        "drained_seconds": round(time.perf_counter() - started, 2),
    }


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    args = parse_args()
    recreate_database(args.database_url)
    setup_django(args.database_url)
    extra, import_rate = import_articles(args.source, args.articles)
    results = {"articles": args.articles, "import_rows_per_second": round(import_rate), "runs": []}
    print(f"imported {args.articles} articles at {import_rate:,.0f} rows/s", flush=True)
    per_round = args.publishes + args.burst
    for n, count in enumerate(args.workers):
        rows = extra[n * per_round : (n + 1) * per_round]
        workers = start_workers(count, args.database_url)
        try:
            retrain = full_retrain()
            latencies = publish_latencies(rows[: args.publishes])
            bursts = burst(rows[args.publishes :])
        finally:
            stop_workers(workers)
        result = {
            "workers": count,
            "full_retrain": retrain,
            "publish_to_visible_p50": round(statistics.median(latencies), 3),
            "publish_to_visible_p95": round(percentile(latencies, 0.95), 3),
            "burst": bursts,
            "speedup_vs_retrain_per_publish": round(
                retrain["seconds"] / statistics.median(latencies), 1
            ),
        }
        results["runs"].append(result)
        print(json.dumps(result), flush=True)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
