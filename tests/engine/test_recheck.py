"""The re-read before a change: apply and the guided apply judge it alike, in the same words."""

from __future__ import annotations

import pytest

from reconciler.diagnostics import Position
from reconciler.domain.state import LiveSender
from reconciler.engine.recheck import Verdict, recheck
from reconciler.plan.model import Action, Change
from reconciler.secrets import Secret

SENDER = "+18335550100"
CHANGE = Change(
    Action.UPDATE, "acme-us", SENDER, "snd-1", "+12125550100", "+12125550199",
    Position("manifests/acme-us/care.yaml", 9, 13),
)  # fmt: skip


def live(forwarding: str | None, *, number: str | None = SENDER, country: str = "US") -> LiveSender:
    return LiveSender("snd-1", "acme-us", number, "toll_free", country, "active", forwarding)


@pytest.mark.parametrize(
    ("sender", "verdict", "reason"),
    [
        (live("+12125550100"), Verdict.READY, ""),
        (live("+12125550199"), Verdict.ALREADY_SET, "already held the planned value"),
        (
            live("+13125550175"),
            Verdict.STALE,
            "changed since the plan (planned from +12125550100, now +13125550175)",
        ),
        (
            live(None),
            Verdict.STALE,
            "changed since the plan (planned from +12125550100, now no forwarding)",
        ),
        (
            live("+12125550100", number="+18445550111"),
            Verdict.WRONG_SENDER,
            "sender id snd-1 is +18445550111 (US toll_free), not the US toll-free sender "
            "+18335550100",
        ),
        (
            live("+12125550100", country="CA"),
            Verdict.WRONG_SENDER,
            "sender id snd-1 is +18335550100 (CA toll_free), not the US toll-free sender "
            "+18335550100",
        ),
    ],
)
def test_what_the_reread_found(sender: LiveSender, verdict: Verdict, reason: str) -> None:
    found = recheck(CHANGE, sender)
    assert (found.verdict, found.reason) == (verdict, reason)


def test_what_the_server_sent_is_shown_as_server_text() -> None:
    key = "sk_test_recheck_Hq72Lm9Xv1"
    Secret(key)  # a key of this run: its parts are hidden wherever a server echoes them
    found = recheck(CHANGE, live(key[:12] + "9" * 300))
    assert found.verdict is Verdict.STALE
    assert key[:12] not in found.reason and "***" in found.reason
    assert "9" * 100 not in found.reason  # bounded
