import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LONG_SECRET = "k3y-" + "x9Qz!" * 12


def run_python(code, **env):
    environment = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True
    )


def settings_value(expression, module="cms_site.settings.dev", **env):
    code = (
        "import django, os; from django.conf import settings; "
        f"os.environ['DJANGO_SETTINGS_MODULE'] = {module!r}; django.setup(); "
        f"print(repr({expression}))"
    )
    result = run_python(code, **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_database_defaults_to_sqlite_in_the_project():
    assert "sqlite3" in settings_value("settings.DATABASES['default']['ENGINE']")


def test_database_url_selects_postgresql():
    url = "postgres://fit:pw@db.internal:5433/fitness"
    value = settings_value("settings.DATABASES['default']", DATABASE_URL=url)
    assert "postgresql" in value and "db.internal" in value and "5433" in value


def test_redis_url_configures_the_cache():
    value = settings_value("settings.CACHES['default']", REDIS_URL="redis://cache:6379/2")
    assert "RedisCache" in value and "redis://cache:6379/2" in value


def test_hosts_and_admin_url_come_from_the_environment():
    value = settings_value(
        "(settings.ALLOWED_HOSTS, settings.WAGTAILADMIN_BASE_URL)",
        ALLOWED_HOSTS="a.example, b.example",
        WAGTAILADMIN_BASE_URL="https://a.example",
    )
    assert value == "(['a.example', 'b.example'], 'https://a.example')"


def test_bad_boolean_is_a_clear_error():
    result = run_python(
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='cms_site.settings.dev'; "
        "django.setup()",
        DEBUG="maybe",
    )
    assert result.returncode != 0 and "DEBUG must be true or false" in result.stderr


def test_production_refuses_to_start_without_a_secret():
    result = run_python(
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='cms_site.settings.production'; "
        "django.setup()",
        SECRET_KEY="",
    )
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def test_production_passes_check_deploy_without_warnings():
    environment = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    environment.update(
        DJANGO_SETTINGS_MODULE="cms_site.settings.production",
        SECRET_KEY=LONG_SECRET,
        ALLOWED_HOSTS="fitness.example",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout, result.stdout


def test_the_demo_runs_without_debug_pages_and_still_serves_uploads():
    makefile = (ROOT / "Makefile").read_text()
    assert "DEBUG=$${DEBUG:-false}" in makefile.split("\ndemo:", 1)[1].split("\n\n", 1)[0]
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'cms_site.settings.dev'; "
        "django.setup(); from django.conf import settings; from django.urls import resolve; "
        "print(settings.DEBUG, settings.SERVE_MEDIA, resolve('/media/x.jpg').func.__name__)"
    )
    result = run_python(code, DEBUG="false")
    assert result.stdout.split() == ["False", "True", "serve"], result.stderr
