"""The install that README and docs/ci.md promise: a wheel, installed, runs.

Built from a copy of the source (nothing is written into the checkout) with
this virtualenv's setuptools, no build isolation and no index; installed into a
fresh virtualenv by the callfwd action's own install step, as a runner would,
with ``install:`` naming the wheel. The fresh virtualenv sees this one's
third-party packages through a ``.pth`` file (a folder of links that leaves out
callfwd itself), so the test stays offline, and callfwd can only come from the
wheel.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from gitops_helpers import ROOT, StepRun, run_action

from reconciler import __version__


@dataclass
class Installed:
    wheel: Path
    bin: Path
    install: StepRun
    ws: Path

    def callfwd(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.bin / "callfwd"), *args],
            cwd=self.ws,
            capture_output=True,
            text=True,
            timeout=60,
            env={"PATH": f"{self.bin}{os.pathsep}{os.environ['PATH']}", "HOME": str(self.ws)},
        )


def _run(*args: str, cwd: Path | None = None) -> None:
    proc = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _build_wheel(tmp: Path) -> Path:
    src = tmp / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    shutil.copytree(
        ROOT / "reconciler", src / "reconciler", ignore=shutil.ignore_patterns("__pycache__")
    )
    dist = tmp / "dist"
    _run(
        sys.executable, "-m", "pip", "wheel", "--quiet", "--no-build-isolation", "--no-deps",
        "--no-index", "--wheel-dir", str(dist), str(src),
    )  # fmt: skip
    [wheel] = dist.glob("callfwd-*.whl")
    return wheel


def _third_party_only(tmp: Path) -> Path:
    """A folder of links to this virtualenv's packages, leaving out callfwd itself."""
    site = Path(sysconfig.get_paths()["purelib"])
    links = tmp / "deps"
    links.mkdir()
    for entry in site.iterdir():
        name = entry.name.lower()
        if name.startswith(("callfwd", "__editable__", "reconciler", "_virtualenv")):
            continue
        if name.endswith(".pth"):
            continue
        (links / entry.name).symlink_to(entry)
    return links


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    tmp = tmp_path_factory.mktemp("install")
    wheel = _build_wheel(tmp)
    venv = tmp / "venv"
    _run(sys.executable, "-m", "venv", str(venv))
    bin_dir = venv / "bin"
    purelib = subprocess.run(
        [
            str(bin_dir / "python"),
            "-c",
            "import sysconfig; print(sysconfig.get_paths()['purelib'])",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(purelib, "zz-callfwd-test-deps.pth").write_text(f"{_third_party_only(tmp)}\n")

    ws = tmp / "ws"
    shutil.copytree(ROOT / "manifests", ws / "manifests")
    shutil.copy2(ROOT / "callfwd.yaml", ws / "callfwd.yaml")
    env = {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "PIP_NO_INDEX": "1",  # offline: every dependency is already there
        "PIP_NO_DEPS": "1",
    }
    run = run_action(
        {"command": "validate", "install": str(wheel), "format": "text"},
        cwd=ws,
        runner=tmp / "runner",
        env=env,
        install=True,
    )
    return Installed(wheel, bin_dir, run, ws)


def test_the_action_installs_the_wheel_and_validates(installed: Installed) -> None:
    run = installed.install
    assert run.returncode == 0, run.output
    assert f"callfwd, version {__version__}" in run.stdout
    assert "ok: 3 files" in run.stdout
    assert run.outputs["exit-code"] == "0"


def test_callfwd_comes_from_the_wheel_not_the_checkout(installed: Installed) -> None:
    proc = subprocess.run(
        [str(installed.bin / "python"), "-c", "import reconciler; print(reconciler.__file__)"],
        capture_output=True,
        text=True,
        check=True,
        cwd=installed.ws,
    )
    origin = Path(proc.stdout.strip())
    assert origin.is_relative_to(installed.bin.parent), origin
    assert (origin.parent / "py.typed").is_file()


def test_installed_commands_work(installed: Installed) -> None:
    version = installed.callfwd("--version")
    assert (version.returncode, version.stdout) == (0, f"callfwd, version {__version__}\n")
    valid = installed.callfwd("validate")
    assert valid.returncode == 0, valid.stdout + valid.stderr
    schema = installed.callfwd("schema")
    assert schema.returncode == 0
    committed = (ROOT / "schemas" / "manifest.v1.schema.json").read_text(encoding="utf-8")
    assert json.loads(schema.stdout) == json.loads(committed)


def test_wheel_metadata_is_complete(installed: Installed) -> None:
    with zipfile.ZipFile(installed.wheel) as whl:
        names = whl.namelist()
        [meta_name] = [n for n in names if n.endswith(".dist-info/METADATA")]
        meta = whl.read(meta_name).decode()
        [entry_name] = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
        entry_points = whl.read(entry_name).decode()
    assert "reconciler/py.typed" in names
    assert not [n for n in names if n.startswith(("tests/", "benchmarks/"))]
    assert f"Version: {__version__}\n" in meta
    assert "License-Expression: MIT\n" in meta
    assert "Requires-Python: >=3.11\n" in meta
    assert "Project-URL: Source, " in meta
    assert "Classifier: Typing :: Typed\n" in meta
    assert "callfwd = reconciler.cli:main" in entry_points
