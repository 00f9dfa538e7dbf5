"""Just before a change is made: is the live sender still what the plan read?

Apply reads a sender before it writes without an ETag (or a change of a saved
plan), and the guided apply before it asks a person to make a change; both
judge what they read here, in the same words:

- another sender under that id (not the plan's US toll-free number): refused;
- the plan's ``after`` already: nothing to do;
- neither the plan's ``before`` nor its ``after``: changed since the plan
  (stale), left alone;
- else: ready.

What the server sent is shown as server text is (``api.errors.echo``: a key's
parts hidden, bounded); renderers escape it for their medium.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from reconciler.api.errors import echo
from reconciler.domain.state import LiveSender
from reconciler.plan.model import Change

ALREADY_HELD = "already held the planned value"


class Verdict(StrEnum):
    READY = "ready"
    ALREADY_SET = "already set"
    WRONG_SENDER = "wrong sender"
    STALE = "stale"


@dataclass(frozen=True, slots=True)
class Recheck:
    verdict: Verdict
    reason: str = ""  # what was found, for every verdict but READY


def recheck(change: Change, live: LiveSender) -> Recheck:
    """What ``live`` (the sender under the change's id, read now) means for ``change``."""
    if live.number != change.sender or not live.can_forward:
        return Recheck(Verdict.WRONG_SENDER, wrong_sender(change, live))
    if live.forwarding_number == change.after:
        return Recheck(Verdict.ALREADY_SET, ALREADY_HELD)
    if live.forwarding_number != change.before:
        return Recheck(Verdict.STALE, changed_since(change, live.forwarding_number))
    return Recheck(Verdict.READY)


def wrong_sender(change: Change, live: LiveSender) -> str:
    """``sender id X is +1…, not the US toll-free sender +1…`` (the change is not made)."""
    return (
        f"sender id {echo(change.sender_id)} is "
        f"{echo(live.number or 'a sender without a number')} "
        f"({echo(live.country)} {echo(live.type)}), not the US toll-free sender {change.sender}"
    )


def changed_since(change: Change, now: str | None) -> str:
    """``changed since the plan (planned from X, now Y)``: the change is stale."""
    return (
        f"changed since the plan (planned from {change.before or 'no forwarding'}, "
        f"now {echo(now or 'no forwarding')})"
    )
