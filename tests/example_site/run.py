"""Run the example site's tests against the installed plugin: `python run.py [pytest args]`.

The site is copied to a temporary folder first, so that neither the checkout nor this folder is
on sys.path and `recommender` can only come from site-packages. The Python running this script
runs the tests; noxfile.py and tests/plugin/test_wheel.py call it with their fresh environments.
"""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

SITE = Path(__file__).resolve().parent
LEFTOVERS = shutil.ignore_patterns("__pycache__", ".pytest_cache", "media", "*.sqlite3")


def main(pytest_args: list[str]) -> int:
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "DJANGO_SETTINGS_MODULE"}}
    with tempfile.TemporaryDirectory(prefix="example-site-") as tmp:
        copy = Path(shutil.copytree(SITE, Path(tmp) / "example_site", ignore=LEFTOVERS))
        command = [sys.executable, "-m", "pytest", *pytest_args]
        return subprocess.run(command, cwd=copy, env=env).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
