"""docs/reliability.md names the test that proves each promise: every name it gives exists."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "reliability.md"
# `tests/x/test_y.py::test_z` names a file and a test; `::test_w` another test of the same
# file; `tests/x/test_y.py` alone, a file.
_NAME = re.compile(r"`(tests/[\w/]+\.py)?(?:::(\w+))?`")


def _tests_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    }


def named(text: str) -> list[tuple[str, str | None]]:
    """(file, test or None) of every name in ``text``, ``::name`` read in the last file's."""
    out: list[tuple[str, str | None]] = []
    current = ""
    for file, test in _NAME.findall(text):
        current = file or current
        if file or test:
            out.append((current, test or None))
    return out


def test_every_test_the_promises_name_exists() -> None:
    text = DOC.read_text(encoding="utf-8")
    missing = []
    for file, test in named(text):
        path = ROOT / file
        if not path.is_file():
            missing.append(file)
        elif test is not None and test not in _tests_of(path):
            missing.append(f"{file}::{test}")
    assert missing == []


def test_a_short_name_is_read_in_the_file_named_before_it() -> None:
    text = "`tests/a/test_b.py::test_c`, `::test_d` then `tests/e.py` and `::test_f`"
    assert named(text) == [
        ("tests/a/test_b.py", "test_c"),
        ("tests/a/test_b.py", "test_d"),
        ("tests/e.py", None),
        ("tests/e.py", "test_f"),
    ]
