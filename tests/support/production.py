"""Server and worker processes running the production settings, for the fault tests."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from contextlib import contextmanager

import requests

from tests.support.services import free_port, wait_for_port
from tests.support.workers import LOGS, ROOT, WorkerProcess, database_url

DEAD_REDIS = "redis://127.0.0.1:6390/0"  # nothing listens there


def production_environment(redis_url: str, **extra: str) -> dict[str, str]:
    """What a deployment sets, with a fresh SECRET_KEY; HTTPS redirects off (no TLS here)."""
    return {
        "DJANGO_SETTINGS_MODULE": "tests.support.production_settings",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": database_url(),
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": "",
        "CELERY_RESULT_BACKEND": "",
        "LOG_LEVEL": "INFO",
        **extra,
    }


class Browser:
    """requests without its cookie policy: production marks cookies Secure, this is plain HTTP."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = kwargs.pop("headers", {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        url = self.base_url + path
        response = requests.request(
            method, url, headers=headers, allow_redirects=False, timeout=60, **kwargs
        )
        self.cookies.update({cookie.name: cookie.value for cookie in response.cookies})
        return response

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, data: dict, **kwargs) -> requests.Response:
        return self.request("POST", path, data=data, **kwargs)

    def csrf_token(self) -> str:
        return self.get("/comments/form-token/").json()["token"]


class SiteServer:
    """gunicorn serving cms_site.wsgi, as the Procfile runs it."""

    def __init__(self, name: str, environment: dict[str, str]):
        LOGS.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.log_path = LOGS / f"{name}.log"
        self.log = self.log_path.open("w")
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "cms_site.wsgi:application",
            f"--bind=127.0.0.1:{self.port}",
            "--workers=1",
            "--timeout=60",
            "--access-logfile=-",
        ]
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, **environment},
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for_port(self.port, timeout=30)

    def browser(self) -> Browser:
        return Browser(f"http://127.0.0.1:{self.port}")

    def log_text(self) -> str:
        self.log.flush()
        return self.log_path.read_text()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.log.close()


@contextmanager
def site_server(name: str, environment: dict[str, str]):
    server = SiteServer(name, environment)
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def production_worker(name: str, queue: str, environment: dict[str, str]):
    worker = WorkerProcess(name, concurrency=1, queues=queue, **environment)
    try:
        yield worker
    finally:
        worker.stop()
