"""Diagnostics as SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.

One run, one tool (``callfwd``). The rules are every code of the registry in
``reconciler.diagnostics.codes`` (in code order, so a rule's index never depends on
what a run found), each with help text and, when the project's repository URL is
known, a ``helpUri`` to its section of docs/rules.md. Locations are URIs
relative to the working directory (the repository root in CI), so the output
holds no machine-specific path and the same report always renders to the same
bytes.

GitHub's limits (docs: "SARIF support for code scanning"): a run of more than
25,000 results, or an upload over 10 MB compressed, is refused; of an accepted
run only 5,000 results are kept. So a run holds at most ``MAX_RESULTS``: the
most severe problems, then one ``CF530`` result that says how many were left
out and how to see them all. Message text goes through ``escape.sarif_text``.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

import reconciler
from reconciler import __version__
from reconciler.diagnostics import Diagnostic, Position, Severity
from reconciler.diagnostics.codes import CODES, SARIF_LEFT_OUT, Code
from reconciler.render import escape
from reconciler.render.common import plural
from reconciler.render.diagnostics import Report

SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
MAX_RESULTS = 5_000  # what GitHub keeps of a run (it refuses more than 25,000)
MAX_BYTES = 9_000_000  # uncompressed, under GitHub's 10 MB for the compressed upload
MAX_TEXT = 1_000  # GitHub cuts rule descriptions at 1,024 characters
FINGERPRINT = "callfwd/problem/v1"
_SEVERITY_RANK = {Severity.ERROR: 0, Severity.WARNING: 1}
# Where a message points at a line ("first at line 4", "x.yaml:4:7"): not part of the
# problem's identity, which must survive lines moving.
_POSITIONS = re.compile(r"(?<=line )\d+|(?<=column )\d+|(?<=\.yaml):\d+(?::\d+)?|(?<=\.yml):\d+")


def repository_url() -> str | None:
    """The project's repository URL, or None when it is not known (no link is written)."""
    url = getattr(reconciler, "REPOSITORY_URL", None)
    return url or None


def anchor(heading: str) -> str:
    """The anchor GitHub gives a Markdown heading: lowercase, punctuation dropped, '-' for ' '."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _short(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def rule(code: Code) -> dict[str, Any]:
    """A rule from the registry: its title, explanation and help (text and markdown)."""
    base = repository_url()
    doc = f"{base}/blob/main/docs/rules.md#{anchor(f'{code.code} {code.title}')}" if base else None
    more = f" See {doc}" if doc else " See docs/rules.md."
    link = f" See [{code.code} in docs/rules.md]({doc})." if doc else " See docs/rules.md."
    out: dict[str, Any] = {
        "id": code.code,
        "name": code.title,
        "shortDescription": {"text": _short(code.title)},
        "fullDescription": {"text": _short(code.explanation)},
        "help": {
            "text": f"{code.explanation}{more}",
            "markdown": f"**{code.code} {code.title}**\n\n{code.explanation}{link}",
        },
    }
    if doc:
        out["helpUri"] = doc
    out["defaultConfiguration"] = {"level": code.severity}
    return out


def artifact_uri(path: str) -> str:
    """``path`` as a URI relative to the working directory (a file: URI outside it)."""
    return _uri(path, os.getcwd())


@functools.lru_cache(maxsize=4_096)
def _uri(path: str, cwd: str) -> str:  # a report names few files, each many times
    full = os.path.abspath(os.path.join(cwd, path))
    rel = os.path.relpath(full, cwd)
    if rel == ".." or rel.startswith(".." + os.sep):
        return Path(full).as_uri()
    return quote(Path(rel).as_posix(), safe="/")


def fingerprint(d: Diagnostic) -> str:
    """The problem's identity, from its code, file and message, never its line or column."""
    what = _POSITIONS.sub("", d.message)
    blob = "\0".join((d.code, artifact_uri(d.position.path), what)).encode("utf-8", "replace")
    return hashlib.sha256(blob).hexdigest()[:32]


def _location(p: Position) -> dict[str, Any]:
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": artifact_uri(p.path)},
            "region": {"startLine": max(p.line, 1), "startColumn": max(p.column, 1)},
        }
    }


def _result(d: Diagnostic, index: dict[str, int], key: str) -> dict[str, Any]:
    result: dict[str, Any] = {"ruleId": d.code}
    if d.code in index:
        result["ruleIndex"] = index[d.code]
    result["level"] = d.severity.value
    result["message"] = {"text": escape.sarif_text(d.message)}
    result["locations"] = [_location(d.position)]
    result["partialFingerprints"] = {FINGERPRINT: key}
    return result


def _compact(result: dict[str, Any]) -> int:
    return len(json.dumps(result, ensure_ascii=False).encode())


def _indented(result: dict[str, Any]) -> int:
    """What one result adds to the log, indented 8 spaces deep (json's slow path)."""
    text = json.dumps(result, indent=2, ensure_ascii=False)
    return len(text.encode()) + 8 * (text.count("\n") + 1) + 2


def _left_out(left: Sequence[Diagnostic], index: dict[str, int]) -> dict[str, Any]:
    errors = sum(1 for d in left if d.severity is Severity.ERROR)
    kinds = [plural(n, w) for n, w in ((errors, "error"), (len(left) - errors, "warning")) if n]
    first = min(left, key=lambda d: _SEVERITY_RANK[d.severity])  # the first in report order
    message = (
        f"{plural(len(left), 'more problem')} ({', '.join(kinds)}) are not in this SARIF "
        f"file: GitHub code scanning keeps at most {MAX_RESULTS:,} results of a run. "
        "See them all with `callfwd validate --format text`."
    )
    return {
        "ruleId": SARIF_LEFT_OUT,
        "ruleIndex": index[SARIF_LEFT_OUT],
        "level": "error" if errors else "warning",
        "message": {"text": escape.sarif_text(message)},
        "locations": [_location(first.position)],
        "partialFingerprints": {FINGERPRINT: f"{SARIF_LEFT_OUT}:left-out"},
    }


def _results(diagnostics: Sequence[Diagnostic], budget: int) -> list[dict[str, Any]]:
    """The most severe problems that fit, in report order, and a summary of the rest."""
    index = {code: i for i, code in enumerate(CODES)}
    seen: dict[str, int] = {}
    keys = []  # the same problem twice in a file: told apart by its occurrence
    for d in diagnostics:
        key = fingerprint(d)
        seen[key] = seen.get(key, 0) + 1
        keys.append(f"{key}:{seen[key]}")
    room = MAX_RESULTS if len(diagnostics) <= MAX_RESULTS else MAX_RESULTS - 1
    budget -= 4_000  # room for the summary result
    kept: dict[int, dict[str, Any]] = {}
    layout = 0  # what indenting adds to a result: its shape is the same for all
    for i in sorted(range(len(diagnostics)), key=lambda i: _SEVERITY_RANK[diagnostics[i].severity]):
        result = _result(diagnostics[i], index, keys[i])
        layout = layout or _indented(result) - _compact(result) + 64
        budget -= _compact(result) + layout
        if len(kept) == room or budget < 0:
            break
        kept[i] = result
    out = [kept[i] for i in sorted(kept)]
    left = [d for i, d in enumerate(diagnostics) if i not in kept]
    if left:
        out.append(_left_out(left, index))
    return out


def render_sarif(report: Report) -> str:
    """The SARIF log as indented JSON ending in a newline."""
    driver: dict[str, Any] = {
        "name": "callfwd",
        "version": __version__,
        "semanticVersion": __version__,
    }
    if base := repository_url():
        driver["informationUri"] = base
    driver["rules"] = [rule(c) for c in CODES.values()]
    run: dict[str, Any] = {"tool": {"driver": driver}, "columnKind": "unicodeCodePoints"}
    fixed = len(json.dumps({"runs": [run]}, indent=2, ensure_ascii=False).encode()) + 1_000
    run["results"] = _results(report.diagnostics, MAX_BYTES - fixed)
    log = {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"
