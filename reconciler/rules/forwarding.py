"""Number rules for each forwarding entry, and across every manifest of a run.

The number logic itself lives in ``reconciler.numbers`` (shared with the
local settings server); this module only maps its problems to stable codes
and adds the rules that need the whole run: duplicate senders and chains.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from reconciler import numbers
from reconciler.diagnostics import Diagnostic, Position, error
from reconciler.manifest.parse import ParsedManifest, shown
from reconciler.numbers import Problem
from reconciler.rules import codes

SENDER_CODES = {
    Problem.SHORT_CODE: "CF201",
    Problem.OUTSIDE_US: "CF202",
    Problem.NOT_TOLL_FREE: "CF203",
    Problem.NOT_A_NUMBER: "CF204",
    Problem.HIDDEN_CHARACTER: "CF205",
    Problem.LETTERS: "CF206",
    Problem.EXTENSION: "CF207",
}
FORWARD_TO_CODES = {
    Problem.OUTSIDE_US: "CF301",
    Problem.PREMIUM_RATE: "CF302",
    Problem.EXTENSION: "CF303",
    Problem.LOOP: codes.LOOP,
    Problem.NOT_A_NUMBER: "CF306",
    Problem.HIDDEN_CHARACTER: "CF307",
    Problem.LETTERS: "CF308",
    Problem.SHORT_CODE: "CF309",
    Problem.US_TERRITORY: "CF310",
}


@dataclass(slots=True)  # not frozen: one per sender, frozen costs 3x to build
class CheckedEntry:
    """One forwarding entry after the number rules: E.164 forms where valid."""

    sender: str | None  # E.164, None when the sender is invalid
    forward_to: str | None  # E.164, None for "no forwarding" or when invalid
    ok: bool  # both numbers acceptable
    sender_at: Position
    forward_to_at: Position


MAX_NUMBER_LENGTH = 40  # longer than any way of writing a phone number
# Quoted words someone may have meant as "no forwarding".
_NULL_LOOKALIKES = frozenset({"", "null", "~", "none", "no", "false", "off", "n/a", "-"})


def _message(field: str, raw: str, result: numbers.NumberResult) -> str:
    text = result.message
    if text.startswith(("contains", "is ")):
        # messages about the raw text itself: show it, escaping invisible characters
        return f"{field} {shown(raw)} {text}"
    return f"{field} {text}"


def _check(
    field: str, raw: str, sender: str | None = None, *, us_territories: bool = False
) -> tuple[numbers.NumberResult, str]:
    if len(raw) > MAX_NUMBER_LENGTH:
        message = f"{field} {shown(raw)} is too long to be a phone number"
        return numbers.NumberResult(None, Problem.NOT_A_NUMBER, message), message
    if field == "forward_to" and raw.strip().lower() in _NULL_LOOKALIKES:
        message = (
            f"forward_to {shown(raw)} is text, not a phone number; for no forwarding "
            "write null without quotes"
        )
        return numbers.NumberResult(None, Problem.NOT_A_NUMBER, message), message
    if field == "sender":
        result = numbers.check_sender(raw)
    else:
        result = numbers.check_forward_to(raw, sender=sender, us_territories=us_territories)
    return result, _message(field, raw, result)


def check_forwarding(
    pm: ParsedManifest, *, us_territories: bool = False
) -> tuple[list[CheckedEntry], list[Diagnostic]]:
    """Check the numbers of every forwarding entry of one manifest.

    Entries whose sender or forward_to is not text were reported by the model;
    the other field is still checked. ``us_territories``: callfwd.yaml's policy.
    """
    checked: list[CheckedEntry] = []
    diags: list[Diagnostic] = []
    for entry in pm.entries():
        sender_at, forward_at = entry.sender_at, entry.forward_to_at
        if entry.sender is None:
            s = numbers.NumberResult(None, Problem.NOT_A_NUMBER)
        else:
            s, message = _check("sender", entry.sender)
            if s.problem is not None:
                diags.append(error(sender_at, SENDER_CODES[s.problem], message))
        f_ok, f_e164 = True, None
        if entry.forward_to is not None:
            f, message = _check(
                "forward_to", entry.forward_to, s.e164, us_territories=us_territories
            )
            f_ok, f_e164 = f.ok, f.e164
            if f.problem is not None:
                diags.append(error(forward_at, FORWARD_TO_CODES.get(f.problem, "CF306"), message))
        checked.append(CheckedEntry(s.e164, f_e164, s.ok and f_ok, sender_at, forward_at))
    return checked, diags


def _in_order(entries: Sequence[CheckedEntry]) -> Sequence[CheckedEntry]:
    # Callers pass entries file by file in path order, so this rarely has to sort;
    # Position compares in Python, tuples in C.
    keys = [(e.sender_at.path, e.sender_at.line, e.sender_at.column) for e in entries]
    if all(a <= b for a, b in pairwise(keys)):
        return entries
    return [e for _, e in sorted(zip(keys, entries, strict=True), key=lambda pair: pair[0])]


def check_duplicates(entries: Sequence[CheckedEntry]) -> list[Diagnostic]:
    """The same sender declared twice (after normalisation), in one file or across files."""
    first: dict[str, CheckedEntry] = {}
    diags = []
    for entry in _in_order(entries):
        if entry.sender is None:
            continue
        seen = first.setdefault(entry.sender, entry)
        if seen is not entry:
            diags.append(
                error(
                    entry.sender_at,
                    codes.DUPLICATE_SENDER,
                    f"sender {entry.sender} is declared twice: here and at {seen.sender_at}; "
                    "declare each sender once",
                )
            )
    return diags


def check_chains(entries: Sequence[CheckedEntry]) -> list[Diagnostic]:
    """A forward_to that is itself a declared sender: calls would hop twice."""
    senders: dict[str, Position] = {}
    for entry in _in_order(entries):
        if entry.sender is not None:
            senders.setdefault(entry.sender, entry.sender_at)
    diags = []
    for entry in entries:
        target = entry.forward_to
        if target is None or target == entry.sender or target not in senders:
            continue
        diags.append(
            error(
                entry.forward_to_at,
                codes.CHAIN,
                f"forward_to {target} is itself a declared sender ({senders[target]}); "
                "forwarding to another sender chains calls: forward to the final number instead",
            )
        )
    return diags
