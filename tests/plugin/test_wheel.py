"""The plugin as a third party gets it: the wheel built from this checkout, installed alone into a
fresh virtual environment, running the example site's tests (tests/example_site)."""

import email
import importlib.metadata
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

import recommender

pytestmark = pytest.mark.plugin

ROOT = Path(__file__).resolve().parents[2]
RUNNER = ROOT / "tests" / "example_site" / "run.py"
DIST = "wagtail-articles-you-may-like"
SITE_ONLY = {"honcho", "gunicorn", "psycopg", "whitenoise", "django-redis", "dj-database-url"}
PACKAGE_DATA = {"templates", "static", "locale"}


def run(*command) -> subprocess.CompletedProcess:
    return subprocess.run([str(part) for part in command], capture_output=True, text=True)


def output(result: subprocess.CompletedProcess) -> str:
    return f"{result.stdout}\n{result.stderr}"


def environment_failed(what: str, result: subprocess.CompletedProcess) -> None:
    """A machine without venv or the package index skips here, but never in CI."""
    message = f"{what} failed:\n{output(result)}"
    if os.environ.get("CI") == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def wheel(tmp_path_factory) -> Path:
    """Built the way a release is: the sdist first, then the wheel from the sdist alone."""
    out = tmp_path_factory.mktemp("dist")
    result = run(sys.executable, "-m", "build", "--outdir", out, ROOT)
    assert result.returncode == 0, output(result)
    (built,) = out.glob("*.whl")
    return built


@pytest.fixture(scope="session")
def plugin_python(wheel, tmp_path_factory) -> Path:
    """A fresh environment with the wheel and the test tools, at this environment's versions."""
    home = tmp_path_factory.mktemp("plugin-venv")
    result = run(sys.executable, "-m", "venv", home)
    if result.returncode:
        environment_failed("Creating a virtual environment", result)
    pins = home / "same-versions.txt"
    pins.write_text(
        "".join(
            f"{dist.metadata['Name']}=={dist.version}\n"
            for dist in importlib.metadata.distributions()
            if canonicalize_name(dist.metadata["Name"]) != DIST
        )
    )
    python = home / "bin" / "python"
    result = run(python, "-m", "pip", "install", "-q", "-c", pins, wheel, "pytest", "pytest-django")
    if result.returncode:
        environment_failed("Installing the wheel", result)
    return python


def test_wheel_ships_the_plugin_package_and_nothing_else(wheel):
    with zipfile.ZipFile(wheel) as archive:
        shipped = set(archive.namelist())
    packages = {name.split("/")[0] for name in shipped if ".dist-info/" not in name}
    assert packages == {"recommender"}
    package = ROOT / "recommender"
    expected = {
        path.relative_to(ROOT).as_posix()
        for path in package.rglob("*")
        if path.is_file()
        and (path.suffix == ".py" or path.relative_to(package).parts[0] in PACKAGE_DATA)
    }
    assert sorted(expected - shipped) == []
    assert "recommender/templates/recommender/related_articles.html" in shipped
    assert "recommender/migrations/0001_initial.py" in shipped


def test_wheel_requires_what_the_plugin_needs_and_not_what_the_site_runs_on(wheel):
    with zipfile.ZipFile(wheel) as archive:
        (name,) = [name for name in archive.namelist() if name.endswith(".dist-info/METADATA")]
        metadata = email.message_from_bytes(archive.read(name))
    assert (metadata["Name"], metadata["Version"]) == (DIST, recommender.__version__)
    requires = [Requirement(line) for line in metadata.get_all("Requires-Dist")]
    by_name = {canonicalize_name(requirement.name): requirement for requirement in requires}
    assert SITE_ONLY.isdisjoint(by_name)
    for requirement in requires:  # a floor that is tested and a ceiling at the next major
        operators = {spec.operator for spec in requirement.specifier}
        assert {">=", "<"} <= operators, requirement
    assert by_name["celery"].marker.evaluate({"extra": "celery"})
    assert not by_name["celery"].marker.evaluate({"extra": ""})


def test_example_site_passes_with_the_installed_wheel(plugin_python):
    result = run(plugin_python, RUNNER, "-q")
    assert result.returncode == 0, output(result)
