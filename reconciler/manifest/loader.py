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


# Plain scalars repeat (every entry has the keys sender and forward_to): resolve each once.
_RESOLVED: dict[str, tuple[str, object]] = {}


def _resolve(raw: str) -> tuple[str, object]:
    hit = _RESOLVED.get(raw)
    if hit is None:
        tag: str = _RESOLVER.resolve(yaml.ScalarNode, raw, (True, False))  # type: ignore[no-untyped-call]
        kind = tag[len(_TAG_PREFIX) :] if tag.startswith(_TAG_PREFIX) else tag
        hit = (kind, _construct(kind, tag, raw))
        if len(_RESOLVED) < 4096 and len(raw) < 64:
            _RESOLVED[raw] = hit
    return hit


def _refuse(mark: Any, code: str, message: str) -> _Refused:
    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    return _Refused(line, col, code, message)


def _build(path: str, text: str, diags: list[Diagnostic], subject: str) -> Node | None:
    """The node tree of ``text``, built from the event stream with an explicit stack.

    One flat loop dispatching on the event's class, with the innermost open
    collection kept in local variables: this runs for every event of every
    manifest (600,000 for a file of 100,000 senders), so it is written for speed.
    """
    Scalar, MapStart, SeqStart = yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent
    MapEnd, SeqEnd, DocStart, Alias = (
        yaml.MappingEndEvent,
        yaml.SequenceEndEvent,
        yaml.DocumentStartEvent,
        yaml.AliasEvent,
    )
    cached = _RESOLVED.get
    # the innermost open collection, and the ones around it on a stack
    stack: list[tuple[MappingNode | SequenceNode, ScalarNode | None]] = []
    mapping: MappingNode | None = None  # set when the innermost collection is a mapping
    sequence: SequenceNode | None = None  # set when it is a sequence
    key: ScalarNode | None = None  # the innermost mapping's key awaiting its value
    root: Node | None = None
    documents = 0
    parser = _Loader(text)
    try:
        get = parser.get_event
        while (ev := get()) is not None:
            cls = type(ev)
            node: Node
            if cls is Scalar:
                mark = ev.start_mark
                if ev.anchor is not None:
                    raise _refuse(mark, codes.ALIAS, _alias_message(subject))
                raw = ev.value
                tag = ev.tag
                if tag is not None and tag != _STR_TAG:
                    raise _refuse(mark, codes.TAG, _tag_message(tag, subject))
                if ev.style or tag is not None:
                    node = ScalarNode(mark.line + 1, mark.column + 1, raw, raw, "str", not ev.style)
                else:
                    hit = cached(raw) or _resolve(raw)
                    node = ScalarNode(mark.line + 1, mark.column + 1, hit[1], raw, hit[0], True)
                if mapping is not None:
                    if key is None:
                        if raw == "<<" and node.plain:
                            raise _Refused(
                                node.line, node.column, codes.MERGE_KEY, _merge_message(subject)
                            )
                        key = node
                        continue
                    _attach(mapping, key, node, path, diags)
                    key = None
                elif sequence is not None:
                    sequence.items.append(node)
                    sequence.value.append(node.value)
                else:
                    root = node
                continue
            if cls is MapEnd or cls is SeqEnd:
                if stack:
                    outer, key = stack.pop()
                    if isinstance(outer, MappingNode):
                        mapping, sequence = outer, None
                    else:
                        mapping, sequence = None, outer
                else:
                    mapping = sequence = None
                continue
            if cls is MapStart or cls is SeqStart:
                mark = ev.start_mark
                if ev.anchor is not None:
                    raise _refuse(mark, codes.ALIAS, _alias_message(subject))
                if ev.tag is not None:
                    raise _refuse(mark, codes.TAG, _tag_message(ev.tag, subject))
                if len(stack) >= MAX_DEPTH - 1:
                    raise _refuse(mark, codes.TOO_DEEP, _too_deep_message(subject))
                line, col = mark.line + 1, mark.column + 1
                new: MappingNode | SequenceNode = (
                    MappingNode(line, col, {}, {})
                    if cls is MapStart
                    else SequenceNode(line, col, [], [])
                )
                if mapping is not None:
                    if key is None:
                        raise _Refused(line, col, codes.COMPLEX_KEY, _COMPLEX_KEY_MESSAGE)
                    _attach(mapping, key, new, path, diags)
                    stack.append((mapping, None))
                elif sequence is not None:
                    sequence.items.append(new)
                    sequence.value.append(new.value)
                    stack.append((sequence, None))
                else:
                    root = new
                key = None
                if isinstance(new, MappingNode):
                    mapping, sequence = new, None
                else:
                    mapping, sequence = None, new
                continue
            if cls is Alias:
                raise _refuse(ev.start_mark, codes.ALIAS, _alias_message(subject))
            if cls is DocStart:
                documents += 1
                if documents > 1:
                    raise _refuse(
                        ev.start_mark,
                        codes.MULTI_DOC,
                        f"a second YAML document starts here; {subject} holds exactly one"
                        + (" (put each team in its own file)" if subject == MANIFEST else ""),
                    )
            # stream start/end, document end: nothing to build
    finally:
        parser.dispose()
    return root


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
