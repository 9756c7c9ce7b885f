"""Real Celery worker processes for the tests marked ``worker``."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import kombu.pools
import psycopg
from django.conf import settings
from django.db import connection

from tests.support.site_settings import base_settings

ROOT = Path(__file__).resolve().parents[2]
LOGS = ROOT / "var" / "test-logs"


def database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{db.get('HOST') or ''}:{db.get('PORT') or 5432}/{db['NAME']}"


class WorkerProcess:
    def __init__(self, name: str, concurrency: int = 2, queues: str = "celery", **env: str):
        LOGS.mkdir(parents=True, exist_ok=True)
        self.name = name
        self.log_path = LOGS / f"{name}.log"
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "cms_site.settings.test",
            "DATABASE_URL": database_url(),
            "REDIS_URL": settings.REDIS_URL,
            **env,
        }
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "tasks",
            "worker",
            "--loglevel=INFO",
            f"--concurrency={concurrency}",
            f"--hostname={name}@%h",
            "--without-gossip",
            "--without-mingle",
            f"--queues={queues}",
        ]
        self.log = self.log_path.open("w")
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=environment,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.wait_ready()

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"worker exited early:\n{self.log_path.read_text()[-3000:]}")
            if " ready." in self.log_path.read_text():
                return
            time.sleep(0.2)
        raise RuntimeError(
            f"worker not ready after {timeout}s:\n{self.log_path.read_text()[-3000:]}"
        )

    def kill(self) -> None:
        """SIGKILL the whole worker, children included, as a crash or OOM kill would."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        self.log.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()


def wait_until(condition, timeout: float = 15.0, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(interval)
    return condition()


@contextmanager
def writes_blocked(tables: list[str]):
    """Hold a lock that stalls other connections' writes to ``tables`` (reads still work)."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        other = sqlite3.connect(db["NAME"], timeout=30, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
    else:
        other = psycopg.connect(database_url(), autocommit=False)
        for table in tables:
            other.execute(f'LOCK TABLE "{table}" IN EXCLUSIVE MODE')
    try:
        yield
    finally:
        other.rollback()
        other.close()


def reset_connections() -> None:
    """Drop the Celery app's pooled broker connections and result backends (every thread's)."""
    from tasks import app

    kombu.pools.reset()
    app._pool = None
    app.amqp._producer_pool = None
    app._backend_cache = None
    app._local = threading.local()


@contextmanager
def celery_conf(**conf):
    """Point this process's Celery app at another broker and result backend for a while."""
    from tasks import app

    previous = {key: app.conf[key] for key in conf}
    app.conf.update(conf)
    reset_connections()
    try:
        yield
    finally:
        app.conf.update(previous)
        reset_connections()


def demo_celery(folder: Path) -> tuple[dict, dict]:
    """The demo's Celery settings and default cache, with their folders under var/ moved into
    ``folder`` (so that tests never share queues with a running demo)."""
    demo, var = base_settings(), str(ROOT / "var")

    def moved(value):
        if isinstance(value, dict):
            return {key: moved(item) for key, item in value.items()}
        return str(value).replace(var, str(folder)) if isinstance(value, str | Path) else value

    for name in ("broker", "results", "control"):  # as base.py creates them under var/celery
        (folder / "celery" / name).mkdir(parents=True, exist_ok=True)
    celery = {
        "broker_url": demo["CELERY_BROKER_URL"],
        "result_backend": moved(demo["CELERY_RESULT_BACKEND"]),
        "broker_transport_options": moved(demo.get("CELERY_BROKER_TRANSPORT_OPTIONS", {})),
    }
    return celery, moved(demo["CACHES"]["default"])


def demo_worker(name: str, celery: dict, cache: dict) -> WorkerProcess:
    """A worker whose settings compute the demo's configuration (no REDIS_URL), except for the
    folders ``demo_celery`` moved (see tests/support/demo_settings.py)."""
    moved = {"CELERY_BROKER_TRANSPORT_OPTIONS": celery["broker_transport_options"]}
    return WorkerProcess(
        name,
        DJANGO_SETTINGS_MODULE="tests.support.demo_settings",
        REDIS_URL="",
        CELERY_BROKER_URL=celery["broker_url"],
        CELERY_RESULT_BACKEND=celery["result_backend"],
        TEST_DEMO_SETTINGS=json.dumps({**moved, "CACHES": {"default": cache}}),
    )
