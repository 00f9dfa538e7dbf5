"""Where a problem is and what it is: the Diagnostic value type.

Rules return diagnostics, they never raise, so one run reports every problem.
Every code is registered in ``reconciler.diagnostics.codes``; formatting for
people and machines lives in ``reconciler.render.diagnostics``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True, order=True)
class Position:
    """1-based line and column of a node in a manifest file."""

    path: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    position: Position
    severity: Severity
    code: str
    message: str

    @property
    def sort_key(self) -> tuple[str, int, int, str, str]:
        p = self.position
        return (p.path, p.line, p.column, self.code, self.message)

    def as_dict(self) -> dict[str, object]:
        return {
            "path": self.position.path,
            "line": self.position.line,
            "column": self.position.column,
            "severity": self.severity.value,
            "code": self.code,
            "message": self.message,
        }


def error(position: Position, code: str, message: str) -> Diagnostic:
    return Diagnostic(position, Severity.ERROR, code, message)


def warning(position: Position, code: str, message: str) -> Diagnostic:
    return Diagnostic(position, Severity.WARNING, code, message)


@dataclass(frozen=True, slots=True)
class Summary:
    """The counts of one validation run."""

    files: int
    senders: int
    errors: int
    warnings: int

    def as_dict(self) -> dict[str, int]:
        return {
            "files": self.files,
            "senders": self.senders,
            "errors": self.errors,
            "warnings": self.warnings,
        }
