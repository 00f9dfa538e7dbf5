"""A seed's problems in callfwd's words, each with where it is.

A seed read from a file names ``seed.yaml:line:col`` (the manifests' positioned
loader keeps every value's place); a seed posted as JSON names the value's path
(``accounts[0].senders[2].forward_to``). Pydantic's errors are turned into
sentences that say what to write; an unknown key gets a "did you mean". A key
(``api_key``) is never shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel

from reconciler.manifest.loader import MappingNode, Node, Unreadable, find
from reconciler.manifest.parse import did_you_mean, shown
from reconciler.sandbox.seed_model import MODELS

Loc = tuple[str | int, ...]
MAX_SHOWN = 1_000  # a hostile seed can hold millions of problems; this many are listed

_NOUNS = {
    ("accounts", "*"): "account",
    ("accounts", "*", "users", "*"): "user",
    ("accounts", "*", "senders", "*"): "sender",
    ("accounts", "*", "configuration"): "configuration",
}
_EXPECTED = {
    "accounts": "a list of accounts",
    "users": "a list of users (email, role, api_key, scopes)",
    "senders": "a list of senders (number, type, country)",
    "scopes": "a list of scopes",
    "configuration": "a mapping (org_prefix, opt_out_language, status)",
}
_ITEMS = {
    "accounts": "an account: a mapping with id and name",
    "users": "a user: a mapping with email, role, api_key and scopes",
    "senders": "a sender: a mapping with number, type and country",
    "scopes": "a scope, such as sender-config:read",
}
_WORDS = {"role": "a role", "type": "a sender type", "country": "a country", "status": "a status"}
_PATTERNS = {
    "id": "is not an account id: letters, digits, '.', '_' and '-', starting with a letter "
    "or digit, at most 64 characters (a slug such as acme-us or a vendor id such as Qz4nW8)",
    "email": "is not an email address",
    "api_key": "is not a key: 8 to 200 printable characters without spaces",
    "scopes": "is not a scope: write name:read or name:write, such as sender-config:read",
}


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem of a seed: where (the value's path) and what, without the key's name."""

    loc: Loc
    message: str
    at_key: bool = False  # point at the key itself (an unknown key), not its value


def _shape(loc: Loc) -> tuple[str, ...]:
    return tuple("*" if isinstance(p, int) else p for p in loc)


def dotted(loc: Loc) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            text = part.encode("utf-8", "backslashreplace").decode()  # a key from bad JSON
            out += f".{text}" if out else text
    return out or "(top level)"


def _name(loc: Loc) -> str:
    """The key a problem is about, with its list index: ``forward_to``, ``scopes[2]``."""
    for i in range(len(loc) - 1, -1, -1):
        if isinstance(loc[i], str):
            return dotted(loc[i:])
    return "(top level)"


def _value(value: Any, loc: Loc) -> str:
    """What a value is, in words; a key is never shown."""
    if "api_key" in loc:
        return "the key given"
    if value is None:
        return "empty (null)"
    if isinstance(value, Unreadable):
        return f"the value {shown(value.raw)}"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text {shown(value)}"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"a {type(value).__name__}"


def _choices(model: type[BaseModel] | None, field: str) -> list[str]:
    if model is None or field not in model.model_fields:
        return []
    annotation = model.model_fields[field].annotation
    while get_origin(annotation) is not Literal and get_args(annotation):
        annotation = get_args(annotation)[0]  # Optional[Literal[...]] and the like
    return [str(a) for a in get_args(annotation)] if get_origin(annotation) is Literal else []


def problem_of(prefix: Loc, err: Mapping[str, Any]) -> Problem:
    """A pydantic error of the part at ``prefix``, in callfwd's words."""
    loc: Loc = prefix + tuple(err["loc"])
    kind: str = err["type"]
    ctx: Mapping[str, Any] = err.get("ctx") or {}
    value = err.get("input")
    name = next((p for p in reversed(loc) if isinstance(p, str)), "")
    owner = MODELS.get(_shape(loc[:-1]))
    if kind == "extra_forbidden":
        fields = list(owner.model_fields) if owner else []
        return Problem(loc, f"unknown key; {did_you_mean(name, fields)}", at_key=True)
    if kind == "missing":
        noun = _NOUNS.get(_shape(loc[:-1]), "entry")
        model = MODELS.get(_shape(loc[:-1]))
        needed = [n for n, f in model.model_fields.items() if f.is_required()] if model else []
        listed = (
            ", ".join(needed[:-1]) + " and " + needed[-1] if len(needed) > 1 else "".join(needed)
        )
        return Problem(loc, f"missing; every {noun} needs {listed}")
    if kind == "literal_error":
        hint = did_you_mean(str(value), _choices(owner, name))
        return Problem(loc, f"{_value(value, loc)} is not {_WORDS.get(name, 'allowed')}; {hint}")
    if kind == "string_pattern_mismatch":
        what = _PATTERNS.get(name, "is not allowed here")
        return Problem(loc, f"{_value(value, loc)} {what}")
    if kind == "string_unicode":  # JSON can write a lone surrogate; no database can hold it
        what = "a key in it is" if not isinstance(value, str) else "it is"
        return Problem(loc, f"{what} not text: a lone surrogate (\\ud800-\\udfff)")
    if kind == "string_too_short":
        return Problem(loc, f"must be at least {ctx.get('min_length')} characters")
    if kind == "string_too_long":
        return Problem(loc, f"must be at most {ctx.get('max_length')} characters")
    if kind.startswith("datetime") or kind.startswith("date_"):
        return Problem(
            loc,
            f"{_value(value, loc)} is not a time; write ISO 8601, such as 2026-01-01T00:00:00Z",
        )
    if kind.endswith("_type") or kind == "model_attributes_type":
        if (isinstance(loc[-1], int) and len(loc) > 1) or _shape(loc) in _NOUNS:
            expected = _ITEMS.get(str(loc[-2]), "a mapping")
        else:
            expected = _EXPECTED.get(name, "text")
        return Problem(loc, f"must be {expected}, not {_value(value, loc)}")
    return Problem(loc, str(err.get("msg", "is not allowed")).removeprefix("Value error, "))


def render(
    origin: str, problems: list[Problem], root: MappingNode | None
) -> list[tuple[tuple[int, int], str]]:
    """Each problem's (line, column) and line: ``seed.yaml:3:7: forward_to: …`` with a root,
    else ``accounts[0].senders[1].forward_to: …`` (at 0, 0: in the order found)."""
    if root is None:
        return [((0, 0), f"{dotted(p.loc)}: {p.message}") for p in problems]
    placed = []
    for p in problems:
        node, key, reached = find(root, p.loc)
        at: Node = key if p.at_key and key is not None and reached == len(p.loc) else node
        text = f"{_name(p.loc)}: {p.message}" if p.loc else p.message
        placed.append(((at.line, at.column), f"{origin}:{at.line}:{at.column}: {text}"))
    return placed
