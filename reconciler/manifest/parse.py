"""From a node tree to the pydantic model, with every error at its line and column.

Pydantic checks the shape (keys, types, version, account slug, known roles);
this module turns each of its errors into a diagnostic at the right node and
with a message that says what to do: an unknown key gets a "did you mean", an
unquoted number is told to be quoted, a YAML 1.1 boolean is named as such.

When the whole manifest does not validate, the rules still run on every
owner and forwarding entry (through ``owners()`` and ``entries()``, which read
the plain data defensively), so one run reports every problem.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from reconciler.diagnostics import Diagnostic, Position, codes, error
from reconciler.domain.roles import ROLES
from reconciler.manifest.loader import (
    MappingNode,
    Node,
    ScalarNode,
    SequenceNode,
    Unreadable,
    find,
)
from reconciler.manifest.model import ForwardingEntry, Manifest, Owner
from reconciler.manifest.text import EXCERPT, excerpt, shown

__all__ = [
    "EXCERPT",
    "ManifestSummary",
    "OwnerView",
    "ParsedManifest",
    "did_you_mean",
    "excerpt",
    "parse_manifest",
    "shown",
]

Loc = tuple[str | int, ...]
MAX_ERRORS = 1_000

# Which model sits at a location (list indexes written as "*").
_MODELS: dict[tuple[str, ...], type[BaseModel]] = {
    (): Manifest,
    ("owners", "*"): Owner,
    ("forwarding", "*"): ForwardingEntry,
}
_EXPECTED = {
    "version": "the number 1",
    "account": "text (the account's slug)",
    "team": "text",
    "owners": "a list of owners, each with email and role",
    "forwarding": "a list of entries, each with sender and forward_to",
    "email": "a quoted email address",
    "role": "a role such as manager",
    "sender": "a quoted phone number",
    "forward_to": "a quoted phone number, or null for no forwarding",
}
_ITEM = {"owners": "each owner", "forwarding": "each forwarding entry"}
_ITEM_EXPECTED = {
    "owners": "a mapping with email and role",
    "forwarding": "a mapping with sender and forward_to",
}


@dataclass(frozen=True, slots=True)
class OwnerView:
    """One item of ``owners``; a field is None when it is missing or not text.

    ``email_at`` and ``role_at`` are where the values are written (the nearest
    written ancestor when a key is missing).
    """

    index: int
    email: str | None
    role: str | None
    email_at: Position
    role_at: Position


@dataclass(slots=True)  # not frozen: one per sender, frozen costs 3x to build
class EntryView:
    """One item of ``forwarding``; a field is None when it is missing, null or not text.

    ``sender_at`` and ``forward_to_at`` are where the values are written (the
    entry's own position when the key is missing).
    """

    index: int
    sender: str | None
    forward_to: str | None
    sender_at: Position
    forward_to_at: Position


@dataclass(frozen=True, slots=True)
class ManifestSummary:
    """What the rules across manifests need of one, kept once its own checks are done.

    A run keeps one of these per manifest rather than its node tree and model,
    which hold every sender twice over and would be most of a large run's memory.
    """

    path: str
    account: str | None  # set when the manifest is valid in shape
    named_account: str | None  # the text of ``account:``, even when the shape is wrong
    senders: int  # items of the forwarding list, well-formed or not
    owners: tuple[OwnerView, ...]
    owners_at: Position  # where the owners key is written (the file's top when missing)


@dataclass(slots=True)
class ParsedManifest:
    """A manifest that loaded as YAML; ``model`` is set when its shape is right."""

    path: str
    root: MappingNode
    model: Manifest | None
    data: dict[str, Any]
    shaped: bool = True  # has at least one of a manifest's keys: else nothing is quoted

    @property
    def account(self) -> str | None:
        return self.model.account if self.model is not None else None

    def _items(self, name: str) -> list[tuple[int, dict[str, Any]]]:
        items = self.data.get(name)
        if not isinstance(items, list):
            return []
        return [(i, item) for i, item in enumerate(items) if isinstance(item, dict)]

    def owners(self) -> list[OwnerView]:
        return [
            OwnerView(
                i,
                _text(o.get("email")),
                _text(o.get("role")),
                self.position("owners", i, "email"),
                self.position("owners", i, "role"),
            )
            for i, o in self._items("owners")
        ]

    def summary(self) -> ManifestSummary:
        return ManifestSummary(
            self.path,
            self.account,
            _text(self.data.get("account")),
            self.senders,
            tuple(self.owners()),
            self.key_position("owners"),
        )

    def entries(self) -> list[EntryView]:
        # Walks the nodes directly (not through find()): this runs for every sender.
        items = self.root.entries.get("forwarding")
        if items is None or not isinstance(items[1], SequenceNode):
            return []
        views = []
        path = self.path
        for i, item in enumerate(items[1].items):
            if not isinstance(item, MappingNode):
                continue
            at = Position(path, item.line, item.column)
            fields: list[tuple[str | None, Position]] = []
            for name in ("sender", "forward_to"):
                pair = item.entries.get(name)
                if pair is None:
                    fields.append((None, at))
                    continue
                node = pair[1]
                text = node.value if isinstance(node, ScalarNode) else None
                fields.append(
                    (
                        text if isinstance(text, str) else None,
                        Position(path, node.line, node.column),
                    )
                )
            (sender, sender_at), (forward_to, forward_to_at) = fields
            views.append(EntryView(i, sender, forward_to, sender_at, forward_to_at))
        return views

    @property
    def senders(self) -> int:
        """How many items the forwarding list has, well-formed or not."""
        items = self.data.get("forwarding")
        return len(items) if isinstance(items, list) else 0

    def position(self, *loc: str | int) -> Position:
        """Where the value at ``loc`` is written (or its nearest written ancestor)."""
        node, _, _ = find(self.root, loc)
        return Position(self.path, node.line, node.column)

    def key_position(self, *loc: str | int) -> Position:
        """Where the key of ``loc`` is written (the value's position for list items)."""
        node, key, reached = find(self.root, loc)
        target: Node = key if key is not None and reached == len(loc) else node
        return Position(self.path, target.line, target.column)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _shape(loc: Loc) -> tuple[str, ...]:
    return tuple("*" if isinstance(p, int) else p for p in loc)


def _name(loc: Loc) -> str:
    return next((p for p in reversed(loc) if isinstance(p, str)), "manifest")


def describe(node: Node) -> str:
    """What a YAML value is, in words (for messages about a wrong type)."""
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    if node.value is None:
        return "empty (null)"
    if node.kind == "str":
        return f"the text {shown(node.raw)}"
    word = {"int": "integer", "float": "number", "bool": "boolean", "timestamp": "date"}
    return f"the {word.get(node.kind, node.kind)} {shown(node.raw)[1:-1]}"


def _kind_word(node: ScalarNode) -> str:
    if isinstance(node.value, Unreadable):
        return f"an {'integer' if node.kind == 'int' else node.kind} too large to hold"
    word = {"int": "integer", "float": "number", "bool": "boolean", "timestamp": "date"}.get(
        node.kind, node.kind
    )
    value = node.value
    text = str(value).lower() if isinstance(value, bool) else str(value)
    if len(text) > 40:
        text = text[:39] + "…"
    return f"the {word} {text}"


def _typed_scalar(name: str, node: ScalarNode) -> tuple[str, str] | None:
    """A plain scalar that YAML typed as something other than text."""
    if not node.plain or node.kind == "str" or node.value is None:
        return None
    raw = node.raw if len(node.raw) <= 40 else node.raw[:39] + "…"
    quoted = f'{name}: "{raw}"'
    read = f"the unquoted value {raw} is read as {_kind_word(node)}"
    if node.kind in ("int", "float"):
        return codes.UNQUOTED_NUMBER, f"{name}: {read}; quote it: {quoted}"
    if node.kind == "bool":
        tail = ", or write null for no forwarding" if name == "forward_to" else ""
        return (
            codes.YAML_BOOL,
            f"{name}: {read} (YAML 1.1 reads yes/no/on/off as booleans); quote it: {quoted}{tail}",
        )
    return codes.YAML_OTHER, f"{name}: {read}; quote it: {quoted}"


def did_you_mean(word: str, choices: tuple[str, ...] | list[str]) -> str:
    """A hint for a misspelt key or value: the closest choice, else every choice."""
    lowered = {c.lower(): c for c in choices}
    match = lowered.get(word.lower()) or next(
        iter(difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)), None
    )
    if match is not None:
        return f"did you mean {lowered.get(match, match)!r}?"
    return "expected one of: " + ", ".join(choices)


def _diagnose(path: str, root: MappingNode, err: Any) -> Diagnostic:
    loc: Loc = tuple(err["loc"])
    kind: str = err["type"]
    node, key, reached = find(root, loc)
    name = _name(loc)
    at = Position(path, node.line, node.column)

    if kind == "missing":
        model = _MODELS.get(_shape(loc[:-1]))
        where = "" if not loc[:-1] else f" in this {'owner' if loc[0] == 'owners' else 'entry'}"
        hint = "; write forward_to: null for no forwarding" if name == "forward_to" else ""
        if model is Manifest:
            hint = " (a manifest needs version, account, team, owners and forwarding)"
        return error(at, codes.MISSING_KEY, f"missing key {name!r}{where}{hint}")
    if kind == "extra_forbidden":
        model = _MODELS.get(_shape(loc[:-1]), Manifest)
        fields = list(model.model_fields)
        if key is not None:
            at = Position(path, key.line, key.column)
        return error(at, codes.UNKNOWN_KEY, f"unknown key {name!r}; {did_you_mean(name, fields)}")
    if loc == ("version",):
        return error(
            at,
            codes.BAD_VERSION,
            f"version must be 1 (the number), not {describe(node)}; "
            "this callfwd reads manifest format 1",
        )
    if (
        name == "role"
        and kind == "literal_error"
        and isinstance(node, ScalarNode)
        and node.kind == "str"
    ):
        return error(
            at,
            codes.UNKNOWN_ROLE,
            f"unknown role {shown(node.raw)}; {did_you_mean(node.raw, ROLES)}",
        )
    if name == "account" and kind == "string_pattern_mismatch" and isinstance(node, ScalarNode):
        return error(at, codes.BAD_ACCOUNT, _account_message(node.raw))
    if kind == "string_too_short":
        return error(at, codes.BAD_VALUE, f"{name} must not be empty")
    if kind == "string_too_long":
        limit = err.get("ctx", {}).get("max_length")
        return error(at, codes.BAD_VALUE, f"{name} is too long (at most {limit} characters)")
    if isinstance(node, ScalarNode) and (typed := _typed_scalar(name, node)) is not None:
        return error(at, typed[0], typed[1])
    if isinstance(loc[-1], int) and reached == len(loc):
        parent = str(loc[-2])
        return error(
            at,
            codes.WRONG_TYPE,
            f"{_ITEM.get(parent, 'each item')} must be {_ITEM_EXPECTED.get(parent, 'a mapping')}, "
            f"not {describe(node)}",
        )
    expected = _EXPECTED.get(name, "another type")
    return error(at, codes.WRONG_TYPE, f"{name} must be {expected}, not {describe(node)}")


# Vendor account ids are short, opaque and mixed-case (Qz4nW8): letters and digits only,
# with at least one capital and one digit, which no slug has.
_VENDOR_ID = re.compile(r"(?=[A-Za-z0-9]*[A-Z])(?=[A-Za-z0-9]*[0-9])[A-Za-z0-9]{4,64}")


def _account_message(raw: str) -> str:
    """CF108's message: what a slug is, and the slug and the callfwd.yaml lines to write."""
    if len(raw) <= EXCERPT and _VENDOR_ID.fullmatch(raw):
        slug = raw.lower()
        return (
            f"account {shown(raw)} looks like the vendor's account id, but manifests name the "
            f"account with a slug: write account: {slug} here, and map the slug to the id in "
            f"callfwd.yaml: accounts: {{{slug}: {{account_id: {raw}}}}}"
        )
    slug = re.sub(r"[^a-z0-9]+", "-", raw.lower()).strip("-")[:63].strip("-")
    hint = f"; write account: {slug}" if slug and len(raw) <= EXCERPT else ""
    return (
        f"account {shown(raw)} is not a slug: use lowercase letters, digits and dashes "
        f"(e.g. acme-us){hint}"
    )


def _known_only(path: str, root: MappingNode) -> tuple[dict[str, Any], list[Diagnostic]]:
    """The data without the keys the format does not define, and a diagnostic for each.

    Done here rather than by pydantic (whose extra="forbid" stays as a safety
    net) so that a file of 200,000 unknown keys costs a thousand diagnostics,
    not 200,000 pydantic errors.
    """
    diags: list[Diagnostic] = []

    def known(node: MappingNode, model: type[BaseModel]) -> dict[str, Any]:
        fields = model.model_fields
        unknown = [k for k in node.entries if k not in fields]
        for name in unknown[: max(0, MAX_ERRORS - len(diags))]:
            key = node.entries[name][0]
            diags.append(
                error(
                    Position(path, key.line, key.column),
                    codes.UNKNOWN_KEY,
                    f"unknown key {shown(name)}; {did_you_mean(name, list(fields))}",
                )
            )
        if not unknown:
            return node.value
        return {k: v for k, v in node.value.items() if k in fields}

    data = known(root, Manifest)
    for name, model in (("owners", Owner), ("forwarding", ForwardingEntry)):
        pair = root.entries.get(name)
        if pair is None or not isinstance(pair[1], SequenceNode):
            continue
        items = pair[1]
        filtered = [
            known(item, model) if isinstance(item, MappingNode) else item.value
            for item in items.items
        ]
        if any(new is not old for new, old in zip(filtered, items.value, strict=True)):
            data = {**data, name: filtered}
    return data, diags


def parse_manifest(path: str, root: MappingNode) -> tuple[ParsedManifest, list[Diagnostic]]:
    """Validate the shape of one manifest; never raises on bad input.

    A mapping with none of a manifest's keys is not a manifest at all (a dotenv
    or some other YAML file in the folder, or linked there): it gets one
    diagnostic that quotes nothing from it, since its text may be a secret.
    """
    if not any(k in Manifest.model_fields for k in root.entries):
        return ParsedManifest(path, root, None, {}, shaped=False), [
            error(
                Position(path, root.line, root.column),
                codes.NOT_MAPPING,
                "this file is not a manifest: its top level has none of the keys "
                f"{', '.join(Manifest.model_fields)}; move it out of the manifests, or "
                "exclude it in callfwd.yaml",
            )
        ]
    data, diags = _known_only(path, root)
    try:
        model = Manifest.model_validate(data)
    except ValidationError as exc:
        # A hostile file can give millions of errors; validate shows only the first
        # hundred of a file, so mapping (with its "did you mean") stops well after that.
        errors = exc.errors(include_url=False)[:MAX_ERRORS]
        found = {*diags, *(_diagnose(path, root, e) for e in errors)}
        pm = ParsedManifest(path, root, None, root.value)
        return pm, sorted(found, key=lambda d: d.sort_key)
    if diags:
        return ParsedManifest(path, root, None, root.value), diags
    return ParsedManifest(path, root, model, root.value), []
