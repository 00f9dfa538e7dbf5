"""The install that README and docs/ci.md promise: an sdist and a wheel that install and run.

Built from a copy of the source (nothing is written into the checkout) with
this virtualenv's setuptools, no build isolation and no index: the sdist first,
then the wheel from the unpacked sdist (so the sdist is known to be complete).
Installed into a fresh virtualenv by the callfwd action's own install step, as
a runner would, with ``install:`` naming the wheel and the shipped constraints
file. The fresh virtualenv sees this one's packages through a ``.pth`` file,
but only those ``callfwd`` needs WITHOUT extras (no FastAPI, no uvicorn), so
the test stays offline, pip must find every requirement satisfied, and callfwd
can only come from the wheel.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pytest
from gitops_helpers import ROOT, StepRun, run_action

from reconciler import __version__

SOURCES = ("pyproject.toml", "README.md", "LICENSE")


def _closure(extras: tuple[str, ...]) -> dict[str, str]:
    spec = importlib.util.spec_from_file_location("constraints", ROOT / "tools" / "constraints.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    result: dict[str, str] = module.closure("callfwd", extras)
    return result


@dataclass
class Installed:
    wheel: Path
    sdist: Path
    bin: Path
    install: StepRun
    ws: Path

    def callfwd(
        self, *args: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.bin / "callfwd"), *args],
            cwd=self.ws,
            capture_output=True,
            text=True,
            timeout=60,
            env={
                "PATH": f"{self.bin}{os.pathsep}{os.environ['PATH']}",
                "HOME": str(self.ws),
                **(env or {}),
            },
        )


def _run(*args: str, cwd: Path | None = None) -> None:
    proc = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _build(tmp: Path) -> tuple[Path, Path]:
    src = tmp / "src"
    src.mkdir()
    for name in SOURCES:
        shutil.copy2(ROOT / name, src / name)
    shutil.copytree(
        ROOT / "reconciler", src / "reconciler", ignore=shutil.ignore_patterns("__pycache__")
    )
    dist = tmp / "dist"
    _run(
        sys.executable, "-c",
        f"from setuptools import build_meta; build_meta.build_sdist({str(dist)!r})",
        cwd=src,
    )  # fmt: skip
    [sdist] = dist.glob("callfwd-*.tar.gz")
    with tarfile.open(sdist) as tar:
        tar.extractall(tmp / "unpacked", filter="data")
    [unpacked] = (tmp / "unpacked").iterdir()
    _run(
        sys.executable, "-m", "pip", "wheel", "--quiet", "--no-build-isolation", "--no-deps",
        "--no-index", "--wheel-dir", str(dist), str(unpacked),
    )  # fmt: skip
    [wheel] = dist.glob("callfwd-*.whl")
    return sdist, wheel


def _core_dependencies_only(tmp: Path) -> Path:
    """Links to this virtualenv's files of callfwd's runtime dependencies, without extras."""
    links = tmp / "deps"
    links.mkdir()
    for name in _closure(()):
        dist = metadata.distribution(name)
        tops = {Path(str(f)).parts[0] for f in dist.files or []}
        for top in tops:
            entry = Path(str(dist.locate_file(top)))
            if top.endswith(".pth") or top.startswith((".", "..", "__pycache__")):
                continue
            if entry.exists() and not (links / top).exists():
                (links / top).symlink_to(entry)
    return links


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    tmp = tmp_path_factory.mktemp("install")
    sdist, wheel = _build(tmp)
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
    Path(purelib, "zz-callfwd-test-deps.pth").write_text(f"{_core_dependencies_only(tmp)}\n")

    ws = tmp / "ws"
    shutil.copytree(ROOT / "manifests", ws / "manifests")
    shutil.copy2(ROOT / "callfwd.yaml", ws / "callfwd.yaml")
    env = {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "PIP_NO_INDEX": "1",  # offline: every dependency must already be there
        "PIP_FIND_LINKS": "",
    }
    run = run_action(
        {"command": "validate", "install": str(wheel), "format": "text"},
        cwd=ws,
        runner=tmp / "runner",
        env=env,
        install=True,
    )
    return Installed(wheel, sdist, bin_dir, run, ws)


def _version_line() -> str:
    return f"callfwd, version {__version__} (phonenumbers {metadata.version('phonenumbers')})"


def test_the_action_installs_the_wheel_with_constraints_and_validates(
    installed: Installed,
) -> None:
    run = installed.install
    assert run.returncode == 0, run.output
    assert _version_line() in run.stdout
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
    assert (origin.parent / "constraints.txt").is_file()


def test_the_server_is_not_installed_without_the_extra(installed: Installed) -> None:
    proc = subprocess.run(
        [str(installed.bin / "python"), "-c", "import fastapi"],
        capture_output=True,
        text=True,
        cwd=installed.ws,
    )
    assert proc.returncode == 1 and "No module named 'fastapi'" in proc.stderr


def test_installed_commands_work_without_the_server(installed: Installed) -> None:
    version = installed.callfwd("--version")
    assert (version.returncode, version.stdout) == (0, _version_line() + "\n")
    valid = installed.callfwd("validate")
    assert valid.returncode == 0, valid.stdout + valid.stderr
    schema = installed.callfwd("schema")
    assert schema.returncode == 0
    committed = (ROOT / "schemas" / "manifest.v1.schema.json").read_text(encoding="utf-8")
    assert json.loads(schema.stdout) == json.loads(committed)
    # plan and apply load without the server's packages: they get as far as the API
    # (here a closed port, so each fails as a network error, exit 1).
    (installed.ws / "closed.yaml").write_text(
        "exclude: [manifests/sandbox-seed.yaml]\n"
        "retry: {max_attempts: 1, max_connect_total: 0}\n"
        "defaults: {api_url: 'http://127.0.0.1:9', api_key_env: K}\n"
        "accounts: {acme-us: {}, globex: {}}\n",
        encoding="utf-8",
    )
    for args in (("plan",), ("apply", "--auto-approve")):
        run = installed.callfwd(*args, "--config", "closed.yaml", env={"K": "sandbox-key"})
        assert run.returncode == 1, args
        assert "No module named" not in run.stderr and "internal error" not in run.stderr, args
        assert "127.0.0.1:9" in run.stderr, (args, run.stderr)


def test_serve_without_the_extra_says_how_to_get_it(installed: Installed) -> None:
    run = installed.callfwd("serve", "--port", "0")
    assert run.returncode != 0
    assert "Traceback" not in run.stderr
    assert "callfwd[serve]" in run.stderr + run.stdout


def test_wheel_metadata_is_complete(installed: Installed) -> None:
    with zipfile.ZipFile(installed.wheel) as whl:
        names = whl.namelist()
        [meta_name] = [n for n in names if n.endswith(".dist-info/METADATA")]
        meta = whl.read(meta_name).decode()
        [entry_name] = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
        entry_points = whl.read(entry_name).decode()
        [license_name] = [n for n in names if n.endswith(".dist-info/licenses/LICENSE")]
        license_text = whl.read(license_name).decode()
    assert "reconciler/py.typed" in names
    assert "reconciler/constraints.txt" in names
    for template in ("apply.yml", "drift.yml", "pull-request.yml"):
        assert f"reconciler/engine/templates/{template}" in names
    assert not [n for n in names if n.startswith(("tests/", "benchmarks/", "tools/"))]
    assert f"Version: {__version__}\n" in meta
    assert "License-Expression: MIT\n" in meta
    assert "License-File: LICENSE\n" in meta
    assert license_text == (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "Copyright (c) The callfwd authors" in license_text
    assert "Requires-Python: >=3.11\n" in meta
    assert "Project-URL: Source, https://github.com/callfwd/callfwd\n" in meta
    assert "ORG/" not in meta
    assert "Provides-Extra: serve\n" in meta
    assert "Requires-Dist: fastapi" in meta and 'extra == "serve"' in meta
    assert "Classifier: Typing :: Typed\n" in meta
    assert "callfwd = reconciler.cli:main" in entry_points


def test_sdist_holds_the_license_and_what_the_wheel_is_built_from(installed: Installed) -> None:
    with tarfile.open(installed.sdist) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    assert {"LICENSE", "pyproject.toml", "README.md", "PKG-INFO"} <= names
    assert "reconciler/constraints.txt" in names
    assert "reconciler/engine/templates/apply.yml" in names
