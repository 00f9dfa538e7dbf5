"""Markdown read back with a real parser (markdown-it-py, CommonMark + GFM tables).

``structure(text)`` returns what a reader would see of the document's shape,
so tests assert on it rather than on substrings: the HTML it holds, links,
images, headings, tables (each row's cell count) and the text inside and
outside code spans.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.token import Token

# The only raw HTML our renderers write.
OUR_HTML = {"<!-- callfwd-plan -->", "<details>", "<summary>", "</summary>", "</details>"}


@dataclass
class Structure:
    html: list[str] = field(default_factory=list)  # raw HTML blocks and inline tags
    links: list[str] = field(default_factory=list)  # link targets
    images: list[str] = field(default_factory=list)
    headings: list[tuple[str, str]] = field(default_factory=list)  # (tag, inline source)
    # per table, per row, per cell: the cell's inline tokens as (type, content)
    tables: list[list[list[list[tuple[str, str]]]]] = field(default_factory=list)
    code: list[str] = field(default_factory=list)  # code span contents
    prose: list[str] = field(default_factory=list)  # text outside code spans


def _html_pieces(content: str) -> list[str]:
    """An HTML block split at its tags (``<details><summary>3 changes</summary>``)."""
    out, rest = [], content.strip()
    while rest:
        if rest.startswith("<"):
            end = rest.find(">") + 1 or len(rest)
            out.append(rest[:end])
            rest = rest[end:]
        else:
            nxt = rest.find("<")
            rest = rest[nxt:] if nxt >= 0 else ""
    return out


def structure(text: str) -> Structure:
    md = MarkdownIt("commonmark").enable("table")
    s = Structure()
    tokens = md.parse(text)
    row: list[list[tuple[str, str]]] | None = None
    for i, tok in enumerate(tokens):
        if tok.type == "html_block":
            s.html += _html_pieces(tok.content)
        elif tok.type == "heading_open":
            s.headings.append((tok.tag, tokens[i + 1].content))
        elif tok.type == "table_open":
            s.tables.append([])
        elif tok.type == "tr_open":
            row = []
        elif tok.type == "tr_close" and row is not None:
            s.tables[-1].append(row)
            row = None
        elif tok.type == "inline":
            children = tok.children or []
            if row is not None:
                row.append([(c.type, c.content) for c in children])
            _inline(children, s)
    return s


def _inline(children: list[Token], s: Structure) -> None:
    for child in children:
        if child.type == "html_inline":
            s.html.append(child.content)
        elif child.type == "link_open":
            s.links.append(str(child.attrs.get("href")))
        elif child.type == "image":
            s.images.append(str(child.attrs.get("src")))
        elif child.type == "code_inline":
            s.code.append(child.content)
        elif child.type == "text":
            s.prose.append(child.content)


def _pipes(line: str) -> int:
    """Cell separators in a table line: ``|`` not escaped by a backslash."""
    return sum(1 for i, ch in enumerate(line) if ch == "|" and (i == 0 or line[i - 1] != "\\"))


def balanced(text: str) -> bool:
    """Every ``<details>`` closed in order; every row of a table as many cells as its head.

    The rows are counted in the source: a parser pads or drops cells silently.
    """
    depth = 0
    for piece in structure(text).html:
        if piece == "<details>":
            depth += 1
        elif piece == "</details>":
            depth -= 1
            if depth < 0:
                return False
    width = None
    for line in text.splitlines():
        if not line.startswith("|"):
            width = None
            continue
        if not line.endswith("|"):
            return False  # half a row
        width = _pipes(line) if width is None else width
        if _pipes(line) != width:
            return False
    return depth == 0
