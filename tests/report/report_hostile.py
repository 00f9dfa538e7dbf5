"""A report whose every value came from a hostile manifest, callfwd.yaml or server.

Built through the real builder from a hand-made plan: the renderers must show
each value as text and nothing else (no element, script, link or request).
"""

from __future__ import annotations

from reconciler.diagnostics import Position
from reconciler.domain.state import Forwarding
from reconciler.plan.model import (
    AccountPlan,
    Action,
    Change,
    Level,
    Notice,
    Plan,
    SenderSnapshot,
    Summary,
)
from reconciler.report import Report, Vendor, build_report

# Markup, a script, an event handler, markdown links and emphasis, a backtick fence
# breaker, a table pipe, a line break, a terminal escape and a bidi override.
EVIL = (
    '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'
    "</td></tr></table><b>bold</b>```|`*[link](https://evil.example/)*\n# head"
    "\x1b[31m\u202egnp.exe"
)
MARKERS = ("<script>", "<img", "onerror", "<b>", "evil.example")


def hostile_report() -> Report:
    name = f"acct{EVIL}"
    path = f"manifests/{EVIL}/a.yaml"
    senders = (
        SenderSnapshot(f"id{EVIL}", f"+1833{EVIL}", "US", f"+1212{EVIL}", None, "toll_free",
                       "active"),
        SenderSnapshot(f"id2{EVIL}", f"+1844{EVIL}", "US", None, None, "toll_free", "active"),
        SenderSnapshot(f"id3{EVIL}", f"{EVIL}", f"C{EVIL}", None, None, f"t{EVIL}",
                       f"s{EVIL}"),
    )  # fmt: skip
    change = Change(
        Action.UPDATE, name, f"+1833{EVIL}", f"id{EVIL}", f"+1212{EVIL}", "+13125550100",
        Position(path, 3, 5),
    )  # fmt: skip
    acct = AccountPlan(
        account=name,
        changes=(change,),
        summary=Summary(update=1, unmanaged=1),
        senders=senders,
        notices=(Notice(Level.WARNING, "CF512", f"message {EVIL}", f"+1833{EVIL}"),),
    )
    plan = Plan(accounts=(acct,), manifest_digest="sha256:x", tool_version="t")
    return build_report(
        plan,
        forwardings=[Forwarding(name, f"+1833{EVIL}", "+13125550100", Position(path, 3, 5))],
        declared={name: {f"+1833{EVIL}"}},
        vendors={name: Vendor(f"vid{EVIL}", f"Vendor {EVIL}")},
        api_urls={name: f"https://api.example/{EVIL}"},
        generated_at=f"2026-01-01T00:00:00Z{EVIL}",
        tool_version=f"v{EVIL}",
        config_path=f"conf{EVIL}.yaml",
    )
