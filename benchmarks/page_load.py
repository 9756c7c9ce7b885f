"""Page-load benchmark: the article page under wrk, served by gunicorn with production settings.

    python -m benchmarks.page_load \
        --database-url postgres://postgres@127.0.0.1:5432/fitness_perf \
        --retrain-source /tmp/evalsets/related/arxiv-50k.jsonl --json

The database named by --database-url is dropped and recreated, and the Redis database named by
--redis-url (default redis://127.0.0.1:6379/5) is flushed. Setup: migrate, load_demo_content
and collectstatic with cms_site.settings.production. The page measured is the demo's upper-back
mobility guide. Scenarios, each --rounds rounds of wrk for --duration seconds (median reported):

  uncached      PAGE_CACHE_SECONDS=0
  cached        PAGE_CACHE_SECONDS=300 (warns when X-Page-Cache is not "hit" before measuring)
  no_slots      uncached, with benchmarks.no_slots.settings: the related-articles block emptied
  idle_*        uncached and cached again after importing --retrain-articles articles
  retrain_*     the same while one Celery worker (SCHED_IDLE, or nice 10) runs a full retrain

The retrain scenarios need --retrain-source (JSON lines: title, body; e.g. the arXiv set from
`python3 ../shared/tools/build_eval_sets.py /tmp/evalsets`); without it they are skipped. With
--json the last line is one JSON object with every round and the ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from benchmarks.background_refresh import (
    import_articles,
    recreate_database,
    setup_django,
    stop_workers,
)

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
LOGS = ROOT / "var" / "page-load-logs"
PRODUCTION = "cms_site.settings.production"
NO_SLOTS = "benchmarks.no_slots.settings"
RELATED_MARKER = 'aria-labelledby="related-heading"'


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="PostgreSQL URL it may recreate")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/5", help="flushed first")
    parser.add_argument("--duration", type=int, default=15, help="seconds per wrk round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--worker-priority",
        choices=sorted(PRIORITY),
        default="idle",
        help="CPU priority of the retrain worker: SCHED_IDLE (chrt --idle) or nice 10",
    )
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--gunicorn-workers", type=int, default=2)
    parser.add_argument(
        "--timeout",
        type=int,
        default=10,
        help="wrk's per-request timeout, s (wrk leaves "
        "timed-out requests out of its percentiles, so keep it above the slowest request)",
    )
    parser.add_argument("--retrain-source", type=Path, help="JSON-lines articles to import")
    parser.add_argument("--retrain-articles", type=int, default=10_000)
    parser.add_argument("--json", action="store_true", help="end with one JSON line")
    args = parser.parse_args(argv)
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        parser.error("--database-url must be a PostgreSQL URL (the database is recreated)")
    if args.rounds < 1 or args.duration < 1:
        parser.error("--rounds and --duration must be at least 1")
    if shutil.which("wrk") is None:
        parser.error("wrk is not installed (apt-get install wrk)")
    if not (BIN / "gunicorn").exists():
        parser.error(f"gunicorn is not installed in {BIN} (pip install gunicorn)")
    tool = PRIORITY[args.worker_priority][0]
    if args.retrain_source and shutil.which(tool) is None:
        parser.error(f"{tool} (util-linux/coreutils) is needed to start the retrain worker")
    if args.retrain_source and not args.retrain_source.is_file():
        parser.error(f"--retrain-source {args.retrain_source} is not a file")
    try:
        import psycopg

        base = args.database_url.rsplit("/", 1)[0]
        psycopg.connect(f"{base}/postgres", connect_timeout=3).close()
    except Exception as exc:
        parser.error(f"PostgreSQL is not reachable at {args.database_url}: {exc}")
    try:
        import redis

        redis.Redis.from_url(args.redis_url, socket_connect_timeout=2).ping()
    except Exception as exc:
        parser.error(f"Redis is not reachable at {args.redis_url}: {exc}")
    return args


def site_env(args, settings: str = PRODUCTION, page_cache_seconds: int = 0) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": settings,
        "SECRET_KEY": SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        "LOG_LEVEL": "WARNING",
        "DATABASE_CONN_MAX_AGE": "60",
        "PAGE_CACHE_SECONDS": str(page_cache_seconds),
    }


SECRET_KEY = secrets.token_urlsafe(48)


def manage(args, *command: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *command],
        cwd=ROOT,
        env=site_env(args),
        capture_output=True,
        text=True,
    )
    if done.returncode:
        sys.exit(f"manage.py {' '.join(command)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def set_up_site(args) -> str:
    """Recreate the database, load the demo; returns the path of the upper-back guide."""
    import redis

    redis.Redis.from_url(args.redis_url).flushdb()
    recreate_database(args.database_url)
    progress("setup: migrate")
    manage(args, "migrate", "--noinput")
    progress("setup: load_demo_content")
    output = manage(args, "load_demo_content")
    found = re.search(r"Upper-back mobility guide: (\S+)", output)
    if not found:
        sys.exit(f"load_demo_content did not name the upper-back guide:\n{output}")
    progress("setup: collectstatic")
    manage(args, "collectstatic", "--noinput")
    return urlsplit(found.group(1)).path


def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str) -> tuple[int, dict, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode(errors="replace")


class Gunicorn:
    """One gunicorn with the given settings, answering on a free loopback port."""

    def __init__(self, args, name: str, settings: str = PRODUCTION, page_cache_seconds: int = 0):
        self.port = free_port()
        LOGS.mkdir(parents=True, exist_ok=True)
        self.log = (LOGS / f"gunicorn-{name}.log").open("w")
        command = [str(BIN / "gunicorn"), "cms_site.wsgi", "-w", str(args.gunicorn_workers)]
        command += ["-b", f"127.0.0.1:{self.port}"]
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=site_env(args, settings, page_cache_seconds),
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def wait_ready(self, path: str, warm_up: int = 20) -> None:
        deadline = time.monotonic() + 60
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.log.name}")
            try:
                status, _, _ = fetch(self.url(path))
                if status == 200:
                    break
                raise RuntimeError(f"{path} answered {status}; see {self.log.name}")
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not answer; see {self.log.name}") from None
                time.sleep(0.2)
        for _ in range(warm_up):  # every worker loads its templates and opens its connection
            fetch(self.url(path))

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def to_ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * UNITS[unit]


def parse_wrk(output: str) -> dict:
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.MULTILINE)
    if not (rate and p50 and p99):
        raise RuntimeError(f"could not read wrk's output:\n{output}")
    result = {
        "requests_per_second": round(float(rate.group(1)), 1),
        "p50_ms": round(to_ms(p50.group(1)), 2),
        "p99_ms": round(to_ms(p99.group(1)), 2),
    }
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(r"Socket errors: (.*)", output)
    if bad:
        result["non_2xx"] = int(bad.group(1))
    if errors:
        result["socket_errors"] = errors.group(1).strip()
        result["timeouts"] = int(re.search(r"timeout (\d+)", errors.group(1)).group(1))
    return result


def run_wrk(args, url: str) -> dict:
    command = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s"]
    command.append(f"--timeout={args.timeout}s")
    done = subprocess.run([*command, "--latency", url], capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"wrk failed: {done.stderr}")
    return parse_wrk(done.stdout)


def measure(args, name: str, url: str, before=None, after=None) -> dict:
    """``rounds`` wrk rounds on ``url``; ``before``/``after`` run around each round."""
    rounds = []
    for n in range(1, args.rounds + 1):
        extra = before() if before else {}
        load = round(os.getloadavg()[0], 2)  # other work on the machine skews the numbers
        progress(f"{name}: round {n}/{args.rounds}, wrk for {args.duration} s, load {load}")
        result = {**run_wrk(args, url), "load_before": load}
        if after:
            result.update(after(extra))
        rounds.append(result)
        progress(f"{name}: round {n}: {describe(result)}")
    return {"rounds": rounds, **medians(rounds)}


def describe(result: dict) -> str:
    text = (
        f"{result['requests_per_second']:,.1f} req/s, p50 {result['p50_ms']} ms, "
        f"p99 {result['p99_ms']} ms"
    )
    if "retrain_running_at_end" in result:
        text += f", retrain still running at end: {result['retrain_running_at_end']}"
    if result.get("non_2xx") or result.get("socket_errors"):
        text += f" (non-2xx {result.get('non_2xx', 0)}, errors {result.get('socket_errors')})"
    return text


def medians(rounds: list[dict]) -> dict:
    keys = ("requests_per_second", "p50_ms", "p99_ms")
    return {key: round(statistics.median(r[key] for r in rounds), 2) for key in keys}


def scenario(args, name: str, path: str, settings=PRODUCTION, cache=0, expect_related=True):
    server = Gunicorn(args, name, settings, cache)
    try:
        server.wait_ready(path)
        status, headers, body = fetch(server.url(path))
        header = headers.get("X-Page-Cache", "(missing)")
        has_related = RELATED_MARKER in body
        if has_related != expect_related:
            state = "present" if has_related else "missing"
            progress(f"WARNING {name}: the related-articles section is {state} on {path}")
        if cache and header != "hit":
            progress(f"WARNING {name}: X-Page-Cache is {header!r}, not 'hit': no page cache yet?")
        result = measure(args, name, server.url(path))
    finally:
        server.stop()
    return {"x_page_cache": header, "related_section": has_related, **result}


def with_and_without_slots(args, path: str) -> dict:
    """Alternate one round with the slots and one without, ``rounds`` times, so that a load
    drifting over the run weighs on both alike."""
    one_round = argparse.Namespace(**{**vars(args), "rounds": 1})
    kinds = (("uncached", PRODUCTION, True), ("no_slots", NO_SLOTS, False))
    runs = {name: [] for name, *_ in kinds}
    for _ in range(args.rounds):
        for name, settings, related in kinds:
            runs[name].append(scenario(one_round, name, path, settings, expect_related=related))
    return {name: merged(parts) for name, parts in runs.items()}


def merged(parts: list[dict]) -> dict:
    rounds = [row for part in parts for row in part["rounds"]]
    first = parts[0]
    return {
        "x_page_cache": first["x_page_cache"],
        "related_section": first["related_section"],
        "rounds": rounds,
        **medians(rounds),
    }


PRIORITY = {
    "idle": ["chrt", "--idle", "0"],  # runs only on CPU time nothing else wants
    "nice": ["nice", "-n", "10"],
}


def start_nice_worker(args) -> subprocess.Popen:
    """One real Celery worker at a low CPU priority, so gunicorn keeps the CPU."""
    LOGS.mkdir(parents=True, exist_ok=True)
    log = (LOGS / "celery-worker.log").open("w")
    command = [*PRIORITY[args.worker_priority], str(BIN / "celery"), "-A", "tasks", "worker"]
    command += ["--concurrency", "1", "--loglevel", "WARNING", "--hostname", "pageload@%h"]
    command += ["--without-gossip", "--without-mingle"]
    worker = subprocess.Popen(
        command,
        cwd=ROOT,
        env=site_env(args),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    from tasks import app

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if app.control.ping(timeout=0.5):
            return worker
        if worker.poll() is not None:
            break
    stop_workers([worker])
    raise RuntimeError(f"the Celery worker did not start; see {log.name}")


def send_retrain() -> int:
    """Queue a full retrain for the worker; returns its RecommenderRun id once it runs."""
    from recommender.models import RecommenderRun
    from recommender.tasks import retrain_recommender

    last = RecommenderRun.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    retrain_recommender.apply_async(kwargs={"trigger": "page-load-benchmark"}, retry=False)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        run = RecommenderRun.objects.filter(pk__gt=last, kind="full").order_by("pk").first()
        if run is not None:
            return run.pk
        time.sleep(0.05)
    raise RuntimeError("the worker did not start the retrain within 120 s")


def run_status(run_id: int) -> str:
    from recommender.models import RecommenderRun

    return RecommenderRun.objects.values_list("status", flat=True).get(pk=run_id)


def wait_finished(run_id: int, timeout: float = 1200) -> dict:
    from recommender.models import RecommenderRun

    deadline = time.monotonic() + timeout
    while run_status(run_id) == "running":
        if time.monotonic() > deadline:
            raise RuntimeError(f"retrain {run_id} still running after {timeout:.0f} s")
        time.sleep(0.5)
    run = RecommenderRun.objects.get(pk=run_id)
    if run.status != "succeeded":
        raise RuntimeError(f"retrain {run_id} ended {run.status}: {run.error}")
    return {"documents": run.documents, "seconds": round(run.duration_seconds or 0, 1)}


def retrain_scenarios(args, path: str) -> dict:
    os.environ.update({k: v for k, v in site_env(args).items() if k != "DJANGO_SETTINGS_MODULE"})
    setup_django(args.database_url)  # in this process: the import, sending the task, polling
    progress(f"retrain: importing {args.retrain_articles:,} articles from {args.retrain_source}")
    _, rate = import_articles(args.retrain_source, args.retrain_articles)
    progress(f"retrain: imported at {rate:,.0f} rows/s")
    import redis

    redis.Redis.from_url(args.redis_url).flushdb()  # no stale page cache or queued refreshes
    priority = " ".join(PRIORITY[args.worker_priority])
    progress(f"retrain: starting one Celery worker under `{priority}` (concurrency 1)")
    worker = start_nice_worker(args)
    results = {"articles": args.retrain_articles, "worker": f"{priority}, concurrency 1"}
    try:
        progress("retrain: a first full retrain, so idle and retrain rounds see the same lists")
        results["first_retrain"] = wait_finished(send_retrain())
        progress(f"retrain: first retrain {results['first_retrain']}")
        for label, cache in (("uncached", 0), ("cached", 300)):
            results[f"idle_{label}"] = scenario(args, f"idle_{label}", path, cache=cache)
            server = Gunicorn(args, f"retrain_{label}", page_cache_seconds=cache)
            try:
                server.wait_ready(path)
                status, headers, _ = fetch(server.url(path))
                header = headers.get("X-Page-Cache", "(missing)")

                def after(run_id: int) -> dict:
                    running = run_status(run_id) == "running"
                    return {"retrain_running_at_end": running, **wait_finished(run_id)}

                results[f"retrain_{label}"] = {
                    "x_page_cache": header,
                    **measure(args, f"retrain_{label}", server.url(path), send_retrain, after),
                }
            finally:
                server.stop()
    finally:
        stop_workers([worker])
    return results


def ratio(a: float, b: float) -> float | None:
    return round(a / b, 3) if b else None


def ratios(results: dict) -> dict:
    out = {}
    rate = "requests_per_second"
    out["cached_over_uncached_rate"] = ratio(results["cached"][rate], results["uncached"][rate])
    with_slots = ratio(results["uncached"][rate], results["no_slots"][rate])
    out["slot_cost_percent"] = round((1 - with_slots) * 100, 1) if with_slots else None
    retrain = results.get("retrain")
    if retrain:
        for label in ("uncached", "cached"):
            out[f"retrain_over_idle_p99_{label}"] = ratio(
                retrain[f"retrain_{label}"]["p99_ms"], retrain[f"idle_{label}"]["p99_ms"]
            )
        out["idle_cached_over_uncached_rate"] = ratio(
            retrain["idle_cached"][rate], retrain["idle_uncached"][rate]
        )
    return out


def print_table(name: str, result: dict) -> None:
    print(f"\n{name}  (X-Page-Cache: {result.get('x_page_cache', '-')})")
    print(f"  {'round':<8}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}  note")
    for n, row in enumerate(result["rounds"], 1):
        note = f"load {row['load_before']:.2f} before; "
        if row.get("timeouts") or row.get("non_2xx"):
            note += f"{row.get('timeouts', 0)} timeouts, {row.get('non_2xx', 0)} non-2xx; "
        if "retrain_running_at_end" in row:
            note += "retrain running at end" if row["retrain_running_at_end"] else "retrain DONE"
            note += f" (retrain took {row['seconds']} s)"
        print(
            f"  {n:<8}{row['requests_per_second']:>10,.1f}{row['p50_ms']:>10.2f}"
            f"{row['p99_ms']:>10.2f}  {note}"
        )
    print(
        f"  {'median':<8}{result['requests_per_second']:>10,.1f}{result['p50_ms']:>10.2f}"
        f"{result['p99_ms']:>10.2f}"
    )


def main(argv=None) -> None:
    args = parse_args(argv)
    started = time.monotonic()
    path = set_up_site(args)
    progress(f"measuring {path} ({args.rounds} x {args.duration} s per scenario)")
    results = {
        "path": path,
        "settings": {
            "duration": args.duration,
            "rounds": args.rounds,
            "connections": args.connections,
            "threads": args.threads,
            "gunicorn_workers": args.gunicorn_workers,
            "wrk_timeout": args.timeout,
        },
        **with_and_without_slots(args, path),
        "cached": scenario(args, "cached", path, cache=300),
    }
    if args.retrain_source:
        results["retrain"] = retrain_scenarios(args, path)
    else:
        progress("retrain scenarios skipped: no --retrain-source given")
    results["ratios"] = ratios(results)
    for name in ("uncached", "cached", "no_slots"):
        print_table(name, results[name])
    for name in ("idle_uncached", "retrain_uncached", "idle_cached", "retrain_cached"):
        if "retrain" in results:
            print_table(f"{name} ({args.retrain_articles:,} articles)", results["retrain"][name])
    print("\nratios")
    for key, value in results["ratios"].items():
        print(f"  {key}: {value}")
    progress(f"done in {time.monotonic() - started:.0f} s")
    if args.json:
        print(json.dumps(results))


if __name__ == "__main__":
    main()
