"""The HTML report in a real browser: headless Chromium (the system's), driven by Playwright.

The page is made by ``callfwd report --format html`` from the real local API
and opened from a file, as from a CI artifact. Where no Chromium can be found
the tests say so: they fail under CI (``.ci/run`` installs Chromium, so CI always
runs them) and are skipped, with the reason, elsewhere.

``CALLFWD_SCREENSHOTS=DIR`` also saves the page as DIR/report.png and
DIR/report-phone.png, DIR relative to the repository: README shows
docs/img/report.png, made with ``CALLFWD_SCREENSHOTS=docs/img``.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from report_hostile import EVIL, hostile_report
from report_seed import ACME_BY_STATUS
from sandbox_fixtures import ROOT
from workspace import Workspace

from reconciler.render.report_chart import RING
from reconciler.render.report_html import render_html

# Flags that work on this kind of machine; Playwright adds --headless and its own profile
# (a fresh user-data-dir per launch).
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CANDIDATES = ("chromium", "chromium-browser", "google-chrome")
PHONE = {"width": 390, "height": 844}


def chromium() -> str | None:
    given = os.environ.get("CALLFWD_CHROMIUM")
    if given:
        return given
    return next((p for c in CANDIDATES if (p := shutil.which(c))), None)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    path = chromium()
    if path is None:
        why = (
            "no Chromium found (CALLFWD_CHROMIUM, or chromium, chromium-browser or "
            "google-chrome on PATH), so the HTML report was not checked in a browser; "
            "install it with `apt-get install -y chromium` (.ci/run does)"
        )
        if os.environ.get("CI"):
            pytest.fail(f"{why}; CI must run this test")
        pytest.skip(why)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=path, args=FLAGS, timeout=30_000)
        try:
            yield launched
        finally:
            launched.close()


@dataclass
class Opened:
    page: Any
    requests: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def visible_rows(self) -> int:
        return int(self.page.locator("#senders tbody tr:visible").count())


def open_file(browser: Any, path: Path, **context: Any) -> Opened:
    """Open ``path``; record every request (anything but the file itself is refused)
    and every console error or warning and uncaught exception."""
    ctx = browser.new_context(**context)
    uri = path.resolve().as_uri()
    ctx.route(
        "**/*", lambda route: route.continue_() if route.request.url == uri else route.abort()
    )
    opened = Opened(ctx.new_page())
    opened.page.on("request", lambda r: opened.requests.append(r.url))
    opened.page.on(
        "console",
        lambda m: (
            opened.problems.append(f"{m.type}: {m.text}")
            if m.type in ("error", "warning")
            else None
        ),
    )
    opened.page.on("pageerror", lambda e: opened.problems.append(f"uncaught: {e}"))
    opened.page.goto(uri)
    return opened


@pytest.fixture
def page_file(ws: Workspace, tmp_path: Path) -> Path:
    out = tmp_path / "report.html"
    # a process of its own: Playwright's sync API runs an event loop in this one
    run = ws.run_process("report", "--format", "html", "--out", str(out))
    assert run.code == 0, run.stderr
    return out


def _shot(page: Any, name: str) -> None:
    folder = os.environ.get("CALLFWD_SCREENSHOTS")
    if folder:
        out = ROOT / folder  # relative to the repository (tests run in temp dirs)
        out.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(out / name))


def test_page_renders_accounts_senders_and_charts_and_loads_nothing(
    browser: Any, page_file: Path, ws: Workspace
) -> None:
    opened = open_file(browser, page_file, viewport={"width": 1200, "height": 1500})
    page = opened.page
    assert opened.requests == [page_file.resolve().as_uri()]
    assert opened.problems == []
    assert page.locator("details.account h3").all_inner_texts() == ["acme-us", "globex"]
    assert page.locator("#senders tbody tr").count() == 16
    assert page.locator(".big").inner_text() == "50%"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", page.locator("time").inner_text())
    assert ws.sandbox.url in page.locator("header").inner_text()

    acme = page.locator("details.account").nth(0)
    chart = acme.locator("svg.chart")
    assert chart.get_attribute("role") == "img"
    assert "2 of 4 active US toll-free senders forward (50%)" in chart.locator("desc").inner_html()
    assert chart.bounding_box()["width"] > 200
    arc = chart.locator("circle.arc")
    assert (arc.get_attribute("data-forwarding"), arc.get_attribute("data-eligible")) == ("2", "4")
    dash = float(arc.get_attribute("stroke-dasharray").split()[0])
    assert dash == pytest.approx(RING * 2 / 4, abs=0.01)
    bars = {
        b.get_attribute("data-status"): {
            "senders": int(b.get_attribute("data-senders")),
            "forwarding": int(b.get_attribute("data-forwarding")),
            "widths": [float(r.get_attribute("width")) for r in b.locator("rect").all()],
        }
        for b in chart.locator("g.bar").all()
    }
    assert {s: {k: v[k] for k in ("senders", "forwarding")} for s, v in bars.items()} == (
        ACME_BY_STATUS
    )
    for status, bar in bars.items():  # drawn in proportion to the figures
        fwd, rest = bar["widths"]
        per_sender = (fwd + rest) / bar["senders"]
        assert fwd == pytest.approx(per_sender * bar["forwarding"], abs=0.02), status
    assert bars["active"]["widths"][0] + bars["active"]["widths"][1] == pytest.approx(
        2 * (bars["suspended"]["widths"][0] + bars["suspended"]["widths"][1]) * 2, abs=0.05
    )  # four active senders, one suspended: bars of 4 and 1 on one scale
    fleet = {
        b.get_attribute("data-account"): (b.get_attribute("data-forwarding"),
                                          b.get_attribute("data-eligible"))
        for b in page.locator("#fleet-h ~ figure g.bar").all()
    }  # fmt: skip
    assert fleet == {"acme-us": ("2", "4"), "globex": ("1", "2")}

    _shot(page, "report.png")
    box = acme.locator("ul.checklist input[type=checkbox]")
    assert box.count() == 1
    label = acme.locator("ul.checklist label").inner_text()
    assert "(844) 555-0111: set up forwarding to (212) 555-0142" in label
    acme.locator("ul.checklist label").click()
    assert box.is_checked()
    assert opened.problems == []


def test_the_table_filters_and_sorts(browser: Any, page_file: Path) -> None:
    opened = open_file(browser, page_file)
    page = opened.page
    assert page.locator("#filters").is_visible()
    assert page.locator("#f-count").inner_text() == "Showing 16 of 16 senders"
    # every control found by its label, as a screen reader names it
    page.get_by_label("Forwarding", exact=True).select_option("not_forwarding")
    assert opened.visible_rows() == 6  # five in acme-us, one in globex
    assert page.locator("#f-count").inner_text() == "Showing 6 of 16 senders"
    page.get_by_label("Account", exact=True).select_option("globex")
    assert opened.visible_rows() == 1
    page.get_by_label("Forwarding", exact=True).select_option("")
    assert opened.visible_rows() == 4
    page.get_by_label("Account", exact=True).select_option("")
    search = page.get_by_label("Search senders")
    search.fill("+18775550144")  # E.164 or as the UI shows it: both match
    assert opened.visible_rows() == 1
    search.fill("(877) 555-0144")
    assert opened.visible_rows() == 1
    search.fill("")
    # each column's header says it is one; each row is headed by its sender
    columns = page.locator("#senders thead th[scope=col]").count()
    assert columns == page.locator("#senders thead th").count() > 0
    assert page.locator("#senders tbody th[scope=row]").count() == 16
    page.select_option("#f-management", "unmanaged")
    assert opened.visible_rows() == 6  # four in acme-us, two in globex

    page.select_option("#f-management", "")
    sender = page.locator("#senders thead th").nth(1)
    sender.locator("button").click()
    assert sender.get_attribute("aria-sort") == "ascending"
    keys = page.locator("#senders tbody tr th").evaluate_all(
        "cells => cells.map(c => c.getAttribute('data-sort'))"
    )
    # the sender with no number yet first; then numbers, digits compared as numbers
    e164 = sorted(k for k in keys if k.startswith("+"))
    assert keys == ["", *e164, "24680"]
    sender.locator("button").click()
    assert sender.get_attribute("aria-sort") == "descending"
    assert page.locator("#senders tbody tr th").first.get_attribute("data-sort") == "24680"
    account = page.locator("#senders thead th").nth(0)
    account.locator("button").click()
    account.locator("button").click()
    assert page.locator("#senders tbody tr").first.get_attribute("data-account") == "globex"
    assert sender.get_attribute("aria-sort") is None
    assert opened.problems == []
    assert len(opened.requests) == 1


def test_without_script_the_page_still_shows_everything(browser: Any, page_file: Path) -> None:
    opened = open_file(browser, page_file, java_script_enabled=False)
    page = opened.page
    assert opened.visible_rows() == 16
    assert not page.locator("#filters").is_visible()
    assert page.locator("#senders thead button").count() == 0
    assert page.locator("svg.chart").count() == 3  # the fleet's and one per account
    assert opened.problems == []


def test_on_a_phone_the_page_fits_and_rows_become_cards(browser: Any, page_file: Path) -> None:
    opened = open_file(browser, page_file, viewport=PHONE, is_mobile=True, has_touch=True)
    page = opened.page
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page scrolls sideways on a phone ({width}px)"
    row = page.locator("#senders tbody tr").first
    assert row.evaluate("r => getComputedStyle(r).display") == "block"
    label = row.locator("td").nth(2).evaluate("c => getComputedStyle(c, '::before').content")
    assert "Country" in label
    assert page.locator("svg.chart").first.bounding_box()["width"] <= PHONE["width"]
    _shot(page, "report-phone.png")
    assert opened.problems == []


def test_hostile_values_stay_text_in_the_browser(browser: Any, tmp_path: Path) -> None:
    path = tmp_path / "hostile.html"
    path.write_text(render_html(hostile_report()), encoding="utf-8")
    opened = open_file(browser, path)
    page = opened.page
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("img").count() == 0
    assert page.locator("script").count() == 1
    assert page.locator("details.account h3").text_content() == "acct" + EVIL.replace(
        "\x1b", "\ufffd"
    )
    assert page.locator("#senders tbody tr").count() == 3
    assert opened.requests == [path.resolve().as_uri()]
    assert opened.problems == []
