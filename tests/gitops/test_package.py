"""The package's promises: bounded dependencies, a true constraints file, one repository URL."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata

import pytest
from gitops_helpers import ROOT
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version
from workspace import run_cli

import reconciler
from reconciler.manifest.model import SCHEMA_ID

PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
CORE = [Requirement(r) for r in PROJECT["dependencies"]]
SERVE = [Requirement(r) for r in PROJECT["optional-dependencies"]["serve"]]
CONSTRAINTS = ROOT / "reconciler" / "constraints.txt"


def _pins() -> dict[str, str]:
    pins = {}
    for line in CONSTRAINTS.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[canonicalize_name(name)] = version
    return pins


@pytest.mark.parametrize(
    "req", [*CORE, *SERVE, *(Requirement(r) for r in PROJECT["optional-dependencies"]["dev"])],
    ids=str,
)  # fmt: skip
def test_every_dependency_stops_before_its_next_major(req: Requirement) -> None:
    if req.name == "callfwd":  # dev pulls in callfwd[serve]: the bounds above apply
        return
    uppers = [s for s in req.specifier if s.operator in ("<", "==")]
    assert uppers, f"{req} has no upper bound"


def test_phonenumbers_is_held_to_one_tested_minor_release() -> None:
    [req] = [r for r in CORE if r.name == "phonenumbers"]
    lower = next(Version(s.version) for s in req.specifier if s.operator == ">=")
    upper = next(Version(s.version) for s in req.specifier if s.operator == "<")
    assert (upper.major, upper.minor) == (lower.major, lower.minor + 1)
    assert req.specifier.contains(metadata.version("phonenumbers"))


def test_the_constraints_pin_every_runtime_dependency_within_pyprojects_ranges() -> None:
    pins = _pins()
    for req in [*CORE, *SERVE]:
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is missing from reconciler/constraints.txt"
        assert req.specifier.contains(pins[name]), f"{req.name}=={pins[name]} is outside {req}"


def test_the_constraints_are_the_versions_installed_here() -> None:
    """`make constraints` after an upgrade: the file says what the tests ran with."""
    stale = {n: v for n, v in _pins().items() if metadata.version(n) != v}
    assert stale == {}, "run `make constraints`"


def test_the_server_is_an_extra() -> None:
    core = {canonicalize_name(r.name) for r in CORE}
    assert not core & {"fastapi", "uvicorn", "starlette"}
    assert {canonicalize_name(r.name) for r in SERVE} == {"fastapi", "uvicorn", "starlette"}
    assert "callfwd[serve]" in PROJECT["optional-dependencies"]["dev"]


def test_version_names_phonenumbers() -> None:
    result = run_cli("--version")
    assert result.code == 0
    assert result.stdout == (
        f"callfwd, version {reconciler.__version__} "
        f"(phonenumbers {metadata.version('phonenumbers')})\n"
    )


def test_the_repository_url_is_written_once_and_read_back() -> None:
    source = PROJECT["urls"]["Source"]
    assert reconciler.repository_url() == source == reconciler.REPOSITORY_URL
    repo = source.removeprefix("https://github.com/")
    assert (
        f"https://raw.githubusercontent.com/{repo}/main/schemas/manifest.v1.schema.json"
        == SCHEMA_ID
    )
    for key, url in PROJECT["urls"].items():
        assert url.startswith(source), key


SHIPPED = [
    "action.yml",
    ".pre-commit-hooks.yaml",
    "README.md",
    "docs/ci.md",
    "schemas/manifest.v1.schema.json",
    *(str(p.relative_to(ROOT)) for p in sorted((ROOT / ".github").rglob("*.y*ml"))),
    *(str(p.relative_to(ROOT)) for p in sorted((ROOT / "reconciler").rglob("*.py"))),
    *(str(p.relative_to(ROOT)) for p in sorted((ROOT / "reconciler").rglob("*.yml"))),
]


@pytest.mark.parametrize("name", SHIPPED)
def test_no_placeholder_repository_ships(name: str) -> None:
    text = (ROOT / name).read_text(encoding="utf-8")
    assert not re.search(r"\bORG/callfwd\b|github\.com/ORG\b", text)
