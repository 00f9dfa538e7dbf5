"""One escaping rule per medium, applied by the renderers at the last step.

Everything a renderer did not write itself (a manifest's path, an account or
team name, a sender id or number from the server, a server's error detail, a
notice's message) is data until it reaches its medium, and goes through that
medium's one function here, like Jinja's autoescape:

    terminal(text)           text, plan, apply, accounts: control and invisible
                             characters shown as escapes (``\\x1b``, ``\\n``,
                             ``\\u202e``), so a value can never move the cursor,
                             recolour, rewrite a line or reorder text
    markdown(text)           PR comments, job summaries, the checklist: a phone
                             number as it is, anything else an inert code span (no
                             HTML, link, image, mention, emphasis or structure);
                             ``cell=True`` in a table row, ``code=True`` a code
                             span for a phone number too
    annotation_message(text) GitHub workflow commands (``::error ...::message``),
    annotation_property(text) as @actions/core escapes them, controls shown
    sarif_text(text)         SARIF ``message.text``: controls shown, ``[``/``]``
                             escaped so no embedded link can be formed

JSON needs no function: ``json.dumps`` is its escaping. Our own colour codes
come from ``reconciler.output.style`` and are added after escaping.
"""

from __future__ import annotations

import re

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _shown(ch: str) -> str:
    if ch in _NAMED:
        return _NAMED[ch]
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def visible(text: str, *, keep: str = "") -> str:
    """``text`` with every character Python calls unprintable written as an escape.

    Unprintable (``str.isprintable``) covers C0 and C1 controls, DEL, ESC, line and
    paragraph separators, format characters (bidirectional overrides such as
    U+202E, zero-width characters, the BOM), spaces other than U+0020, lone
    surrogates and unassigned code points: exactly what ``repr`` escapes. Characters
    in ``keep`` pass through unchanged.
    """
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() or ch in keep else _shown(ch) for ch in text)


def terminal(text: str) -> str:
    """A value for a terminal or a CI log: nothing in it is interpreted."""
    return visible(text)


def terminal_lines(text: str) -> str:
    """A message of several lines for a terminal: each line's characters as ``terminal``.

    For what callfwd writes whole without a renderer of its own (errors, notices),
    where a line break is the message's own and everything else is shown, not obeyed.
    """
    return "\n".join(visible(line, keep="\t") for line in text.split("\n"))


_BACKTICKS = re.compile(r"`+")
# Digits, + ( ) - and single inner spaces: "(833) 555-0100", "+18335550100". Nothing in
# such text is special to markdown away from the start of a line (where values never
# are), nor to GitHub (no letter, so no mention, reference, link or shortcode).
_PLAIN = re.compile(r"[0-9+()-]+(?: [0-9+()-]+)*")


def markdown(text: str, *, cell: bool = False, code: bool = False) -> str:
    """``text`` for markdown: a phone number as it is (unless ``code``), else a code span.

    A code span is inert in every CommonMark and GFM renderer, and GitHub neither
    links, mentions nor references anything inside one. What could still end it is
    handled: the fence is longer than any run of backticks inside; line breaks are
    shown as escapes (so no new block can start); in a table row (``cell=True``)
    ``|`` is written ``\\|``, which GFM reads as a ``|`` inside the cell.
    """
    if not code and _PLAIN.fullmatch(text):
        return text
    body = visible(text)
    if cell:
        body = body.replace("|", "\\|")
    fence = "`" * (max((len(run) for run in _BACKTICKS.findall(body)), default=0) + 1)
    if not body:
        body = " "
    elif body[0] == "`" or body[-1] == "`" or (body[0] == body[-1] == " " and body.strip(" ")):
        body = f" {body} "  # CommonMark strips one space from each side of such content
    return f"{fence}{body}{fence}"


def annotation_message(text: str) -> str:
    """A workflow command's message, escaped as @actions/core does; other controls shown."""
    return visible(text, keep="\r\n").replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def annotation_property(text: str) -> str:
    """A workflow command's property value (``file=``, ``title=``), as @actions/core does."""
    return annotation_message(text).replace(":", "%3A").replace(",", "%2C")


_SARIF_SPECIAL = re.compile(r"\\(?=[\[\]])|[\[\]]")


def sarif_text(text: str) -> str:
    """SARIF plain-text message content (SARIF 2.1.0 §3.11.6, as GitHub code scanning reads it).

    ``[text](target)`` in a plain-text message is an embedded link, which GitHub
    renders as one; a literal bracket is written ``\\[``/``\\]`` (and a backslash
    before a bracket ``\\\\``), so no value can form a link.
    """
    return _SARIF_SPECIAL.sub(lambda m: "\\" + m.group(0), visible(text))
