"""No import circles in ``reconciler/``, ``benchmarks/`` or ``tests/``, counting imports inside
functions.

The graph has one node per module (a package is its ``__init__``) and an edge
for every import statement written in a module, wherever it stands: at the
top, inside a function (a deferred import still closes a circle, it only moves
the moment it bites), or under ``if TYPE_CHECKING:`` (mypy follows those, and a
circle of types is a circle of concepts). ``from pkg import name`` points at
``pkg.name`` when that is a module, else at ``pkg``.

What does not count is the import Python makes on its own: importing
``reconciler.config.model`` first runs ``reconciler/config/__init__.py``. So a
package whose ``__init__`` re-exports its submodules (``reconciler.config``,
``reconciler.plan``) is no circle with them, as long as those submodules import
their siblings by their own names (``from reconciler.config.model import ...``).
A submodule that writes ``from reconciler.config import X`` (its own package)
does draw an edge back to the ``__init__``, and that is a circle: the name may
not exist yet when the submodule runs halfway through the package's import.
Imports made with ``importlib`` (the CLI's lazy commands, ``reconciler.api``'s
lazy names) are not statements and are not seen.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("reconciler", "benchmarks")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {module_name(p): p for pkg in PACKAGES for p in sorted((ROOT / pkg).rglob("*.py"))}


def _imported(node: ast.AST, here: str, is_package: bool) -> Iterator[str]:
    """Every module name an import statement names (candidates; resolved by the caller)."""
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
    elif isinstance(node, ast.ImportFrom):
        if node.level:
            # relative: from the package of ``here`` (``here`` itself when it is a package)
            base = here.split(".")
            keep = len(base) - node.level + (1 if is_package else 0)
            prefix = ".".join(base[:keep])
            module = f"{prefix}.{node.module}" if node.module else prefix
        else:
            module = node.module or ""
        for alias in node.names:
            yield f"{module}.{alias.name}"  # a submodule, when there is one
        yield module


def import_graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        is_package = path.name == "__init__.py"
        edges: set[str] = set()
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            names = list(_imported(node, name, is_package))
            if isinstance(node, ast.ImportFrom):
                # ``from pkg import a, b``: each submodule named, else the package itself
                *submodules, package = names
                found = [m for m in submodules if m in modules]
                if len(found) < len(submodules) and package in modules:
                    found.append(package)
                edges.update(found)
            else:
                edges.update(m for m in names if m in modules)
        edges.discard(name)
        graph[name] = edges
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(found)


def test_no_import_circles() -> None:
    graph = import_graph(_modules())
    found = cycles(graph)
    shown = [
        " <-> ".join(c)
        + ": "
        + "; ".join(f"{a} -> {b}" for a in c for b in sorted(graph[a] & {*c}))
        for c in found
    ]
    assert shown == []


def test_no_import_circles_among_the_tests_helpers() -> None:
    """tests/ puts each of its folders on ``sys.path``: a helper is imported by its file's
    name (``from workspace import run_cli``), so that is its node here."""
    modules = {p.stem: p for p in sorted((ROOT / "tests").rglob("*.py")) if p.name != "conftest.py"}
    assert len(modules) == len([p for p in (ROOT / "tests").rglob("*.py")]) - len(
        list((ROOT / "tests").rglob("conftest.py"))
    ), "two helpers of one name: an import would find either"
    assert cycles(import_graph(modules)) == []


def _graph_of(tmp_path: Path, files: dict[str, str]) -> dict[str, set[str]]:
    modules = {}
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        parts = list(Path(rel).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return import_graph(modules)


def test_a_circle_through_an_import_inside_a_function_is_found(tmp_path: Path) -> None:
    graph = _graph_of(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "from pkg import b\n",
            "pkg/b.py": "def f():\n    from pkg.a import g\n",
        },
    )
    assert cycles(graph) == [["pkg.a", "pkg.b"]]


def test_a_package_re_exporting_its_submodules_is_no_circle(tmp_path: Path) -> None:
    graph = _graph_of(
        tmp_path,
        {
            "pkg/__init__.py": "from pkg.a import A\nfrom pkg.b import B\n",
            "pkg/a.py": "from pkg.b import B\nA = B\n",
            "pkg/b.py": "B = 1\n",
        },
    )
    assert graph["pkg"] == {"pkg.a", "pkg.b"}
    assert cycles(graph) == []


@pytest.mark.parametrize(
    "statement",
    ["from pkg import B\n", "from . import B\n", "import pkg\n"],
)
def test_a_submodule_importing_its_own_package_closes_a_circle(
    tmp_path: Path, statement: str
) -> None:
    graph = _graph_of(
        tmp_path,
        {"pkg/__init__.py": "from pkg.a import A\nB = 1\n", "pkg/a.py": statement + "A = 2\n"},
    )
    assert cycles(graph) == [["pkg", "pkg.a"]]
