"""The report's renderers: hostile values stay text in every medium; the escapers' edge cases."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
from markdown_it import MarkdownIt
from report_hostile import EVIL, MARKERS, hostile_report

from reconciler.render.report_assets import SCRIPT, STYLE
from reconciler.render.report_html import csp, render_html
from reconciler.render.report_json import render_json
from reconciler.render.report_markdown import md_cell, md_code, render_markdown
from reconciler.render.report_text import render_text, term


class Page(HTMLParser):
    """Every element and attribute of a page, and its text as the browser would read it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        (self.scripts if self._in_script else self.text).append(data)


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    page.close()
    return page


def test_html_shows_hostile_values_as_text_only() -> None:
    page = parse(render_html(hostile_report()))
    names = [t for t, _ in page.tags]
    assert "img" not in names
    assert names.count("script") == 1 and page.scripts == [SCRIPT]
    assert names.count("b") == 5  # the five fleet tiles; none from a value
    assert not [a for _, attrs in page.tags for a in attrs if a.startswith("on")]
    hrefs = {attrs["href"] for t, attrs in page.tags if t == "a"}
    assert all(h is not None and h.startswith("#") for h in hrefs)
    text = "".join(page.text)
    # the control characters become U+FFFD; everything else reads back exactly
    shown = EVIL.replace("\x1b", "\ufffd")
    assert text.count(shown) >= 10
    values = [v for _, attrs in page.tags for v in attrs.values() if v and shown in v]
    assert values, "values in attributes (data-account) read back whole"


def test_html_allows_only_its_own_style_and_script() -> None:
    html = render_html(hostile_report())
    page = parse(html)
    (meta,) = [a for t, a in page.tags if t == "meta" and "http-equiv" in a]
    assert meta == {"http-equiv": "Content-Security-Policy", "content": csp()}
    assert "default-src 'none'" in csp() and "'unsafe-inline'" not in csp()
    assert not [a for _, a in page.tags if "style" in a]  # would need 'unsafe-inline'


def _luminance(colour: str) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def test_text_colours_have_at_least_wcag_aa_contrast() -> None:
    colours = dict(re.findall(r"--([a-z]+): (#[0-9a-f]{6})", STYLE))
    for text in ("ink", "muted", "fwd", "nofwd", "warn"):
        for ground in ("paper", "panel"):
            hi, lo = sorted((_luminance(colours[text]), _luminance(colours[ground])), reverse=True)
            assert (hi + 0.05) / (lo + 0.05) >= 4.5, (text, ground)


def test_markdown_keeps_hostile_values_in_code_spans() -> None:
    md = render_markdown(hostile_report())
    html = MarkdownIt("commonmark").enable("table").render(md)
    page = parse(html)
    names = {t for t, _ in page.tags}
    assert names <= {"h3", "h4", "p", "strong", "code", "table", "thead", "tbody", "tr", "th",
                     "td", "ul", "li"}, names  # fmt: skip
    for row in html.split("<tr>")[1:]:  # no pipe in a value split a cell
        cells = len(re.findall(r"<t[dh][ >]", row))
        assert cells in (4, 9), row
    assert EVIL.replace("\n", " ").replace("\x1b", " ") in "".join(page.text)


@pytest.mark.parametrize(
    ("value", "span"),
    [
        ("plain", "`plain`"),
        ("a`b", "``a`b``"),
        ("``x", "``` ``x ```"),
        ("a|b", "`a|b`"),
        ("line\nbreak\r\x85x", "`line break x`"),
        (" ", "` `"),
        ("", "` `"),
    ],
)
def test_md_code_makes_one_unbreakable_span(value: str, span: str) -> None:
    assert md_code(value) == span


def test_md_cell_escapes_pipes_for_tables() -> None:
    assert md_cell("a|b`") == "`` a\\|b` ``"


def test_text_escapes_terminal_controls_and_bidi_overrides() -> None:
    out = render_text(hostile_report())
    assert "\x1b" not in out and "\u202e" not in out
    assert "\\u001b[31m\\u202egnp.exe" in out
    assert term("a\tb\x9b") == "a\\u0009b\\u009b"


def test_json_keeps_values_exactly() -> None:
    doc = json.loads(render_json(hostile_report()))
    (acct,) = doc["accounts"]
    assert acct["account"] == f"acct{EVIL}"
    assert acct["vendor"] == {"id": f"vid{EVIL}", "name": f"Vendor {EVIL}"}
    assert {s["id"] for s in acct["senders"]} == {f"id{EVIL}", f"id2{EVIL}", f"id3{EVIL}"}
    assert acct["import_command"] is not None
    assert all(m not in acct["import_command"].split("'")[0] for m in MARKERS)
