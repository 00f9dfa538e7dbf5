"""Read a manifest file into a tree of nodes that know their line and column.

PyYAML's own loader cannot be trusted with manifests: it keeps the last of two
duplicate keys, expands aliases (billion laughs), constructs arbitrary tagged
objects with the unsafe loaders, and forgets where each value came from. So
this module reads the raw bytes itself (size, NUL bytes, UTF-8, control
characters), then builds the tree from PyYAML's *event* stream, iteratively,
refusing anchors, aliases, merge keys, explicit tags, several documents and
deep nesting. Plain scalars are resolved with YAML 1.1 rules (as every YAML
tool reading the file would), but the raw text and the quoting are kept so
the model can say "this unquoted number is read as an integer: quote it".

Nothing here raises on bad input: ``load`` returns diagnostics.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.resolver import Resolver

from reconciler.diagnostics import Diagnostic, Position, error, warning
from reconciler.rules import codes

MAX_BYTES = 4 * 1024 * 1024
MAX_DEPTH = 8  # a manifest needs 3 (root, forwarding list, entry)

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_RESOLVER = Resolver()
_CONSTRUCTOR = SafeConstructor()
_TAG_PREFIX = "tag:yaml.org,2002:"
_STR_TAG = _TAG_PREFIX + "str"
_BOM = b"\xef\xbb\xbf"
# What YAML 1.1 does not allow in a stream (besides NUL, caught earlier as binary).
_CONTROL = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ufffe\uffff]")


@dataclass(frozen=True, slots=True)
class Unreadable:
    """A plain scalar that YAML types but Python cannot hold (a 5,000-digit int, 2026-02-30)."""

    raw: str
    kind: str


@dataclass(slots=True)
class ScalarNode:
    line: int
    column: int
    value: object  # str, int, float, bool, None, date/datetime or Unreadable
    raw: str
    kind: str  # resolved YAML type: str, int, float, bool, null, timestamp, ...
    plain: bool  # written without quotes


@dataclass(slots=True)
class MappingNode:
    line: int
    column: int
    # key text -> (key node, value node); the first of duplicate keys wins
    entries: dict[str, tuple[ScalarNode, Node]] = field(default_factory=dict)


@dataclass(slots=True)
class SequenceNode:
    line: int
    column: int
    items: list[Node] = field(default_factory=list)


Node = ScalarNode | MappingNode | SequenceNode


@dataclass(slots=True)
class LoadResult:
    root: MappingNode | None
    diagnostics: list[Diagnostic]


class _Refused(Exception):
    """Stops building the tree: the file uses something manifests never need."""

    def __init__(self, line: int, column: int, code: str, message: str) -> None:
        super().__init__(message)
        self.line, self.column, self.code, self.message = line, column, code, message


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _decode(path: str, data: bytes, size: int, diags: list[Diagnostic]) -> str | None:
    def at(line: int, col: int) -> Position:
        return Position(path, line, col)

    if max(size, len(data)) > MAX_BYTES:
        diags.append(
            error(
                at(1, 1),
                codes.TOO_LARGE,
                f"file is {max(size, len(data)):,} bytes, over the limit of "
                f"{MAX_BYTES // (1024 * 1024)} MiB for one manifest; split it into several "
                "files (one per team)",
            )
        )
        return None
    if b"\x00" in data:
        hint = (
            "it looks UTF-16 encoded; save it as UTF-8"
            if data[:2] in (b"\xff\xfe", b"\xfe\xff")
            else "a manifest must be UTF-8 text"
        )
        nul = data.index(b"\x00")
        line = data.count(b"\n", 0, nul) + 1
        diags.append(error(at(line, 1), codes.BINARY, f"file contains NUL bytes: {hint}"))
        return None
    if data.startswith(_BOM):
        diags.append(
            warning(at(1, 1), codes.BOM, "file starts with a UTF-8 byte-order mark; remove it")
        )
        data = data[len(_BOM) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        head = data[: exc.start]
        line = head.count(b"\n") + 1
        col = len(head[head.rfind(b"\n") + 1 :].decode("utf-8", "replace")) + 1
        diags.append(
            error(
                at(line, col),
                codes.NOT_UTF8,
                f"file is not valid UTF-8 (byte 0x{data[exc.start]:02X} at offset {exc.start}); "
                "save it as UTF-8",
            )
        )
        return None
    if (m := _CONTROL.search(text)) is not None:
        line, col = _line_col(text, m.start())
        diags.append(
            error(
                at(line, col),
                codes.CONTROL_CHAR,
                f"file contains the control character U+{ord(m.group()):04X}; remove it",
            )
        )
        return None
    return text


def _at(ev: yaml.Event) -> tuple[int, int]:
    """1-based line and column where an event starts."""
    mark: Any = ev.start_mark
    return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)


def _show_tag(tag: str) -> str:
    return "!!" + tag[len(_TAG_PREFIX) :] if tag.startswith(_TAG_PREFIX) else tag


def _scalar(ev: yaml.ScalarEvent) -> ScalarNode:
    line, col = _at(ev)
    raw: str = ev.value
    plain = not ev.style
    if ev.tag is not None and ev.tag != _STR_TAG:
        raise _Refused(
            line,
            col,
            codes.TAG,
            f"the YAML tag {_show_tag(ev.tag)} is not allowed in a manifest; "
            "write a plain value (quote text)",
        )
    if not ev.implicit[0]:
        return ScalarNode(line, col, raw, raw, "str", plain)
    tag: str = _RESOLVER.resolve(yaml.ScalarNode, raw, ev.implicit)  # type: ignore[no-untyped-call]
    kind = tag[len(_TAG_PREFIX) :] if tag.startswith(_TAG_PREFIX) else tag
    return ScalarNode(line, col, _construct(kind, tag, raw), raw, kind, plain)


def _construct(kind: str, tag: str, raw: str) -> object:
    node = yaml.ScalarNode(tag, raw)
    try:
        if kind == "null":
            return None
        if kind == "bool":
            return _CONSTRUCTOR.construct_yaml_bool(node)
        if kind == "int":
            return _CONSTRUCTOR.construct_yaml_int(node)
        if kind == "float":
            return _CONSTRUCTOR.construct_yaml_float(node)
        if kind == "timestamp":
            return _CONSTRUCTOR.construct_yaml_timestamp(node)
    except (ValueError, OverflowError):
        # e.g. more digits than int() accepts, or a date like 2026-02-30
        return Unreadable(raw, kind)
    return raw


def _events(text: str) -> Iterator[yaml.Event]:
    return yaml.parse(text, Loader=_Loader)


class _Builder:
    """Turns the event stream into nodes with an explicit stack (no recursion)."""

    def __init__(self, path: str, diags: list[Diagnostic]) -> None:
        self.path = path
        self.diags = diags
        self.stack: list[MappingNode | SequenceNode] = []
        self.pending_key: list[ScalarNode | None] = []  # one slot per open mapping
        self.root: Node | None = None
        self.documents = 0

    def _add(self, node: Node) -> None:
        if not self.stack:
            self.root = node
            return
        parent = self.stack[-1]
        if isinstance(parent, SequenceNode):
            parent.items.append(node)
            return
        key = self.pending_key[-1]
        if key is None:
            if not isinstance(node, ScalarNode):
                raise _Refused(
                    node.line,
                    node.column,
                    codes.COMPLEX_KEY,
                    "a mapping key must be plain text, not a list or a mapping",
                )
            if node.plain and node.raw == "<<":
                raise _Refused(
                    node.line,
                    node.column,
                    codes.MERGE_KEY,
                    "YAML merge keys (<<) are not allowed in a manifest; write each key out",
                )
            self.pending_key[-1] = node
            return
        self.pending_key[-1] = None
        first = parent.entries.get(key.raw)
        if first is not None:
            self.diags.append(
                error(
                    Position(self.path, key.line, key.column),
                    codes.DUPLICATE_KEY,
                    f"duplicate key {key.raw!r} (first at line {first[0].line}, column "
                    f"{first[0].column}); YAML would silently keep only the last one: "
                    "remove one of them",
                )
            )
            return
        parent.entries[key.raw] = (key, node)

    def _open(self, node: MappingNode | SequenceNode) -> None:
        if len(self.stack) >= MAX_DEPTH:
            raise _Refused(
                node.line,
                node.column,
                codes.TOO_DEEP,
                f"nesting deeper than {MAX_DEPTH} levels; a manifest needs 3 "
                "(top level, forwarding list, entry)",
            )
        self._add(node)
        self.stack.append(node)
        if isinstance(node, MappingNode):
            self.pending_key.append(None)

    def feed(self, ev: yaml.Event) -> None:
        anchor = getattr(ev, "anchor", None)
        if isinstance(ev, yaml.AliasEvent) or anchor is not None:
            raise _Refused(
                *_at(ev),
                codes.ALIAS,
                "YAML anchors (&) and aliases (*) are not allowed in a manifest; "
                "write each value out",
            )
        if isinstance(ev, yaml.ScalarEvent):
            self._add(_scalar(ev))
        elif isinstance(ev, yaml.MappingStartEvent | yaml.SequenceStartEvent):
            if ev.tag is not None:
                raise _Refused(
                    *_at(ev),
                    codes.TAG,
                    f"the YAML tag {_show_tag(ev.tag)} is not allowed in a manifest",
                )
            line, col = _at(ev)
            if isinstance(ev, yaml.MappingStartEvent):
                self._open(MappingNode(line, col))
            else:
                self._open(SequenceNode(line, col))
        elif isinstance(ev, yaml.MappingEndEvent | yaml.SequenceEndEvent):
            if isinstance(self.stack.pop(), MappingNode):
                self.pending_key.pop()
        elif isinstance(ev, yaml.DocumentStartEvent):
            self.documents += 1
            if self.documents > 1:
                raise _Refused(
                    *_at(ev),
                    codes.MULTI_DOC,
                    "a second YAML document starts here; a manifest holds exactly one "
                    "(put each team in its own file)",
                )


def load(path: str, data: bytes, *, size: int = 0) -> LoadResult:
    """Parse one manifest's bytes; ``path`` is only used in diagnostics.

    ``size`` is the file's size when only its first ``MAX_BYTES + 1`` bytes were read.
    """
    diags: list[Diagnostic] = []
    text = _decode(path, data, size, diags)
    if text is None:
        return LoadResult(None, diags)
    builder = _Builder(path, diags)
    try:
        for ev in _events(text):
            builder.feed(ev)
    except _Refused as exc:
        diags.append(error(Position(path, exc.line, exc.column), exc.code, exc.message))
        return LoadResult(None, diags)
    except yaml.MarkedYAMLError as exc:
        mark: Any = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        what = exc.problem or "not valid YAML"
        if exc.context:
            what = f"{what} ({exc.context})"
        diags.append(error(Position(path, line, col), codes.SYNTAX, f"YAML syntax error: {what}"))
        return LoadResult(None, diags)
    except yaml.YAMLError as exc:  # a reader error the checks above did not foresee
        diags.append(error(Position(path, 1, 1), codes.SYNTAX, f"cannot read as YAML: {exc}"))
        return LoadResult(None, diags)
    root = builder.root
    if root is None or (isinstance(root, ScalarNode) and root.value is None and root.plain):
        line, col = (root.line, root.column) if root is not None else (1, 1)
        diags.append(
            error(
                Position(path, line, col),
                codes.EMPTY,
                "manifest is empty; it needs version, account, team, owners and forwarding",
            )
        )
        return LoadResult(None, diags)
    if not isinstance(root, MappingNode):
        what = "a list" if isinstance(root, SequenceNode) else f"the value {root.raw!r}"
        diags.append(
            error(
                Position(path, root.line, root.column),
                codes.NOT_MAPPING,
                f"the top level of a manifest must be a mapping (key: value), not {what}",
            )
        )
        return LoadResult(None, diags)
    return LoadResult(root, diags)


def to_data(node: Node) -> Any:
    """The plain Python value of a node (depth is bounded by MAX_DEPTH)."""
    if isinstance(node, ScalarNode):
        return node.value
    if isinstance(node, SequenceNode):
        return [to_data(item) for item in node.items]
    return {key: to_data(value) for key, (_, value) in node.entries.items()}


def find(root: Node, loc: tuple[str | int, ...]) -> tuple[Node, ScalarNode | None, int]:
    """The deepest node along ``loc``, the key node it sits under, and how far it got."""
    node: Node = root
    key: ScalarNode | None = None
    for depth, part in enumerate(loc):
        if isinstance(node, MappingNode) and isinstance(part, str) and part in node.entries:
            key, node = node.entries[part]
        elif (
            isinstance(node, SequenceNode) and isinstance(part, int) and 0 <= part < len(node.items)
        ):
            key, node = None, node.items[part]
        else:
            return node, key, depth
    return node, key, len(loc)
