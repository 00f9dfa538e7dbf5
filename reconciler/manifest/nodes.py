"""The node tree a manifest is loaded into: every value with its line and column.

Each node also carries its plain Python value (``value``), built while
loading, so pydantic can validate the data without a second walk.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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
    value: dict[str, Any] = field(default_factory=dict)  # plain data, filled as nodes are
    # key text -> (key node, value node); the first of duplicate keys wins
    entries: dict[str, tuple[ScalarNode, Node]] = field(default_factory=dict)


@dataclass(slots=True)
class SequenceNode:
    line: int
    column: int
    value: list[Any] = field(default_factory=list)
    items: list[Node] = field(default_factory=list)


Node = ScalarNode | MappingNode | SequenceNode


def to_data(node: Node) -> Any:
    """The plain Python value of a node (built while loading)."""
    return node.value


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
