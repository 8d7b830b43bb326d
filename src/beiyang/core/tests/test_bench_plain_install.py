"""``beiyang bench`` runs on a plain install: nothing the benchmarks import (at module level or
inside a function) comes from the test suites or the dev extras."""

from __future__ import annotations

import ast
from pathlib import Path

import beiyang.bench

DEV_ONLY = {"factory", "hypothesis", "pytest", "pytest_django", "faker", "playwright"}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_benchmarks_import_nothing_from_tests_or_dev_extras():
    bench_dir = Path(beiyang.bench.__file__).parent
    offending = {
        f"{path.name}: {name}"
        for path in bench_dir.glob("*.py")
        for name in _imports(path)
        if ".tests" in f".{name}" or name.split(".")[0] in DEV_ONLY
    }
    assert not offending
