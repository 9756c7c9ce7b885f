"""The plugin stands alone: it imports nothing from the site; the site uses its public API only."""

import ast
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
SITE_PACKAGES = ("cms_site", "tasks", "tests", "benchmarks")
PUBLIC_API = {
    "recommender.api",
    "recommender.conf",
    "recommender.dispatch",
    "recommender.engine",
    "recommender.models",
    "recommender.panels",
    "recommender.retrain",
    "recommender.runs",
    "recommender.signals",
    "recommender.signing",
}


def imported_modules(folder: Path):
    for path in sorted(folder.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                yield from ((path, alias.name) for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                yield path, node.module


def test_the_plugin_imports_nothing_from_the_site():
    wrong = [
        (str(path.relative_to(ROOT)), module)
        for path, module in imported_modules(ROOT / "recommender")
        if module.split(".")[0] in SITE_PACKAGES
    ]
    assert wrong == []


def test_the_site_uses_only_the_plugins_public_api():
    private = [
        (str(path.relative_to(ROOT)), module)
        for folder in ("cms_site", "tasks")
        for path, module in imported_modules(ROOT / folder)
        if module.split(".")[0] == "recommender" and module not in PUBLIC_API
    ]
    assert private == []


def recommender_tables() -> set[str]:
    return {name for name in connection.introspection.table_names() if "recommender" in name}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_migrating_to_zero_removes_every_table_and_migrating_back_restores_them():
    installed = recommender_tables()
    assert len(installed) >= 8
    call_command("migrate", "recommender", "zero", verbosity=0)
    try:
        assert recommender_tables() == set()
    finally:
        call_command("migrate", "recommender", verbosity=0)
    assert recommender_tables() == installed
