"""The import direction of docs/architecture.md, checked on every module (in functions too)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "reconciler"

# layer -> layers it must never import (docs/architecture.md)
FORBIDDEN: dict[str, set[str]] = {
    "diagnostics": {
        *("api", "engine", "sandbox", "cli", "manifest", "rules", "plan", "render", "report")
    },
    "domain": {"api", "engine", "sandbox", "cli", "manifest", "rules", "plan", "render", "report"},
    "manifest": {"api", "engine", "sandbox", "cli", "rules", "plan", "render", "report"},
    "rules": {"api", "engine", "sandbox", "cli", "plan", "render", "report"},
    "plan": {"api", "engine", "sandbox", "cli", "render", "config", "report"},
    "report": {"api", "engine", "sandbox", "cli", "manifest", "rules", "render", "config"},
    "render": {"api", "engine", "sandbox", "cli", "config"},
    "api": {"engine", "sandbox", "cli", "manifest", "rules", "plan", "render", "report"},
    "engine": {"sandbox", "cli"},
    # the local API shares the rule functions (loops, chains) and the number rules, and
    # reads seed files with the manifests' positioned loader and did-you-mean
    "sandbox": {"engine", "cli", "plan", "render", "config", "report"},
}


def _layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "reconciler" else None


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            # ``from reconciler import numbers`` names a module too
            found += [(node.lineno, f"{node.module}.{a.name}") for a in node.names]
    return found


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_each_layer_imports_only_what_the_map_allows(layer: str) -> None:
    bad = []
    for path in (PACKAGE / layer).rglob("*.py") if (PACKAGE / layer).is_dir() else []:
        for line, module in _imports(path):
            target = _layer(module)
            if target in FORBIDDEN[layer] and (PACKAGE / target).is_dir():
                bad.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {module}")
    assert bad == []


def test_the_map_names_every_folder_of_the_package() -> None:
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"}
    documented = (PACKAGE.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    missing = {f for f in folders if f"`{f}/`" not in documented}
    assert missing == set()


def test_the_checker_sees_imports_inside_functions(tmp_path: Path) -> None:
    sample = tmp_path / "m.py"
    sample.write_text("def f():\n    from reconciler.engine import planner\n")
    assert (2, "reconciler.engine") in _imports(sample)


def _map_rows(text: str) -> dict[str, str]:
    """Each folder's row of the map's table, by folder name."""
    rows = {}
    for line in text.splitlines():
        cells = line.split("|")
        if len(cells) > 2 and re.fullmatch(r" `[a-z_]+/` ", cells[1]):
            rows[cells[1].strip(" `/")] = line
    return rows


def test_the_map_names_every_module_in_its_folders_row() -> None:
    documented = (PACKAGE.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    rows = _map_rows(documented)
    top = documented[documented.index("Top-level modules:") :].split("\n\n")[0]
    missing = []
    for path in _modules():
        rel = path.relative_to(PACKAGE)
        if path.name == "__init__.py" or "templates" in rel.parts:
            continue
        where = top if len(rel.parts) == 1 else rows.get(rel.parts[0], "")
        if f"`{path.name}`" not in where:
            missing.append(str(rel))
    assert missing == []
