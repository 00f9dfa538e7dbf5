"""docs/benchmarks.md: hand-written prose, every figure in it made from the recorded runs."""

from __future__ import annotations

import pytest

from benchmarks.document import UnknownName, bare_figures, fill, names
from benchmarks.figures import DOCUMENT, RECORDED, RESULTS, read, refill, unknown_names

FIX = "run `python -m benchmarks.run --report` to refill it from docs/img/*.json"


def test_the_document_is_what_the_recorded_runs_and_the_code_make() -> None:
    text = DOCUMENT.read_text(encoding="utf-8")
    assert refill(text, read(RESULTS), read(RECORDED)) == text, FIX


def test_the_prose_quotes_no_measurement_of_its_own() -> None:
    # a measured figure in a sentence goes between <!-- f:NAME --> and <!-- /f -->
    assert bare_figures(DOCUMENT.read_text(encoding="utf-8")) == []


def test_every_recorded_comparison_is_in_the_document() -> None:
    blocks, _ = names(DOCUMENT.read_text(encoding="utf-8"))
    assert {f"ab-{name}" for name in read(RECORDED)} <= set(blocks)


def test_a_run_knows_before_measuring_which_names_nothing_makes() -> None:
    text = "<!-- begin: targets -->\n<!-- end: targets -->\n<!-- f:run.nope -->1 s<!-- /f -->"
    assert unknown_names(text, {}) == ["run.nope"]


def test_fill_rewrites_only_what_is_marked() -> None:
    text = (
        "Intro 1.\n<!-- begin: t -->\nold table\n<!-- end: t -->\n"
        "It took <!-- f:x -->9 s<!-- /f --> (`--latency 50ms`).\n"
    )
    filled = fill(text, {"t": lambda: "| new |\n"}, {"x": lambda: "2.50 s"})
    assert filled == (
        "Intro 1.\n<!-- begin: t -->\n| new |\n<!-- end: t -->\n"
        "It took <!-- f:x -->2.50 s<!-- /f --> (`--latency 50ms`).\n"
    )
    assert fill(filled, {"t": lambda: "| new |\n"}, {"x": lambda: "2.50 s"}) == filled


@pytest.mark.parametrize(
    ("text", "missing"),
    [("<!-- begin: t -->\n<!-- end: t -->\n", "block 't'"), ("<!-- f:x -->1<!-- /f -->", "'x'")],
)
def test_a_name_nothing_makes_is_an_error(text: str, missing: str) -> None:
    with pytest.raises(UnknownName, match=missing):
        fill(text, {}, {})


@pytest.mark.parametrize(
    ("line", "bare"),
    [
        ("The plan took 2.58 s.", True),
        ("Peak RSS 187 MiB after the change.", True),
        ("Ten percent more: 12 % of the calls.", True),
        ("The default is ×1.13 slower.", True),
        ("The target is ≤ 8 s and ≥ 500 PATCH/s.", False),
        ("It took <!-- f:x -->2.58 s<!-- /f -->.", False),
        ("Run `callfwd serve --latency 50ms` first.", False),
        ("Reads are 3/s and 60/min for 1,000 accounts × 10 senders.", False),
        ("<!-- begin: t -->\n| 2.58 s |\n<!-- end: t -->", False),
    ],
)
def test_a_measurement_in_the_prose_is_found(line: str, bare: bool) -> None:
    assert bool(bare_figures(line)) is bare
