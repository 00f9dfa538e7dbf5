"""README's walkthrough of the local settings API, run exactly as written, output compared.

As a person runs it: in a fresh shell (a PATH without this virtualenv, no
CALLFWD_ variables), from the repository's root where `make demo` left
`.venv`, each `$` line through bash.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SECTION = "## The local settings API"


def _walkthrough() -> list[tuple[str, list[str]]]:
    """(command, expected stdout lines) for each ``$`` line of the section's console block."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text[text.index(SECTION) :]
    block = re.search(r"```console\n(.*?)```", section, re.S)
    assert block is not None, "README's local API section has no console block"
    steps: list[tuple[str, list[str]]] = []
    for line in block.group(1).splitlines():
        if line.startswith("$ "):
            steps.append((line[2:], []))
        else:
            steps[-1][1].append(line)
    return steps


def _argv(command: str) -> list[str]:
    assert shlex.split(command)[0] == "callfwd", command
    return ["bash", "--noprofile", "--norc", "-c", f"exec {command}"]


def _fresh_shell() -> dict[str, str]:
    path = os.pathsep.join(
        p for p in os.environ["PATH"].split(os.pathsep) if Path(p) != Path(sys.prefix) / "bin"
    )
    return {"PATH": path, "HOME": os.environ["HOME"], "LANG": "C.UTF-8"}


def _source(script: str, cwd: Path, env: dict[str, str]) -> dict[str, str]:
    """The environment after `. script` in that shell."""
    run = subprocess.run(
        ["bash", "--noprofile", "--norc", "-c", f". {script} && env -0"],
        cwd=cwd, env=env, capture_output=True, timeout=30, check=True,
    )  # fmt: skip
    pairs = (item.split(b"=", 1) for item in run.stdout.split(b"\0") if b"=" in item)
    return {k.decode(): v.decode() for k, v in pairs}


def test_the_walkthrough_in_readme_works_as_written(tmp_path: Path) -> None:
    for name in ("manifests", "schemas"):
        shutil.copytree(REPO / name, tmp_path / name)
    shutil.copy(REPO / "callfwd.yaml", tmp_path / "callfwd.yaml")
    (tmp_path / ".venv").symlink_to(sys.prefix)  # what `make demo` leaves at the root
    env = _fresh_shell()
    assert shutil.which("callfwd", path=env["PATH"]) is None  # else the test proves nothing
    server: subprocess.Popen[str] | None = None
    steps = _walkthrough()
    assert [c.split()[:2] for c, _ in steps][:3] == [
        [".", ".venv/bin/activate"],
        ["callfwd", "serve"],
        ["export", "ACME_US_KEY=sandbox-acme-manager"],
    ]
    try:
        for command, expected in steps:
            if command.startswith(". "):
                assert expected == [], command
                env = _source(command[2:], tmp_path, env)
            elif command.startswith("export "):
                env.update(dict(w.split("=", 1) for w in shlex.split(command)[1:]))
            elif command.endswith(" &"):
                server = subprocess.Popen(
                    _argv(command[:-2]),
                    cwd=tmp_path,
                    env=env,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
                assert server.stdout is not None
                first = server.stdout.readline().rstrip("\n")
                if first != expected[0]:
                    server.kill()
                    _, err = server.communicate(timeout=15)
                    server = None
                    pytest.fail(
                        f"`{command}` printed {first!r}, README says {expected[0]!r}\n{err}"
                    )
            else:
                run = subprocess.run(
                    _argv(command), cwd=tmp_path, env=env, capture_output=True, text=True,
                    timeout=60,
                )  # fmt: skip
                assert run.returncode == 0, f"`{command}`: {run.stderr}"
                assert run.stdout.splitlines() == expected, command
        # serve keeps its state under .callfwd/, with a .gitignore of its own inside
        assert (tmp_path / ".callfwd" / "sandbox.db").exists()
        assert "*" in (tmp_path / ".callfwd" / ".gitignore").read_text().splitlines()
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            server.communicate(timeout=15)  # reads and closes its pipes
