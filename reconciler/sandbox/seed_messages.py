"""A seed's problems in callfwd's words, each with where it is.

A seed read from a file names ``seed.yaml:line:col`` (the manifests' positioned
loader keeps every value's place); a seed posted as JSON names the value's path
(``accounts[0].senders[2].forward_to``). Pydantic's errors are turned into
sentences that say what to write; an unknown key gets a "did you mean". A key
(``api_key``) is never shown.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
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


@dataclass(frozen=True, slots=True)
class _Error:
    """One pydantic error, with what the sentences about it need."""

    loc: Loc
    ctx: Mapping[str, Any]
    value: Any
    name: str  # the key it is about
    owner: type[BaseModel] | None  # the model that holds that key

    @property
    def shown(self) -> str:
        return _value(self.value, self.loc)


def _unknown_key(e: _Error) -> Problem:
    fields = list(e.owner.model_fields) if e.owner else []
    return Problem(e.loc, f"unknown key; {did_you_mean(e.name, fields)}", at_key=True)


def _missing(e: _Error) -> Problem:
    noun = _NOUNS.get(_shape(e.loc[:-1]), "entry")
    fields = e.owner.model_fields.items() if e.owner else ()
    needed = [n for n, f in fields if f.is_required()]
    listed = ", ".join(needed[:-1]) + " and " + needed[-1] if len(needed) > 1 else "".join(needed)
    return Problem(e.loc, f"missing; every {noun} needs {listed}")


def _literal(e: _Error) -> Problem:
    hint = did_you_mean(str(e.value), _choices(e.owner, e.name))
    return Problem(e.loc, f"{e.shown} is not {_WORDS.get(e.name, 'allowed')}; {hint}")


def _pattern(e: _Error) -> Problem:
    return Problem(e.loc, f"{e.shown} {_PATTERNS.get(e.name, 'is not allowed here')}")


def _not_text(e: _Error) -> Problem:
    # JSON can write a lone surrogate; no database can hold it
    what = "a key in it is" if not isinstance(e.value, str) else "it is"
    return Problem(e.loc, f"{what} not text: a lone surrogate (\\ud800-\\udfff)")


def _characters(n: object) -> str:
    return f"{n} character{'' if n == 1 else 's'}"


def _too_short(e: _Error) -> Problem:
    return Problem(e.loc, f"must be at least {_characters(e.ctx.get('min_length'))}")


def _too_long(e: _Error) -> Problem:
    return Problem(e.loc, f"must be at most {_characters(e.ctx.get('max_length'))}")


def _not_a_time(e: _Error) -> Problem:
    return Problem(e.loc, f"{e.shown} is not a time; write ISO 8601, such as 2026-01-01T00:00:00Z")


def _wrong_type(e: _Error) -> Problem:
    loc = e.loc
    if (isinstance(loc[-1], int) and len(loc) > 1) or _shape(loc) in _NOUNS:
        expected = _ITEMS.get(str(loc[-2]), "a mapping")
    else:
        expected = _EXPECTED.get(e.name, "text")
    return Problem(loc, f"must be {expected}, not {e.shown}")


_BY_KIND: dict[str, Callable[[_Error], Problem]] = {
    "extra_forbidden": _unknown_key,
    "missing": _missing,
    "literal_error": _literal,
    "string_pattern_mismatch": _pattern,
    "string_unicode": _not_text,
    "string_too_short": _too_short,
    "string_too_long": _too_long,
}


def _sentence(kind: str) -> Callable[[_Error], Problem] | None:
    """What says an error of ``kind`` in callfwd's words (None: pydantic's own words)."""
    if kind in _BY_KIND:
        return _BY_KIND[kind]
    if kind.startswith(("datetime", "date_")):
        return _not_a_time
    if kind.endswith("_type"):
        return _wrong_type
    return None


def problem_of(prefix: Loc, err: Mapping[str, Any]) -> Problem:
    """A pydantic error of the part at ``prefix``, in callfwd's words."""
    loc: Loc = prefix + tuple(err["loc"])
    sentence = _sentence(err["type"])
    if sentence is None:
        return Problem(loc, str(err.get("msg", "is not allowed")).removeprefix("Value error, "))
    return sentence(
        _Error(
            loc=loc,
            ctx=err.get("ctx") or {},
            value=err.get("input"),
            name=next((p for p in reversed(loc) if isinstance(p, str)), ""),
            owner=MODELS.get(_shape(loc[:-1])),
        )
    )


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
