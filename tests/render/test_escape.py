"""One escaping rule per medium: each function alone, then for any text at all."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_check import structure

from reconciler.render import escape


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("\x1b[1A\x1b[2K", "\\x1b[1A\\x1b[2K"),
        ("a\nb\r\tc", "a\\nb\\r\\tc"),
        ("nul\x00 bel\x07 del\x7f", "nul\\x00 bel\\x07 del\\x7f"),
        ("c1 csi\x9b2K", "c1 csi\\x9b2K"),
        ("rtl\u202eexe.yaml", "rtl\\u202eexe.yaml"),
        ("zero\u200bwidth\ufeff", "zero\\u200bwidth\\ufeff"),
        ("line\u2028sep", "line\\u2028sep"),
        ("nbsp\xa0", "nbsp\\xa0"),
        ("lone\udcff", "lone\\udcff"),
        ("tag\U000e0041", "tag\\U000e0041"),
        ("plain +1 (833) 555-0100 é ü 日本 ⚠️ 🙂", "plain +1 (833) 555-0100 é ü 日本 ⚠️ 🙂"),
    ],
)
def test_terminal_shows_every_control_and_invisible_character(raw: str, shown: str) -> None:
    assert escape.terminal(raw) == shown


@settings(deadline=None)
@given(st.text())
def test_terminal_output_never_holds_an_unprintable_character(text: str) -> None:
    out = escape.terminal(text)
    assert out.isprintable()
    if text.isprintable():
        assert out == text  # nothing printable is changed


@pytest.mark.parametrize(
    ("raw", "span"),
    [
        ("+18335550100", "+18335550100"),  # a phone number needs no code span
        ("(833) 555-0100", "(833) 555-0100"),
        ("+1 (833) 555-0100 ", "`+1 (833) 555-0100 `"),
        ("12345x", "`12345x`"),
        ("1.", "`1.`"),
        ("a`b", "``a`b``"),
        ("``x``", "``` ``x`` ```"),
        ("`", "`` ` ``"),
        (" padded ", "`  padded  `"),
        ("", "` `"),
        ("<!-- x", "`<!-- x`"),
        ("a\nb", "`a\\nb`"),
    ],
)
def test_markdown_is_a_code_span_that_nothing_can_end(raw: str, span: str) -> None:
    assert escape.markdown(raw) == span


def test_markdown_can_show_a_phone_number_as_code_too() -> None:
    assert escape.markdown("+18335550100", code=True) == "`+18335550100`"


def test_markdown_escapes_pipes_only_in_a_table_cell() -> None:
    assert escape.markdown("a|b") == "`a|b`"
    assert escape.markdown("a|b", cell=True) == "`a\\|b`"
    table = f"| h |\n|---|\n| {escape.markdown('a|b', cell=True)} |\n"
    [rows] = structure(table).tables
    assert rows[1] == [[("code_inline", "a|b")]]


def _shown(text: str) -> tuple[list[str], str]:
    """What a reader sees of ``text``: in a code span, or as plain text (a phone number)."""
    plain = escape.markdown(text) == text
    return ([] if plain else [escape.visible(text) or " "]), (text if plain else "")


@settings(deadline=None)
@given(st.text() | st.from_regex(r"[0-9+() -]{1,20}", fullmatch=True))
def test_markdown_reads_back_as_exactly_the_visible_text(text: str) -> None:
    s = structure(f"before {escape.markdown(text)} after\n")
    code, plain = _shown(text)
    assert s.code == code  # an empty value shows as a space
    assert s.html == s.links == s.images == s.headings == []
    assert "".join(s.prose) == f"before {plain} after"


@settings(deadline=None)
@given(st.text() | st.from_regex(r"[0-9+() -]{1,20}", fullmatch=True))
def test_markdown_in_a_table_cell_stays_in_its_cell(text: str) -> None:
    table = f"| a | b |\n|---|---|\n| {escape.markdown(text, cell=True)} | end |\n"
    [rows] = structure(table).tables
    [cell, last] = rows[1]
    assert last == [("text", "end")]
    code, plain = _shown(text)
    assert cell == ([("code_inline", code[0])] if code else [("text", plain)])


def test_annotations_escape_as_actions_core_and_show_other_controls() -> None:
    assert escape.annotation_message("50% done\r\nnext") == "50%25 done%0D%0Anext"
    assert escape.annotation_message("\x1b[2K::set-env") == "\\x1b[2K::set-env"
    assert escape.annotation_property("a:b,c\x07") == "a%3Ab%2Cc\\x07"


@settings(deadline=None)
@given(st.text())
def test_an_annotation_is_always_one_printable_line(text: str) -> None:
    for out in (escape.annotation_message(text), escape.annotation_property(text)):
        assert out.isprintable()
    assert "," not in escape.annotation_property(text)
    assert ":" not in escape.annotation_property(text)


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        ("[click](https://evil.example)", "\\[click\\](https://evil.example)"),
        ("[1](1)", "\\[1\\](1)"),
        ("a\\[b", "a\\\\\\[b"),
        ("back\\slash", "back\\slash"),
        ("\x1b]8;;https://x\x07", "\\x1b\\]8;;https://x\\x07"),
    ],
)
def test_sarif_text_cannot_form_an_embedded_link(raw: str, text: str) -> None:
    assert escape.sarif_text(raw) == text


@settings(deadline=None)
@given(st.text())
def test_sarif_text_has_no_unescaped_bracket(text: str) -> None:
    out = escape.sarif_text(text)
    assert out.isprintable()
    backslashes = 0
    for ch in out:
        if ch in "[]":
            assert backslashes % 2 == 1, out  # an odd run: the bracket itself is escaped
        backslashes = backslashes + 1 if ch == "\\" else 0


def test_json_needs_no_function() -> None:
    raw = "\x1b[2K<img src=x>`|\u202e"
    assert json.loads(json.dumps(raw)) == raw
    assert json.dumps(raw).isprintable()


def test_terminal_lines_keeps_line_breaks_and_tabs_and_shows_the_rest() -> None:
    assert escape.terminal_lines("a\tb\nc\x1b[2Kd\r") == "a\tb\nc\\x1b[2Kd\\r"


def test_the_error_handler_shows_an_errors_control_characters(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from reconciler.cli import EXIT_FAILURE, _report
    from reconciler.errors import CallfwdError

    assert _report(CallfwdError("bad\x1b[1A\x1b[2K\nsecond \u202eline"), debug=False) == 1
    err = capsys.readouterr().err
    assert err == "error: bad\\x1b[1A\\x1b[2K\nsecond \\u202eline\n"
    assert EXIT_FAILURE == 1
