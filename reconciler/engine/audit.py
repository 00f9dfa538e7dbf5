"""``--audit-log FILE``: one JSON line per change apply attempted, appended.

Each line is written with a single ``write`` on a file opened with O_APPEND,
so a process killed mid-run leaves whole lines only. Lines hold the time,
who made the change (``by``: ``api``, or ``hand`` in the vendor's UI, guided by
apply: then the time is when the API showed it), account, sender, action,
before, after, result and detail; never a key.

A write the server accepts is recorded at once (``accepted``: result
``applied``, before its answer is read), so no accepted write goes unrecorded
whatever happens next — an answer that cannot be read, a crash, Ctrl-C. When
the change then ends as confirmed, that line is its only one; when it ends
otherwise (``unverified``: the answer could not be read or checked; ``failed``:
the server says it holds another value), a second line gives that outcome. The
last line of a change is its outcome.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from types import TracebackType

from reconciler.plan.model import Change
from reconciler.plan.results import ChangeResult, Outcome
from reconciler.secrets import scrub

ACCEPTED = "accepted by the server; its answer not read yet"


class AuditLog:
    def __init__(self, path: str) -> None:
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        self._accepted: set[tuple[str, str]] = set()  # changes recorded as they were accepted

    def accepted(self, change: Change) -> None:
        """The server accepted ``change``'s write (a 2xx): record it before anything else."""
        self._accepted.add(change.key)
        self._write(ChangeResult(change, Outcome.APPLIED, ACCEPTED))

    def record(self, result: ChangeResult, *, by: str = "api", at: datetime | None = None) -> None:
        """``result``'s line, unless it only confirms the line written when it was accepted.

        ``by``: ``api`` (apply wrote it) or ``hand`` (a person, guided; ``at``: when seen).
        """
        if result.outcome is Outcome.APPLIED and result.change.key in self._accepted:
            return
        self._write(result, by=by, at=at)

    def _write(self, result: ChangeResult, *, by: str = "api", at: datetime | None = None) -> None:
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
