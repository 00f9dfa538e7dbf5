"""Pydantic's errors about callfwd.yaml, as diagnostics at the right line and column."""

from __future__ import annotations

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
from reconciler.manifest.loader import MappingNode, ScalarNode, find
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


def diagnose(path: str, root: MappingNode, err: Any) -> Diagnostic:
    loc: Loc = tuple(err["loc"])
    kind: str = err["type"]
    node, key, _ = find(root, loc)
    name = next((str(p) for p in reversed(loc) if isinstance(p, str)), "item")
    at = Position(path, node.line, node.column)
    here = dotted(loc)

    if kind == "extra_forbidden":
        if key is not None:
            at = Position(path, key.line, key.column)
        if name == "api_key":
            return error(
                at,
                codes.CONFIG_API_KEY,
                "api_key: keys are never read from callfwd.yaml; put the key in an "
                "environment variable and name it with api_key_env",
            )
        model = _MODELS.get(_shape(loc[:-1]), Config)
        where = f" in {dotted(loc[:-1])}" if loc[:-1] else ""
        hint = did_you_mean(name, fields_of(model))
        if name == "account_id" and model is DefaultsConfig:
            hint = "account_id belongs to each account, not to defaults"
        return error(at, codes.CONFIG_UNKNOWN_KEY, f"unknown key {shown(name)}{where}; {hint}")
    if kind == "bool_type":
        return error(
            at, codes.CONFIG_NOT_BOOL, f"{here} must be true or false, not {describe(node)}"
        )
    if kind.endswith("_type") or kind in ("int_from_float", "model_attributes_type"):
        expected = "text" if isinstance(loc[-1], int) else _EXPECTED.get(name, "another type")
        if _shape(loc) == ("accounts", "*"):
            expected = "a mapping of its settings ({} for none)"
        msg = f"{here} must be {expected}, not {describe(node)}"
        if (
            isinstance(node, ScalarNode)
            and node.plain
            and node.value is not None
            and (name in _TEXT_FIELDS or isinstance(loc[-1], int))
        ):
            msg += (
                f'; quote it: {name}: "{excerpt(node.raw)}"'
                if name in _TEXT_FIELDS
                else "; quote it"
            )
        return error(at, codes.CONFIG_WRONG_TYPE, msg)
    ctx = err.get("ctx") or {}
    if kind == "literal_error":
        choices = _LITERALS.get(name, ())
        words = f"{', '.join(choices[:-1])} or {choices[-1]}" if choices else "another value"
        msg = f"{here} must be {words}, not {describe(node)}"
        if isinstance(node, ScalarNode) and isinstance(node.value, str) and choices:
            hint = did_you_mean(node.value, list(choices))
            if hint.startswith("did you mean"):
                msg += f"; {hint}"
        return error(at, codes.CONFIG_BAD_VALUE, msg)
    if kind in ("greater_than_equal", "greater_than"):
        bound = _number(ctx.get("ge", ctx.get("gt")))
        msg = f"{here} must be at least {bound}, not {describe(node)}"
    elif kind in ("less_than_equal", "less_than"):
        bound = _number(ctx.get("le", ctx.get("lt")))
        msg = f"{here} must be at most {bound}, not {describe(node)}"
    else:
        msg = f"{here} {str(err['msg']).removeprefix('Value error, ')}"
    return error(at, codes.CONFIG_BAD_VALUE, msg)


def _number(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)
