import os
import subprocess
import sys

import pytest

from benchmarks import scale_out
from tests.support.workers import wait_until


def test_it_refuses_a_database_it_must_not_recreate(monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", "sqlite:///db.sqlite3")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/3")
    with pytest.raises(SystemExit):
        scale_out.parse_args(["--source", "x.jsonl", "--articles", "100"])
    assert "PostgreSQL" in capsys.readouterr().err


def test_it_wants_one_core_per_worker(monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/3")
    too_many = str(os.cpu_count() + 1)
    with pytest.raises(SystemExit):
        scale_out.parse_args(["--source", "x.jsonl", "--articles", "100", "--workers", too_many])
    assert "one core each" in capsys.readouterr().err


def test_peak_rss_is_the_high_water_mark_of_the_worker_processes():
    script = "import time; b = bytearray(80 * 2**20); del b; time.sleep(5)"
    worker = subprocess.Popen([sys.executable, "-c", script])
    try:
        assert wait_until(lambda: scale_out.peak_rss_mb(worker) >= 80, timeout=5)
    finally:
        worker.kill()
        worker.wait()
