"""Pydantic's errors about callfwd.yaml, as diagnostics at the right line and column."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from reconciler.config.model import (
    API_MODES,
    AccountConfig,
    Config,
    DefaultsConfig,
    NumbersConfig,
    RetryConfig,
    ThresholdsConfig,
)
from reconciler.diagnostics import Diagnostic, Position, codes, error
from reconciler.manifest.loader import MappingNode, Node, ScalarNode, find
from reconciler.manifest.parse import describe, did_you_mean, excerpt, shown

Loc = tuple[str | int, ...]

# Which model sits at a location; "*" is any account name.
_MODELS: dict[tuple[str, ...], type[BaseModel]] = {
    (): Config,
    ("defaults",): DefaultsConfig,
    ("defaults", "thresholds"): ThresholdsConfig,
    ("accounts", "*"): AccountConfig,
    ("accounts", "*", "thresholds"): ThresholdsConfig,
    ("retry",): RetryConfig,
    ("numbers",): NumbersConfig,
}
_EXPECTED = {
    "manifests": "a list of paths",
    "exclude": "a list of path patterns",
    "defaults": "a mapping of settings",
    "accounts": "a mapping of account names to their settings",
    "retry": "a mapping with max_attempts, max_total and max_connect_total",
    "thresholds": "a mapping with update_share, delete_share and min_existing",
    "account_id": "text (the vendor's account id)",
    "api_url": "text (a URL)",
    "api_key_env": "text (the name of an environment variable)",
    "prune": "true or false",
    "update_share": "a number from 0 to 1",
    "delete_share": "a number from 0 to 1",
    "min_existing": "a whole number",
    "max_attempts": "a whole number",
    "max_total": "a number of seconds",
    "max_connect_total": "a number of seconds",
    "max_pages": "a whole number",
    "api": "published, extended or auto",
}
_TEXT_FIELDS = {"account_id", "api_url", "api_key_env"}
# The choices of each setting that takes one of a few words.
_LITERALS: dict[str, tuple[str, ...]] = {
    "api": API_MODES,
    "us_territories": ("deny", "allow"),
}


def _shape(loc: Loc) -> tuple[str, ...]:
    parts = tuple(str(p) for p in loc)
    if len(parts) >= 2 and parts[0] == "accounts":
        parts = ("accounts", "*", *parts[2:])
    return parts


def dotted(loc: Loc) -> str:
    return ".".join(f"[{p}]" if isinstance(p, int) else p for p in loc).replace(".[", "[")


def fields_of(model: type[BaseModel]) -> list[str]:
    return [n for n, f in model.model_fields.items() if not f.exclude]


@dataclass(frozen=True, slots=True)
class _Error:
    """One pydantic error about callfwd.yaml, with the node it is about."""

    path: str
    loc: Loc
    node: Node
    key: Node | None  # the key's own node, where the value has one
    ctx: Mapping[str, Any]
    msg: str  # pydantic's words

    @property
    def name(self) -> str:
        return next((str(p) for p in reversed(self.loc) if isinstance(p, str)), "item")

    @property
    def here(self) -> str:
        return dotted(self.loc)

    @property
    def at(self) -> Position:
        return Position(self.path, self.node.line, self.node.column)


def diagnose(path: str, root: MappingNode, err: Any) -> Diagnostic:
    """A pydantic error about callfwd.yaml as a diagnostic at its value's line and column."""
    loc: Loc = tuple(err["loc"])
    node, key, _ = find(root, loc)
    e = _Error(path, loc, node, key, err.get("ctx") or {}, str(err["msg"]))
    return _sentence(err["type"])(e)


def _sentence(kind: str) -> Callable[[_Error], Diagnostic]:
    """What says an error of ``kind`` in callfwd's words."""
    if kind in _BY_KIND:
        return _BY_KIND[kind]
    if kind.endswith("_type") or kind == "int_from_float":
        return _wrong_type
    return _bad_value


def _unknown_key(e: _Error) -> Diagnostic:
    at = Position(e.path, e.key.line, e.key.column) if e.key is not None else e.at
    if e.name == "api_key":
        return error(
            at,
            codes.CONFIG_API_KEY,
            "api_key: keys are never read from callfwd.yaml; put the key in an "
            "environment variable and name it with api_key_env",
        )
    model = _MODELS.get(_shape(e.loc[:-1]), Config)
    where = f" in {dotted(e.loc[:-1])}" if e.loc[:-1] else ""
    hint = did_you_mean(e.name, fields_of(model))
    if e.name == "account_id" and model is DefaultsConfig:
        hint = "account_id belongs to each account, not to defaults"
    return error(at, codes.CONFIG_UNKNOWN_KEY, f"unknown key {shown(e.name)}{where}; {hint}")


def _not_bool(e: _Error) -> Diagnostic:
    msg = f"{e.here} must be true or false, not {describe(e.node)}"
    return error(e.at, codes.CONFIG_NOT_BOOL, msg)


def _wrong_type(e: _Error) -> Diagnostic:
    if _shape(e.loc) == ("accounts", "*"):
        expected = "a mapping of its settings ({} for none)"
    elif isinstance(e.loc[-1], int):
        expected = "text"
    else:
        expected = _EXPECTED.get(e.name, "another type")
    msg = f"{e.here} must be {expected}, not {describe(e.node)}" + _quote_it(e)
    return error(e.at, codes.CONFIG_WRONG_TYPE, msg)


def _quote_it(e: _Error) -> str:
    """How to write a plain scalar YAML read as another type (a number, say) as text."""
    node, name = e.node, e.name
    if not isinstance(node, ScalarNode) or not node.plain or node.value is None:
        return ""
    if name in _TEXT_FIELDS:
        return f'; quote it: {name}: "{excerpt(node.raw)}"'
    return "; quote it" if isinstance(e.loc[-1], int) else ""


def _literal(e: _Error) -> Diagnostic:
    choices = _LITERALS.get(e.name, ())
    words = f"{', '.join(choices[:-1])} or {choices[-1]}" if choices else "another value"
    msg = f"{e.here} must be {words}, not {describe(e.node)}"
    value = e.node.value if isinstance(e.node, ScalarNode) else None
    if isinstance(value, str) and choices:
        hint = did_you_mean(value, list(choices))
        if hint.startswith("did you mean"):
            msg += f"; {hint}"
    return error(e.at, codes.CONFIG_BAD_VALUE, msg)


def _at_least(e: _Error) -> Diagnostic:
    bound = _number(e.ctx.get("ge", e.ctx.get("gt")))
    msg = f"{e.here} must be at least {bound}, not {describe(e.node)}"
    return error(e.at, codes.CONFIG_BAD_VALUE, msg)


def _at_most(e: _Error) -> Diagnostic:
    bound = _number(e.ctx.get("le", e.ctx.get("lt")))
    msg = f"{e.here} must be at most {bound}, not {describe(e.node)}"
    return error(e.at, codes.CONFIG_BAD_VALUE, msg)


def _bad_value(e: _Error) -> Diagnostic:
    msg = f"{e.here} {e.msg.removeprefix('Value error, ')}"
    return error(e.at, codes.CONFIG_BAD_VALUE, msg)


_BY_KIND: dict[str, Callable[[_Error], Diagnostic]] = {
    "extra_forbidden": _unknown_key,
    "bool_type": _not_bool,
    "literal_error": _literal,
    "greater_than_equal": _at_least,
    "greater_than": _at_least,
    "less_than_equal": _at_most,
    "less_than": _at_most,
}


def _number(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)
