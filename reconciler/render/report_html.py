"""The coverage report as one standalone HTML page (``callfwd report --format html``). Pure.

One file that needs nothing else: no external script, style, font or image;
the charts are inline SVG (``report_chart``), the style sheet and the small
script inline (``report_assets``), both allowed by hash in a
Content-Security-Policy that forbids everything else, so the page opened from
a CI artifact or a file loads and runs nothing more. Without the script the
page is complete; the script only adds sorting and filtering to the table.

Every value that came from a manifest, ``callfwd.yaml`` or a server goes
through ``html_escape``; element ids are made from positions, never from values.
"""

from __future__ import annotations

import base64
import hashlib

from reconciler.render import report_common as words
from reconciler.render.report_assets import SCRIPT, STYLE
from reconciler.render.report_chart import account_chart, fleet_chart
from reconciler.render.report_html_escape import html_escape as esc
from reconciler.report.model import AccountReport, Management, Report, SenderRow, Standing

OPEN_UP_TO = 12  # accounts whose section is open when the page loads; more start folded
_STANDING_FILTER = (
    ("", "All senders"),
    (Standing.NOT_FORWARDING.value, "Could forward, but do not"),
    (Standing.FORWARDING.value, "Forward"),
    (Standing.CANNOT_FORWARD.value, "Cannot forward"),
    (Standing.NO_NUMBER.value, "No number yet"),
)
_MANAGEMENT_FILTER = (
    ("", "Managed or not"),
    (Management.MANAGED.value, "Managed"),
    (Management.UNMANAGED.value, "Unmanaged"),
)
_COLUMNS = ("Account", "Sender", "Type", "Country", "Status", "Forwarding", "Declared in", "Why")


def _hash(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


def csp() -> str:
    """Nothing may load; only this page's own style sheet and script may apply."""
    return (
        f"default-src 'none'; style-src '{_hash(STYLE)}'; script-src '{_hash(SCRIPT)}'; "
        "base-uri 'none'; form-action 'none'"
    )


def _vendor(a: AccountReport) -> str:
    ident = f"vendor id <code>{esc(a.vendor.id)}</code>"
    return ident if a.vendor.name is None else f"{esc(a.vendor.name)}, {ident}"


def _tiles(items: list[tuple[int | str, str]]) -> str:
    cells = "".join(f"<li><b>{esc(v)}</b> {esc(label)}</li>" for v, label in items)
    return f'<ul class="tiles">{cells}</ul>'


def _fleet_tiles(report: Report) -> list[tuple[int | str, str]]:
    accounts = report.accounts
    return [
        (sum(len(a.rows(Standing.NOT_FORWARDING)) for a in accounts), "US toll-free senders "
         "do not forward"),
        (sum(len(a.verifying_without_forwarding) for a in accounts), "being verified without "
         "forwarding"),
        (sum(len(a.not_sending) for a in accounts), "suspended or registration failed"),
        (sum(len(a.unmanaged) for a in accounts), "unmanaged (in no manifest)"),
        (len(report.changes), "pending changes"),
    ]  # fmt: skip


def _fleet(report: Report) -> list[str]:
    r = report.coverage
    accounts = report.accounts
    after = ""
    if report.changes:
        a = report.after_changes
        after = (
            f" Once the {words.plural(len(report.changes), 'pending change')} "
            f"{'is' if len(report.changes) == 1 else 'are'} made: {a.forwarding} of "
            f"{a.eligible} ({esc(a.percent)})."
        )
    return [
        '<section aria-labelledby="fleet-h">',
        '<h2 id="fleet-h">Fleet</h2>',
        f'<p><span class="big">{esc(r.percent)}</span><br>{esc(words.coverage(r))} across '
        f"{words.plural(len(accounts), 'account')}.{after}</p>",
        _tiles(_fleet_tiles(report)),
        "<figure>",
        fleet_chart(report),
        "<figcaption>Coverage by account, lowest first. Every account has its own section "
        'below, and every sender is in the <a href="#senders">table of senders</a>.'
        "</figcaption>",
        "</figure>",
        "</section>",
    ]


def _numbers(rows: tuple[SenderRow, ...], *, status: bool = False) -> str:
    return ", ".join(
        f'<span class="mono">{esc(words.number(r.number))}</span>'
        + (f" ({esc(words.status(r.status))})" if status else "")
        for r in rows
    )


def _checklist(a: AccountReport, uid: str) -> list[str]:
    if not a.changes:
        return []
    out = [
        f"<h4>Pending changes ({len(a.changes)})</h4>",
        f"<p>In the vendor's UI ({esc(words.UI_PATH)}), or with <code>callfwd apply</code> "
        "where the API offers the write. Then run <code>callfwd plan</code> again.</p>",
        '<ul class="checklist">',
    ]
    for i, c in enumerate(a.changes):
        box = f"{uid}-c{i}"
        out.append(
            f'<li><input type="checkbox" id="{box}"><label for="{box}">'
            f'<span class="mono">{esc(words.number(c.sender))}</span>: '
            f'{esc(words.task(c))} <span class="muted">({esc(words.change_source(c))})</span>'
            "</label></li>"
        )
    return [*out, "</ul>"]


def _facts(a: AccountReport) -> list[str]:
    out = [f"<p>{esc(words.coverage(a.coverage))}.</p>"]
    if a.changes:
        r = a.after_changes
        out.append(f"<p>Once the pending changes are made: {r.forwarding} of {r.eligible} "
                   f"({esc(r.percent)}).</p>")  # fmt: skip
    if rows := a.verifying_without_forwarding:
        out.append(
            "<p><strong>Being verified without forwarding</strong> (the vendor recommends "
            f"setting it up now): {_numbers(rows)}</p>"
        )
    if rows := a.not_sending:
        out.append(f"<p><strong>Suspended or registration failed:</strong> "
                   f"{_numbers(rows, status=True)}</p>")  # fmt: skip
    if rows := a.unmanaged:
        out.append(
            f"<p><strong>Unmanaged</strong> (declared in no manifest): {_numbers(rows)}. "
            f"Take {'it' if len(rows) == 1 else 'them'} under management with "
            f"<code>{esc(a.import_command)}</code></p>"
        )
    if a.manifests:
        files = ", ".join(f"<code>{esc(m)}</code>" for m in a.manifests)
        out.append(f'<p class="meta">Declared in {files}.</p>')
    else:
        out.append('<p class="meta">No manifest names this account.</p>')
    if a.notices:
        out.append('<ul class="plain">')
        out += [
            f'<li><span class="notice-{esc(n.level.value)}">{esc(n.level.value)} '
            f"{esc(n.code)}</span>: {esc(n.message)}</li>"
            for n in a.notices
        ]
        out.append("</ul>")
    return out


def _account(a: AccountReport, i: int, open_: bool) -> list[str]:
    uid = f"a{i}"
    return [
        f'<details class="account" id="{uid}"{" open" if open_ else ""}>',
        f'<summary><h3>{esc(a.account)}</h3> <span class="muted">— {esc(a.coverage.percent)}'
        f" coverage; {_vendor(a)}; read from <code>{esc(a.api_url)}</code>"
        f"{' (prune)' if a.prune else ''}</span></summary>",
        '<div class="account-body">',
        f"<figure>{account_chart(a, f'{uid}-chart')}</figure>",
        "<div>",
        *_facts(a),
        *_checklist(a, uid),
        "</div>",
        "</div>",
        "</details>",
    ]


def _options(pairs: tuple[tuple[str, str], ...] | list[tuple[str, str]]) -> str:
    return "".join(f'<option value="{esc(v)}">{esc(label)}</option>' for v, label in pairs)


def _filters(report: Report) -> list[str]:
    accounts = [("", "All accounts")] + [(a.account, a.account) for a in report.accounts]
    return [
        '<div class="filters" id="filters" role="search" hidden>',
        '<div><label for="f-text">Search senders</label>'
        '<input id="f-text" type="search" autocomplete="off"></div>',
        f'<div><label for="f-account">Account</label><select id="f-account">'
        f"{_options(accounts)}</select></div>",
        f'<div><label for="f-standing">Forwarding</label><select id="f-standing">'
        f"{_options(_STANDING_FILTER)}</select></div>",
        f'<div><label for="f-management">Management</label><select id="f-management">'
        f"{_options(_MANAGEMENT_FILTER)}</select></div>",
        '<p id="f-count" role="status" aria-live="polite"></p>',
        "</div>",
    ]


def _cell(label: str, value: str, sort: str | None = None, cls: str = "") -> str:
    attrs = f' data-label="{esc(label)}"'
    if sort is not None:
        attrs += f' data-sort="{esc(sort)}"'
    if cls:
        attrs += f' class="{esc(cls)}"'
    return f"<td{attrs}>{value}</td>"


def _row(a: AccountReport, s: SenderRow) -> str:
    ident = f'<span class="sid">id {esc(s.id)}</span>'
    e164 = "" if s.number is None else f'<span class="e164">{esc(s.number)}</span>'
    return "".join(
        [
            f'<tr data-account="{esc(a.account)}" data-standing="{esc(s.standing.value)}" '
            f'data-management="{esc(s.management.value)}">',
            _cell("Account", esc(a.account)),
            f'<th scope="row" data-sort="{esc(s.number or "")}"><span class="mono">'
            f"{esc(words.number(s.number))}</span>{e164}{ident}</th>",
            _cell("Type", esc(words.sender_type(s.type))),
            _cell("Country", esc(s.country)),
            _cell("Status", esc(words.status(s.status))),
            _cell(
                "Forwarding",
                f'<span class="standing-{esc(s.standing.value)}">{esc(s.reasons[0])}</span>',
            ),
            _cell("Declared in", esc(words.declared_by(s))),
            _cell("Why", esc("; ".join(s.reasons[1:]) or "—")),
            "</tr>",
        ]
    )


def _senders(report: Report) -> list[str]:
    total = sum(len(a.senders) for a in report.accounts)
    heads = "".join(f'<th scope="col">{esc(c)}</th>' for c in _COLUMNS)
    return [
        '<section aria-labelledby="senders-h">',
        '<h2 id="senders-h">Senders</h2>',
        *_filters(report),
        '<div class="scroll">',
        '<table class="senders" id="senders">',
        f"<caption>Every sender the API lists: {words.plural(total, 'sender')} in "
        f"{words.plural(len(report.accounts), 'account')}.</caption>",
        f"<thead><tr>{heads}</tr></thead>",
        "<tbody>",
        *(_row(a, s) for a in report.accounts for s in a.senders),
        "</tbody>",
        "</table>",
        "</div>",
        "</section>",
    ]


def render_html(report: Report) -> str:
    apis = ", ".join(f"<code>{esc(u)}</code>" for u in report.api_urls) or "no API"
    open_ = len(report.accounts) <= OPEN_UP_TO
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{esc(csp())}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="referrer" content="no-referrer">',
        '<meta name="color-scheme" content="light">',
        "<title>callfwd report: call forwarding coverage</title>",
        f"<style>{STYLE}</style>",
        "</head>",
        "<body>",
        '<a class="skip" href="#senders-h">Skip to the table of senders</a>',
        "<header>",
        "<h1>Call forwarding coverage</h1>",
        f'<p class="meta">Read <time datetime="{esc(report.generated_at)}">'
        f"{esc(report.generated_at)}</time> from {apis} by callfwd "
        f"{esc(report.tool_version)}. Coverage = active US toll-free senders that forward "
        "calls ÷ active US toll-free senders; only US toll-free senders can forward (not "
        "their Canadian siblings, short codes or long codes).</p>",
        "</header>",
        "<main>",
        *_fleet(report),
        '<section aria-labelledby="accounts-h">',
        '<h2 id="accounts-h">Accounts</h2>',
        *(line for i, a in enumerate(report.accounts) for line in _account(a, i, open_)),
        "</section>",
        *_senders(report),
        "</main>",
        f"<footer>Made by <code>callfwd report --format html</code> (json: "
        f"<code>--format json</code>, documented in docs/report.md). Format version "
        f"{report.format_version}.</footer>",
        f"<script>{SCRIPT}</script>",
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"
