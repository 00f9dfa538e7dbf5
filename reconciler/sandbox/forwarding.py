"""The one check of a new forwarding number, for the API's PATCH and the sandbox's UI route.

May this sender forward at all (only US toll-free senders may), is the number
one the number rules accept (``reconciler.domain.numbers``), and does it make
no loop or chain (``loops``). Each refusal is a 422 whose ``meta`` says which
rule refused it.
"""

from __future__ import annotations

from reconciler.domain import numbers
from reconciler.domain.senders import may_forward
from reconciler.sandbox.jsonapi import ApiProblem
from reconciler.sandbox.loops import POINTER, check_no_chain, forwarding_problem
from reconciler.sandbox.store import Sender, Store


def _forwarding_allowed(sender: Sender) -> None:
    if may_forward(sender.type, sender.country):
        return
    if sender.type == "toll_free":
        message = (
            f"{sender.identifier} ({sender.country}) is the Canadian sibling of a toll-free "
            "number; only its US sender can forward calls"
        )
        problem = numbers.Problem.OUTSIDE_US.value
    else:
        result = numbers.check_sender(sender.identifier or "")
        problem = (result.problem or numbers.Problem.NOT_TOLL_FREE).value
        message = result.message or (
            f"{sender.identifier} is a {sender.type} sender; only US toll-free senders can "
            "forward calls"
        )
    raise ApiProblem(
        422,
        "sender_cannot_forward",
        message[0].upper() + message[1:] + ".",
        pointer=POINTER,
        meta={"problem": problem},
    )


def checked_forwarding(store: Store, sender: Sender, raw: str, *, us_territories: bool) -> str:
    """``raw`` as the E.164 number ``sender`` may forward to; an ApiProblem (422) otherwise."""
    _forwarding_allowed(sender)
    result = numbers.check_forward_to(raw, sender=sender.identifier, us_territories=us_territories)
    if result.e164 is None:
        raise forwarding_problem(result)
    check_no_chain(store, sender, result.e164)
    return result.e164
