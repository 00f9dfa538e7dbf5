"""Forwarding loops and chains, refused with the validator's own rules and codes.

The rules live in ``reconciler.domain.numbers`` (a loop: forwarding to the sender
itself) and ``reconciler.rules.forwarding.check_chains`` (a chain: forwarding to
another sender); the local API calls them and puts the validator's rule code
(CF304, CF305, ...) in the error's ``meta.rule``.
"""

from __future__ import annotations

from reconciler.diagnostics import Position
from reconciler.domain import numbers
from reconciler.rules.forwarding import FORWARD_TO_CODES, CheckedEntry, check_chains
from reconciler.sandbox.jsonapi import ApiProblem
from reconciler.sandbox.store import Sender, Store

POINTER = "/data/attributes/forwarding_number"
# Every refused forwarding number has this error code; meta.rule says which rule.
CODE = "invalid_forwarding_number"


def forwarding_problem(result: numbers.NumberResult) -> ApiProblem:
    """A 422 for a forwarding number the number rules refused (a loop among them)."""
    problem = result.problem or numbers.Problem.NOT_A_NUMBER
    meta = {"problem": problem.value}
    rule = FORWARD_TO_CODES.get(problem)
    if rule is not None:
        meta["rule"] = rule
    return ApiProblem(
        422,
        CODE,
        result.message[0].upper() + result.message[1:],
        pointer=POINTER,
        meta=meta,
    )


def _entry(sender: str | None, forward_to: str | None, where: str) -> CheckedEntry:
    at = Position(where, 1, 1)
    return CheckedEntry(sender, forward_to, True, at, at)


def check_no_chain(store: Store, sender: Sender, new: str) -> None:
    """Refuse forwarding to a toll-free sender of the same account (CF305)."""
    # Only the target can make a chain: look it up (indexed), not every sender of the account.
    entries = [
        _entry(s.identifier, None, f"{s.identifier}")
        for s in store.senders_by_identifier(sender.account_id, new)
        if s.type == "toll_free" and s.identifier != sender.identifier
    ][:1]
    entries.append(_entry(sender.identifier, new, f"~{sender.id}"))
    diagnostics = check_chains(entries)
    if diagnostics:
        raise ApiProblem(
            422,
            CODE,
            f"{new} is itself a toll-free sender of this account; forwarding to another "
            "sender chains calls: forward to the final number instead.",
            pointer=POINTER,
            meta={"problem": "chain", "rule": diagnostics[0].code},
        )
