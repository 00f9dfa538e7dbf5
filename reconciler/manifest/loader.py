"""Read a manifest file into a tree of nodes that know their line and column.

PyYAML's own loader cannot be trusted with manifests: it keeps the last of two
duplicate keys, expands aliases (billion laughs), constructs arbitrary tagged
objects with the unsafe loaders, and forgets where each value came from. So
the raw bytes are checked first (``reconciler.manifest.text``: size, NUL
bytes, UTF-8, control characters), then this module builds the tree
(``reconciler.manifest.nodes``) from PyYAML's *event* stream, iteratively,
refusing anchors, aliases, merge keys, explicit tags, several documents and
deep nesting. Plain scalars are resolved with YAML 1.1 rules (as every YAML
tool reading the file would), but the raw text and the quoting are kept so
the model can say "this unquoted number is read as an integer: quote it".

Nothing here raises on bad input: ``load`` returns diagnostics.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.resolver import Resolver

from reconciler.diagnostics import Diagnostic, Position, codes, error
from reconciler.manifest.nodes import (
    MappingNode,
    Node,
    ScalarNode,
    SequenceNode,
    Unreadable,
    find,
    to_data,
)
from reconciler.manifest.text import MAX_BYTES, decode, shown

__all__ = [
    "MAX_BYTES",
    "MAX_DEPTH",
    "LoadResult",
    "MappingNode",
    "Node",
    "ScalarNode",
    "SequenceNode",
    "Unreadable",
    "find",
    "load",
    "to_data",
]

MAX_DEPTH = 8  # a manifest needs 3 (root, forwarding list, entry)
MANIFEST = "a manifest"

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_RESOLVER = Resolver()
_CONSTRUCTOR = SafeConstructor()
_TAG_PREFIX = "tag:yaml.org,2002:"
_STR_TAG = _TAG_PREFIX + "str"


@dataclass(slots=True)
class LoadResult:
    root: MappingNode | None
    diagnostics: list[Diagnostic]


class _Refused(Exception):
    """Stops building the tree: the file uses something manifests never need."""

    def __init__(self, line: int, column: int, code: str, message: str) -> None:
        super().__init__(message)
        self.line, self.column, self.code, self.message = line, column, code, message


def _show_tag(tag: str) -> str:
    return "!!" + tag[len(_TAG_PREFIX) :] if tag.startswith(_TAG_PREFIX) else tag


# How YAML 1.1 builds each type a plain scalar can resolve to (text stays as written).
_CONSTRUCTORS: dict[str, Callable[[yaml.ScalarNode], object]] = {
    "null": lambda node: None,
    "bool": _CONSTRUCTOR.construct_yaml_bool,
    "int": _CONSTRUCTOR.construct_yaml_int,
    "float": _CONSTRUCTOR.construct_yaml_float,
    "timestamp": _CONSTRUCTOR.construct_yaml_timestamp,
}


def _resolve(raw: str) -> tuple[str, object]:
    """The YAML 1.1 type of a plain scalar (``int``, ``bool``, ``str``, ...) and its value."""
    tag: str = _RESOLVER.resolve(yaml.ScalarNode, raw, (True, False))  # type: ignore[no-untyped-call]
    kind = tag[len(_TAG_PREFIX) :] if tag.startswith(_TAG_PREFIX) else tag
    construct = _CONSTRUCTORS.get(kind)
    if construct is None:
        return kind, raw
    try:
        return kind, construct(yaml.ScalarNode(tag, raw))
    except (ValueError, OverflowError):
        # e.g. more digits than int() accepts, or a date like 2026-02-30
        return kind, Unreadable(raw, kind)


def _position(event: Any) -> tuple[int, int]:
    mark = event.start_mark
    return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)


def _refuse(event: Any, code: str, message: str) -> _Refused:
    return _Refused(*_position(event), code, message)


@dataclass(slots=True)
class _Open:
    """A mapping or list being filled, and (for a mapping) the key awaiting its value."""

    node: MappingNode | SequenceNode
    key: ScalarNode | None = None


class _TreeBuilder:
    """Builds the node tree from PyYAML's event stream, one event at a time.

    The collections being filled are on an explicit stack (``open``), so a
    deeply nested file cannot exhaust Python's own; anything a manifest never
    needs (anchors, aliases, tags, merge keys, complex keys, a second document,
    more than ``MAX_DEPTH`` levels) stops the build with ``_Refused``.
    """

    def __init__(self, path: str, diags: list[Diagnostic], subject: str) -> None:
        self.path, self.diags, self.subject = path, diags, subject
        self.open: list[_Open] = []
        self.root: Node | None = None
        self.documents = 0
        # plain scalars repeat (every entry has the keys sender and forward_to): resolve each once
        self.resolved: dict[str, tuple[str, object]] = {}

    def scalar(self, event: yaml.ScalarEvent) -> None:
        self._refuse_anchor(event)
        raw, tag = event.value, event.tag
        if tag is not None and tag != _STR_TAG:
            raise _refuse(event, codes.TAG, _tag_message(tag, self.subject))
        line, column = _position(event)
        if event.style or tag is not None:  # quoted, or tagged !!str: text as written
            self.add(ScalarNode(line, column, raw, raw, "str", not event.style))
        else:
            hit = self.resolved.get(raw)
            if hit is None:
                hit = self.resolved[raw] = _resolve(raw)
            kind, value = hit
            self.add(ScalarNode(line, column, value, raw, kind, True))

    def start(self, event: yaml.CollectionStartEvent) -> None:
        self._refuse_anchor(event)
        if event.tag is not None:
            raise _refuse(event, codes.TAG, _tag_message(event.tag, self.subject))
        if len(self.open) >= MAX_DEPTH:
            raise _refuse(event, codes.TOO_DEEP, _too_deep_message(self.subject))
        line, column = _position(event)
        node: MappingNode | SequenceNode = (
            MappingNode(line, column)
            if isinstance(event, yaml.MappingStartEvent)
            else SequenceNode(line, column)
        )
        self.add(node)
        self.open.append(_Open(node))

    def end(self, event: yaml.CollectionEndEvent) -> None:
        self.open.pop()

    def document(self, event: yaml.DocumentStartEvent) -> None:
        self.documents += 1
        if self.documents > 1:
            hint = " (put each team in its own file)" if self.subject == MANIFEST else ""
            raise _refuse(
                event,
                codes.MULTI_DOC,
                f"a second YAML document starts here; {self.subject} holds exactly one{hint}",
            )

    def alias(self, event: yaml.AliasEvent) -> None:
        raise _refuse(event, codes.ALIAS, _alias_message(self.subject))

    def add(self, node: Node) -> None:
        """Put ``node`` where it belongs: the root, a list's next item, a key or its value."""
        if not self.open:
            self.root = node
            return
        parent = self.open[-1]
        if isinstance(parent.node, SequenceNode):
            parent.node.items.append(node)
            parent.node.value.append(node.value)
        elif parent.key is not None:
            _attach(parent.node, parent.key, node, self.path, self.diags)
            parent.key = None
        elif not isinstance(node, ScalarNode):
            raise _Refused(node.line, node.column, codes.COMPLEX_KEY, _COMPLEX_KEY_MESSAGE)
        elif node.raw == "<<" and node.plain:
            raise _Refused(node.line, node.column, codes.MERGE_KEY, _merge_message(self.subject))
        else:
            parent.key = node

    def _refuse_anchor(self, event: yaml.NodeEvent) -> None:
        if event.anchor is not None:
            raise _refuse(event, codes.ALIAS, _alias_message(self.subject))


_HANDLERS: dict[type[yaml.Event], Callable[[_TreeBuilder, Any], None]] = {
    yaml.ScalarEvent: _TreeBuilder.scalar,
    yaml.MappingStartEvent: _TreeBuilder.start,
    yaml.SequenceStartEvent: _TreeBuilder.start,
    yaml.MappingEndEvent: _TreeBuilder.end,
    yaml.SequenceEndEvent: _TreeBuilder.end,
    yaml.DocumentStartEvent: _TreeBuilder.document,
    yaml.AliasEvent: _TreeBuilder.alias,
}


def _build(path: str, text: str, diags: list[Diagnostic], subject: str) -> Node | None:
    """The node tree of ``text``, built from PyYAML's events (never its composer)."""
    builder = _TreeBuilder(path, diags, subject)
    parser = _Loader(text)
    try:
        while (event := parser.get_event()) is not None:
            handle = _HANDLERS.get(type(event))
            if handle is not None:  # stream start and end, document end: nothing to build
                handle(builder, event)
    finally:
        parser.dispose()
    return builder.root


def _attach(
    mapping: MappingNode, key: ScalarNode, node: Node, path: str, diags: list[Diagnostic]
) -> None:
    """Add ``key: node`` to ``mapping``; a duplicate key is reported and the first one kept."""
    first = mapping.entries.get(key.raw)
    if first is None:
        mapping.entries[key.raw] = (key, node)
        mapping.value[key.raw] = node.value
        return
    if len(diags) >= _MAX_DUPLICATES:  # enough to say the file is broken
        return
    diags.append(
        error(
            Position(path, key.line, key.column),
            codes.DUPLICATE_KEY,
            f"duplicate key {shown(key.raw)} (first at line {first[0].line}, column "
            f"{first[0].column}); YAML would silently keep only the last one: remove one of them",
        )
    )


def _tag_message(tag: str, subject: str) -> str:
    return (
        f"the YAML tag {_show_tag(tag)} is not allowed in {subject}; "
        "write a plain value (quote text)"
    )


def _merge_message(subject: str) -> str:
    return f"YAML merge keys (<<) are not allowed in {subject}; write each key out"


def _alias_message(subject: str) -> str:
    return f"YAML anchors (&) and aliases (*) are not allowed in {subject}; write each value out"


def _too_deep_message(subject: str) -> str:
    if subject != MANIFEST:
        return f"nesting deeper than {MAX_DEPTH} levels; {subject} never needs that many"
    return (
        f"nesting deeper than {MAX_DEPTH} levels; a manifest needs 3 "
        "(top level, forwarding list, entry)"
    )


_MAX_DUPLICATES = 1_000
_COMPLEX_KEY_MESSAGE = "a mapping key must be plain text, not a list or a mapping"


def _char_at(text: str, line: int, col: int) -> str:
    lines = text.splitlines()
    if 0 < line <= len(lines) and 0 < col <= len(lines[line - 1]):
        return lines[line - 1][col - 1]
    return ""


def load(path: str, data: bytes, *, size: int = 0, subject: str = MANIFEST) -> LoadResult:
    """Parse one manifest's bytes; ``path`` is only used in diagnostics.

    ``size`` is the file's size when only its first ``MAX_BYTES + 1`` bytes were read.
    ``subject`` names the kind of file in refusals ("callfwd.yaml" reuses this loader).
    An empty document or one that is not a mapping is refused only for manifests;
    other subjects get ``root=None`` or decide for themselves.
    """
    diags: list[Diagnostic] = []
    text = decode(path, data, size, diags)
    if text is None:
        return LoadResult(None, diags)
    try:
        root = _build(path, text, diags, subject)
    except _Refused as exc:
        diags.append(error(Position(path, exc.line, exc.column), exc.code, exc.message))
        return LoadResult(None, diags)
    except yaml.MarkedYAMLError as exc:
        mark: Any = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        what = exc.problem or "not valid YAML"
        if exc.context:
            what = f"{what} ({exc.context})"
        if "nesting depth" in what:  # libyaml's own limit, far above ours
            diags.append(
                error(Position(path, line, col), codes.TOO_DEEP, _too_deep_message(subject))
            )
            return LoadResult(None, diags)
        if _char_at(text, line, col) == "\t":
            what += "; YAML does not allow tabs for indentation: use spaces"
        diags.append(error(Position(path, line, col), codes.SYNTAX, f"YAML syntax error: {what}"))
        return LoadResult(None, diags)
    except yaml.YAMLError as exc:  # a reader error the checks above did not foresee
        diags.append(error(Position(path, 1, 1), codes.SYNTAX, f"cannot read as YAML: {exc}"))
        return LoadResult(None, diags)
    if root is None or (isinstance(root, ScalarNode) and root.value is None and root.plain):
        if subject != MANIFEST:
            return LoadResult(None, diags)  # an empty file: the caller's defaults apply
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
        # The value itself is never quoted: a file of one line, such as a dotenv file's
        # TOKEN=..., reaches here, and this message lands in logs and annotations.
        what = "a list" if isinstance(root, SequenceNode) else "a single value"
        diags.append(
            error(
                Position(path, root.line, root.column),
                codes.NOT_MAPPING,
                f"the top level of {subject} must be a mapping (key: value), not {what}",
            )
        )
        return LoadResult(None, diags)
    return LoadResult(root, diags)
