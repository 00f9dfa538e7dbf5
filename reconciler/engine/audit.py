"""``--audit-log FILE``: one JSON line per change apply attempted, appended.

Each line is written with a single ``write`` on a file opened with O_APPEND,
so a process killed mid-run leaves whole lines only. Lines hold the time,
who made the change (``by``: ``api``, or ``hand`` in the vendor's UI, guided by
apply: then the time is when the API showed it), account, sender, action,
before, after, result and detail; never a key.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from types import TracebackType

from reconciler.plan.results import ChangeResult
from reconciler.secrets import scrub


class AuditLog:
    def __init__(self, path: str) -> None:
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)

    def record(self, result: ChangeResult, *, by: str = "api", at: datetime | None = None) -> None:
        """``by``: ``api`` (apply wrote it) or ``hand`` (a person, guided; ``at``: when seen)."""
        c = result.change
        line = json.dumps(
            {
                "time": (at or datetime.now(UTC)).isoformat(timespec="milliseconds"),
                "by": by,
                "account": c.account,
                "sender": c.sender,
                "sender_id": c.sender_id,
                "action": c.action.value,
                "before": c.before,
                "after": c.after,
                "result": result.outcome.value,
                "detail": scrub(result.detail),
            },
            sort_keys=True,
        )
        os.write(self._fd, (line + "\n").encode())

    def close(self) -> None:
        os.fsync(self._fd)
        os.close(self._fd)

    def __enter__(self) -> AuditLog:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
