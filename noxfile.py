"""The plugin's support matrix: each leg installs the wheel built from this checkout with one
Python, Django and Wagtail, and runs the example site's tests (tests/example_site) against it.

    nox -s "plugin(py3.11-django5.2-wagtail7.4)"    # one leg
    nox -s plugin                                     # every leg
"""

import os
import shutil
from pathlib import Path

import nox
from packaging.version import Version

ROOT = Path(__file__).resolve().parent
RUNNER = ROOT / "tests" / "example_site" / "run.py"
PYTHONS = ("3.11", "3.12", "3.13")
MATRIX = [  # (Python, Django, Wagtail); Django 6.0 needs Python 3.12 or newer
    ("3.11", "5.2", "7.4"),
    ("3.11", "5.2", "8.0"),
    *((py, dj, wt) for py in ("3.12", "3.13") for dj in ("5.2", "6.0") for wt in ("7.4", "8.0")),
]


def pyenv_versions() -> str:
    """The newest installed pyenv patch of each Python: its shims answer only for these."""
    root = Path(os.environ.get("PYENV_ROOT", "~/.pyenv")).expanduser() / "versions"
    installed = [path.name for path in root.glob("3.*.*") if path.name[-1].isdigit()]
    newest = {}
    for version in sorted(installed, key=Version):
        newest[version.rsplit(".", 1)[0]] = version
    return ":".join(newest[python] for python in PYTHONS if python in newest)


if versions := pyenv_versions():
    os.environ.setdefault("PYENV_VERSION", versions)

_wheels: list[Path] = []


def plugin_wheel(session: nox.Session) -> Path:
    """Built once per nox run, as a release is: the sdist, then the wheel from the sdist."""
    if not _wheels:
        dist = Path(session.cache_dir) / "plugin-dist"
        shutil.rmtree(dist, ignore_errors=True)
        session.install("build")
        session.run("python", "-m", "build", "--outdir", str(dist), str(ROOT), silent=True)
        _wheels.extend(dist.glob("*.whl"))
    return _wheels[0]


@nox.session
@nox.parametrize(
    ["python", "django", "wagtail"],
    [nox.param(*leg, id="py{}-django{}-wagtail{}".format(*leg)) for leg in MATRIX],
)
def plugin(session: nox.Session, django: str, wagtail: str) -> None:
    wheel = plugin_wheel(session)
    session.install(
        str(wheel), f"Django~={django}.0", f"wagtail~={wagtail}.0", "pytest", "pytest-django"
    )
    session.run("python", str(RUNNER), *session.posargs)
