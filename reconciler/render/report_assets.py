"""The coverage page's style sheet and script: literal text, no value from anywhere else.

Both are inlined into the one HTML page and allowed by hash in its
Content-Security-Policy (``report_html.csp``), so the page loads nothing and
runs nothing else. The script only enhances: without it the page shows every
sender in a plain table; with it the table sorts (buttons in the column
headers) and filters (the controls above it, hidden until the script runs).
"""

from __future__ import annotations

STYLE = """
:root { color-scheme: light; --ink: #1f2328; --muted: #57606a; --line: #d0d7de;
  --paper: #ffffff; --panel: #f6f8fa; --fwd: #0550ae; --nofwd: #bc4c00; --warn: #9a6700; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--ink); background: var(--paper); }
header, main, footer { max-width: 72rem; margin: 0 auto; padding: 0 1rem; }
header { padding-top: 1rem; }
h1 { font-size: 1.6rem; margin: .5rem 0; }
h2 { font-size: 1.3rem; margin: 2rem 0 .75rem; border-bottom: 1px solid var(--line); }
h3 { font-size: 1.1rem; margin: 0; display: inline; }
a { color: var(--fwd); }
.muted, .meta { color: var(--muted); }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  font-size: .9em; overflow-wrap: anywhere; }
.skip { position: absolute; left: -999rem; }
.skip:focus { left: 1rem; top: 1rem; background: var(--paper); padding: .5rem; z-index: 1; }
:focus-visible { outline: 3px solid var(--fwd); outline-offset: 2px; }
.big { font-size: 2.5rem; font-weight: 700; line-height: 1.1; }
.tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(10rem, 1fr));
  gap: .75rem; margin: 1rem 0; padding: 0; list-style: none; }
.tiles li { background: var(--panel); border: 1px solid var(--line); border-radius: 6px;
  padding: .5rem .75rem; }
.tiles b { display: block; font-size: 1.5rem; }
details.account { border: 1px solid var(--line); border-radius: 6px; margin: 0 0 1rem;
  padding: .5rem 1rem; }
details.account > summary { cursor: pointer; padding: .25rem 0; }
.account-body { display: flex; flex-wrap: wrap; gap: 1rem 2rem; align-items: flex-start; }
.account-body > * { flex: 1 1 20rem; min-width: 0; }
figure { margin: .5rem 0; }
svg.chart { width: 100%; max-width: 32rem; height: auto; font-size: 12px; }
svg.chart text { fill: var(--ink); }
svg.chart .pct { font-size: 18px; font-weight: 700; }
svg.chart .fwd { fill: var(--fwd); }
svg.chart .nofwd { fill: var(--nofwd); }
svg.chart .track { fill: var(--line); stroke: var(--line); }
svg.chart circle.fwd { fill: none; stroke: var(--fwd); }
svg.chart circle.track { fill: none; }
ul.plain { padding-left: 1.2rem; }
ul.checklist { list-style: none; padding: 0; }
ul.checklist li { margin: .35rem 0; display: flex; gap: .5rem; align-items: baseline; }
ul.checklist input { width: 1.1rem; height: 1.1rem; flex: none; }
.notice-warning { color: var(--warn); font-weight: 600; }
.filters { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: end; margin: .5rem 0; }
.filters label { display: block; font-size: .9rem; color: var(--muted); }
.filters input, .filters select { font: inherit; padding: .3rem .4rem;
  border: 1px solid var(--muted); border-radius: 4px; background: var(--paper);
  color: var(--ink); max-width: 100%; }
.scroll { overflow-x: auto; }
table.senders { border-collapse: collapse; width: 100%; font-size: .92rem; }
table.senders caption { text-align: left; color: var(--muted); padding: .25rem 0; }
table.senders th, table.senders td { text-align: left; vertical-align: top; padding: .4rem .5rem;
  border-bottom: 1px solid var(--line); }
table.senders thead th { background: var(--panel); white-space: nowrap; }
table.senders thead button { font: inherit; font-weight: 700; color: var(--ink); background: none;
  border: 0; padding: 0; cursor: pointer; }
th[aria-sort="ascending"] button::after { content: " \\25B2"; }
th[aria-sort="descending"] button::after { content: " \\25BC"; }
.standing-forwarding { color: var(--fwd); font-weight: 600; }
.standing-not_forwarding { color: var(--nofwd); font-weight: 600; }
table.senders tbody th { font-weight: 400; }
table.senders tbody th .mono { font-weight: 700; }
table.senders td:last-child { min-width: 14rem; }
.e164, .sid { display: block; color: var(--muted); font-size: .8em; }
footer { margin: 2rem auto; color: var(--muted); font-size: .9rem; }
@media (max-width: 40rem) {
  body { font-size: 15px; }
  .big { font-size: 2rem; }
  svg.chart { font-size: 13px; }
  table.senders, table.senders tbody, table.senders tr, table.senders td,
  table.senders tbody th { display: block; }
  table.senders thead tr { display: flex; flex-wrap: wrap; gap: .25rem; }
  table.senders thead th { border: 1px solid var(--line); border-radius: 4px; }
  table.senders tbody tr { border: 1px solid var(--line); border-radius: 6px; margin: .5rem 0;
    padding: .25rem .5rem; }
  table.senders tbody th, table.senders td { border: 0; padding: .15rem 0; }
  table.senders td[data-label]::before { content: attr(data-label) ": "; font-weight: 600;
    color: var(--muted); }
  .scroll { overflow-x: visible; }
}
"""

SCRIPT = """
(function () {
  "use strict";
  var table = document.getElementById("senders");
  var panel = document.getElementById("filters");
  if (!table || !panel) { return; }
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var byId = function (id) { return document.getElementById(id); };
  var text = byId("f-text"), account = byId("f-account"), standing = byId("f-standing");
  var management = byId("f-management"), count = byId("f-count");
  var collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });
  function matches(row, query) {
    var d = row.dataset;
    return (!account.value || d.account === account.value) &&
      (!standing.value || d.standing === standing.value) &&
      (!management.value || d.management === management.value) &&
      (!query || row.textContent.toLowerCase().indexOf(query) !== -1);
  }
  function filter() {
    var query = text.value.trim().toLowerCase(), shown = 0;
    rows.forEach(function (row) {
      var ok = matches(row, query);
      row.hidden = !ok;
      if (ok) { shown += 1; }
    });
    count.textContent = "Showing " + shown + " of " + rows.length + " senders";
  }
  [text, account, standing, management].forEach(function (el) {
    el.addEventListener("input", filter);
    el.addEventListener("change", filter);
  });
  var heads = table.tHead.rows[0].cells;
  function key(row, i) {
    var cell = row.cells[i];
    return cell.getAttribute("data-sort") || cell.textContent.trim();
  }
  function sortBy(th, i) {
    var dir = th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
    Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", dir);
    rows.sort(function (a, b) {
      var c = collator.compare(key(a, i), key(b, i));
      return dir === "ascending" ? c : -c;
    });
    var frag = document.createDocumentFragment();
    rows.forEach(function (row) { frag.appendChild(row); });
    body.appendChild(frag);
  }
  Array.prototype.forEach.call(heads, function (th, i) {
    var button = document.createElement("button");
    button.type = "button";
    button.textContent = th.textContent;
    th.textContent = "";
    th.appendChild(button);
    button.addEventListener("click", function () { sortBy(th, i); });
  });
  panel.hidden = false;
  filter();
})();
"""
