"""The bad-manifest corpus: every case gives its exact diagnostics through the CLI.

tests/corpus/bad holds one file per case; tests/corpus/expected.yaml pins the
code, line and column of every diagnostic each one gives. Two more cases (a
10 MB file and 100,000 senders in one file) are generated here rather than
committed.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from workspace import run_cli, run_process

CORPUS = Path(__file__).parent.parent / "corpus"
BAD = CORPUS / "bad"
EXPECTED: dict[str, list[str]] = yaml.safe_load((CORPUS / "expected.yaml").read_text())
REPO = Path(__file__).parent.parent.parent


def _run(*args: str) -> tuple[int, str]:
    result = run_cli(*args)
    return result.code, result.output


def _pinned(output: str) -> list[str]:
    doc = json.loads(output)
    return [f"{d['code']} {d['line']}:{d['column']}" for d in doc["diagnostics"]]


def test_corpus_is_large_and_every_file_has_expectations() -> None:
    files = sorted(p.name for p in BAD.iterdir())
    assert len(files) >= 80
    assert files == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_manifest_gives_its_exact_diagnostics(name: str) -> None:
    started = time.monotonic()
    code, output = _run("validate", "--format", "json", str(BAD / name))
    assert time.monotonic() - started < 10  # bounded time: no case may hang
    assert "Traceback" not in output
    assert _pinned(output) == EXPECTED[name]
    errors = [e for e in EXPECTED[name] if not e.startswith("CF006") and not e.startswith("CF406")]
    assert code == (1 if errors else 0)


@pytest.mark.parametrize("fmt", ["text", "github"])
def test_whole_corpus_in_one_process_without_a_traceback(fmt: str) -> None:
    proc = run_process("validate", "--format", fmt, "tests/corpus/bad", cwd=REPO, timeout=120)
    assert proc.code == 1
    assert proc.stderr == ""
    for name, pins in EXPECTED.items():
        for pin in pins:
            code, where = pin.split()
            line = f"tests/corpus/bad/{name}:{where}: "
            assert any(ln.startswith(line) and f"[{code}]" in ln for ln in proc.stdout.splitlines())


def test_ten_megabyte_file_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    line = b'  - sender: "+1 833 555 0100"\n    forward_to: null\n'
    big.write_bytes(b"version: 1\nforwarding:\n" + line * (10 * 1024 * 1024 // len(line)))
    started = time.monotonic()
    code, output = _run("validate", str(big))
    assert time.monotonic() - started < 10
    assert code == 1
    assert "Traceback" not in output
    assert f"{big.as_posix()}:1:1: error[CF003] file is 10,485," in output
    assert "split it into several files" in output


def test_hundred_thousand_senders_in_bounded_time_and_memory(tmp_path: Path) -> None:
    path = tmp_path / "fleet.yaml"
    head = "version: 1\naccount: acme-us\nteam: big\nowners:\n- {email: a@b.example, role: owner}\n"
    rows = [f'- {{sender: "800{2000000 + i}",forward_to: ~}}\n' for i in range(100_000)]
    rows.append('- {sender: "800-200-0000",forward_to: ~}\n')  # the first one again
    path.write_text(head + "forwarding:\n" + "".join(rows))
    assert path.stat().st_size < 4 * 1024 * 1024
    probe = (
        "import resource, sys\n"
        "from reconciler.cli import main\n"
        "rc = main(sys.argv[1:])\n"
        "print('maxrss_kb', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
        "sys.exit(rc)\n"
    )
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-c", probe, "validate", "--format", "json", str(path)],
        capture_output=True,
        text=True,
        timeout=180,
    )
    elapsed = time.monotonic() - started
    assert "Traceback" not in proc.stdout + proc.stderr
    assert proc.returncode == 1
    doc = json.loads(proc.stdout)
    assert doc["summary"] == {"files": 1, "senders": 100_001, "errors": 1, "warnings": 0}
    [d] = doc["diagnostics"]
    assert (d["code"], d["line"], d["column"]) == ("CF208", 100_007, 12)
    assert "tests" not in d["message"] and f"{path.as_posix()}:7:12" in d["message"]
    maxrss_mb = int(proc.stderr.split("maxrss_kb")[1]) / 1024
    assert maxrss_mb < 500, f"{maxrss_mb:.0f} MB"
    assert elapsed < 90, f"{elapsed:.1f} s"
