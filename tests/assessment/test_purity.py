"""``assessment/`` is pure: it imports only the standard library (no I/O or clock modules),
``yaml`` (parameter files at start-up) and ``holidays`` (the calendar), nothing else of ours,
and never reads the clock."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import assessment

PACKAGE = Path(assessment.__file__).parent
ALLOWED_THIRD_PARTY = {"yaml", "holidays"}
# Standard-library modules that do I/O, talk to the network or the OS, or read the clock.
FORBIDDEN_STDLIB = {
    "asyncio", "ftplib", "http", "imaplib", "multiprocessing", "os", "poplib", "requests",
    "selectors", "shutil", "smtplib", "socket", "socketserver", "sqlite3", "ssl", "subprocess",
    "tempfile", "threading", "time", "urllib", "xmlrpc", "random", "secrets", "uuid",
}  # fmt: skip
CLOCK_CALLS = {"today", "now", "utcnow", "time", "monotonic", "perf_counter"}


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


def test_the_engine_imports_only_the_standard_library_yaml_holidays_and_itself() -> None:
    offending = []
    for path in _modules():
        for name in _imports(path):
            top = name.split(".")[0]
            if top == "assessment" or top == "__future__":
                continue
            if top in FORBIDDEN_STDLIB:
                offending.append(f"{path.name}: {name} (I/O or clock)")
            elif top not in sys.stdlib_module_names and top not in ALLOWED_THIRD_PARTY:
                offending.append(f"{path.name}: {name}")
    assert offending == []


def test_the_engine_never_reads_the_clock() -> None:
    calls = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in CLOCK_CALLS:
                calls.append(f"{path.name}:{node.lineno} .{node.attr}")
    assert calls == []


def test_the_purity_check_would_catch_an_io_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import httpx\nfrom gateway import settings\nimport socket\n")
    assert _imports(sample) == {"httpx", "gateway", "socket"}
