"""Diagnostics as SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.

One run, one tool (``callfwd``). The rules are every code of the registry in
``reconciler.rules.codes`` (in code order, so a rule's index never depends on
what a run found), each with a ``helpUri`` to its section of docs/rules.md.
Locations are URIs relative to the working directory (the repository root in
CI), so the output holds no machine-specific path and the same report always
renders to the same bytes.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from reconciler import REPOSITORY_URL, __version__
from reconciler.render.diagnostics import Report
from reconciler.rules.codes import CODES, Code

SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
RULES_DOC = f"{REPOSITORY_URL}/blob/main/docs/rules.md"


def anchor(heading: str) -> str:
    """The anchor GitHub gives a Markdown heading: lowercase, punctuation dropped, '-' for ' '."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def rule(code: Code) -> dict[str, Any]:
    return {
        "id": code.code,
        "name": code.title,
        "shortDescription": {"text": code.title},
        "fullDescription": {"text": code.explanation},
        "helpUri": f"{RULES_DOC}#{anchor(f'{code.code} {code.title}')}",
        "defaultConfiguration": {"level": code.severity},
    }


def artifact_uri(path: str) -> str:
    """``path`` as a URI relative to the working directory (a file: URI outside it)."""
    full = os.path.abspath(path)
    rel = os.path.relpath(full)
    if rel == ".." or rel.startswith(".." + os.sep):
        return Path(full).as_uri()
    return quote(Path(rel).as_posix(), safe="/")


def render_sarif(report: Report, *, colour: bool = False) -> str:
    """The SARIF log as indented JSON ending in a newline (``colour`` is ignored)."""
    index = {code: i for i, code in enumerate(CODES)}
    results = []
    for d in report.diagnostics:
        result: dict[str, Any] = {"ruleId": d.code}
        if d.code in index:
            result["ruleIndex"] = index[d.code]
        result["level"] = d.severity.value
        result["message"] = {"text": d.message}
        result["locations"] = [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": artifact_uri(d.position.path)},
                    "region": {
                        "startLine": max(d.position.line, 1),
                        "startColumn": max(d.position.column, 1),
                    },
                }
            }
        ]
        results.append(result)
    log = {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "callfwd",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": REPOSITORY_URL,
                        "rules": [rule(c) for c in CODES.values()],
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"
