"""Coverage charts as inline SVG, drawn by callfwd (no charting service, no script). Pure.

``account_chart``: a ring for the account's coverage and one bar per status of
its US toll-free senders (the part that forwards, the part that does not).
``fleet_chart``: one bar per account, lowest coverage first. Each chart is
``role="img"`` with a ``<title>`` and a ``<desc>`` that say in words what it
draws; the figures are also on the elements (``data-*``) for tests and tools.
Colours come from the page's style sheet (classes), so no ``style`` attribute
is needed under the page's Content-Security-Policy.
"""

from __future__ import annotations

import math

from reconciler.render import report_common as words
from reconciler.render.report_html_escape import html_escape as esc
from reconciler.report.model import AccountReport, Ratio, Report, StatusCount

WIDTH = 420
RING_R = 40
RING = 2 * math.pi * RING_R
BAR_X = 120
BAR_W = WIDTH - BAR_X - 10
ROW = 32
FLEET_LIMIT = 30  # accounts in the fleet chart; every account is in the page's table
LABEL_CHARS = 22
FLEET_BAR_X = 160


def _n(x: float) -> str:
    """A coordinate: at most two decimals, no trailing zeros."""
    return f"{x:.2f}".rstrip("0").rstrip(".")


def _svg(uid: str, height: float, title: str, desc: str, body: list[str]) -> str:
    return "\n".join(
        [
            f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} '
            f'{_n(height)}" role="img" aria-labelledby="{uid}-t {uid}-d">',
            f'<title id="{uid}-t">{esc(title)}</title>',
            f'<desc id="{uid}-d">{esc(desc)}</desc>',
            *body,
            "</svg>",
        ]
    )


def _ring(r: Ratio, cx: float, cy: float) -> list[str]:
    out = [
        f'<g class="ring" transform="translate({cx} {cy})">',
        f'<circle class="track" r="{RING_R}" fill="none" stroke-width="12"/>',
    ]
    ratio = r.ratio
    if ratio is not None and r.forwarding:
        dash = RING * ratio
        out.append(
            f'<circle class="arc fwd" r="{RING_R}" fill="none" stroke-width="12" '
            f'transform="rotate(-90)" stroke-dasharray="{_n(dash)} {_n(RING)}" '
            f'data-forwarding="{r.forwarding}" data-eligible="{r.eligible}"/>'
        )
    out += [
        f'<text class="pct" text-anchor="middle" dy="0.35em">{esc(r.percent)}</text>',
        "</g>",
    ]
    return out


def _bar(c: StatusCount, y: float, scale: float) -> list[str]:
    fwd_w = c.forwarding * scale
    rest_w = (c.senders - c.forwarding) * scale
    return [
        f'<g class="bar" data-status="{esc(c.status)}" data-senders="{c.senders}" '
        f'data-forwarding="{c.forwarding}">',
        f'<text x="{BAR_X}" y="{_n(y + 11)}">{esc(words.status(c.status))}</text>',
        f'<text x="{WIDTH - 10}" y="{_n(y + 11)}" text-anchor="end">'
        f"{c.forwarding} of {c.senders} forward</text>",
        f'<rect class="fwd" x="{BAR_X}" y="{_n(y + 16)}" width="{_n(fwd_w)}" height="10"/>',
        f'<rect class="nofwd" x="{_n(BAR_X + fwd_w)}" y="{_n(y + 16)}" width="{_n(rest_w)}" '
        'height="10"/>',
        "</g>",
    ]


def _legend(y: float) -> list[str]:
    return [
        f'<g class="legend" transform="translate({BAR_X} {_n(y)})">',
        '<rect class="fwd" width="10" height="10"/><text x="14" y="9">forwards</text>',
        '<rect class="nofwd" x="90" width="10" height="10"/>'
        '<text x="104" y="9">does not forward</text>',
        "</g>",
    ]


def _status_words(counts: tuple[StatusCount, ...]) -> str:
    shown = [c for c in counts if c.senders]
    if not shown:
        return "It has no US toll-free senders."
    return "US toll-free senders by status: " + "; ".join(
        f"{words.status(c.status)} {c.senders}, of which {c.forwarding} forward" for c in shown
    ) + "."  # fmt: skip


def account_chart(a: AccountReport, uid: str) -> str:
    """The chart of one account; ``uid`` makes its element ids unique in the page."""
    counts = [c for c in a.by_status if c.senders]
    top = max((c.senders for c in counts), default=0)
    scale = BAR_W / top if top else 0.0
    body = _ring(a.coverage, RING_R + 12, RING_R + 12)
    for i, c in enumerate(counts):
        body += _bar(c, 6 + i * ROW, scale)
    if not counts:
        body.append(f'<text x="{BAR_X}" y="40">no US toll-free senders</text>')
    height = max(2 * RING_R + 24, 6 + len(counts) * ROW + 22)
    body += _legend(height - 16)
    title = f"Call forwarding coverage of account {a.account}"
    desc = f"{words.coverage(a.coverage)}. {_status_words(a.by_status)}"
    return _svg(uid, height, title, desc, body)


def fleet_chart(report: Report, uid: str = "fleet", limit: int = FLEET_LIMIT) -> str:
    """One bar per account, lowest coverage first (accounts with no eligible sender last)."""
    ranked = sorted(
        report.accounts,
        key=lambda a: (a.coverage.ratio is None, a.coverage.ratio or 0.0, a.account),
    )[:limit]
    body: list[str] = []
    track = WIDTH - FLEET_BAR_X - 90
    for i, a in enumerate(ranked):
        y = 4 + i * 24
        r = a.coverage
        label = a.account if len(a.account) <= LABEL_CHARS else a.account[: LABEL_CHARS - 1] + "…"
        body += [
            f'<g class="bar" data-account="{esc(a.account)}" data-forwarding="{r.forwarding}" '
            f'data-eligible="{r.eligible}">',
            f'<text x="{FLEET_BAR_X - 6}" y="{_n(y + 14)}" text-anchor="end">{esc(label)}</text>',
            f'<rect class="track" x="{FLEET_BAR_X}" y="{_n(y + 4)}" width="{track}" height="12"/>',
            f'<rect class="fwd" x="{FLEET_BAR_X}" y="{_n(y + 4)}" '
            f'width="{_n(track * (r.ratio or 0.0))}" height="12"/>',
            f'<text x="{WIDTH - 10}" y="{_n(y + 14)}" text-anchor="end">{esc(r.percent)} '
            f"({r.forwarding}/{r.eligible})</text>",
            "</g>",
        ]
    height = 8 + max(1, len(ranked)) * 24
    more = len(report.accounts) - len(ranked)
    title = "Call forwarding coverage by account" + (
        f", the {len(ranked)} lowest of {len(report.accounts)}" if more else ""
    )
    desc = "; ".join(
        f"{a.account}: {a.coverage.percent} ({a.coverage.forwarding} of {a.coverage.eligible})"
        for a in ranked
    )
    return _svg(uid, height, title, desc or "No accounts.", body)
