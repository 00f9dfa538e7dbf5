"""Read ``callfwd.yaml`` the way manifests are read: positioned, strict, every problem at once.

The bytes go through the manifests' loader (``reconciler.manifest.loader``):
the same refusals (duplicate keys, tabs, tags, anchors, merge keys, several
documents) with the same CF0xx codes. Then the node tree is checked against
the models (``reconciler.config.model``) and each problem becomes a diagnostic
at its ``callfwd.yaml:line:col`` with a CF6xx code. All of them are raised
together in one ``ConfigFileError``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from reconciler.config.messages import diagnose, dotted
from reconciler.config.model import DEFAULT_CONFIG, Config
from reconciler.config.urls import control_character, url_problem
from reconciler.diagnostics import Diagnostic, Position, codes, error
from reconciler.errors import ConfigError
from reconciler.manifest.loader import (
    MAX_BYTES,
    MappingNode,
    Node,
    ScalarNode,
    load,
)
from reconciler.manifest.paths import Refusal, given_file, repository_root
from reconciler.manifest.text import excerpt, shown

# YAML 1.1 reads these as booleans too; in callfwd.yaml a switch is true or false.
_BOOLEAN_WORDS = {"true", "false"}
_BOOL_FIELDS = (("defaults", "prune"), ("accounts", "*", "prune"))


class ConfigFileError(ConfigError):
    """callfwd.yaml has problems; ``diagnostics`` holds each one with its position."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = sorted(diagnostics, key=lambda d: d.sort_key)
        super().__init__(
            "\n".join(f"{d.position}: error[{d.code}] {d.message}" for d in self.diagnostics)
        )


class ConfigNotFoundError(ConfigError):
    """An explicit ``--config FILE`` that does not exist (a usage error)."""


def load_config(path: str | Path | None = None, *, option: str = "--config") -> Config:
    """Read ``path`` (or ``./callfwd.yaml`` when it exists); defaults otherwise.

    The file must be inside its repository once symbolic links are followed
    (``reconciler.manifest.paths``): a callfwd.yaml that links out is refused
    unread. ``option`` names the flag that gave ``path``, for a missing file.
    """
    explicit = path is not None
    p = Path(path if path is not None else DEFAULT_CONFIG)
    if not p.exists():
        if explicit:
            raise ConfigNotFoundError(f"{option} {p}: config file not found")
        return Config()
    where = given_file(p, repository_root(p))
    if isinstance(where, Refusal):
        raise ConfigFileError([where.diagnostic(p.as_posix())])
    try:
        with where.open("rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise ConfigError(f"{p}: cannot read: {exc.strerror}") from exc
    return parse_config(str(p), data)


def parse_config(name: str, data: bytes) -> Config:
    """The ``Config`` in ``data`` (read from ``name``); raises ``ConfigFileError``.

    ``manifests:`` are relative to the file's folder: read from
    ``infra/callfwd.yaml``, ``manifests/`` is ``infra/manifests/``.
    """
    loaded = load(name, data, subject=name.rsplit("/", 1)[-1])
    diags = list(loaded.diagnostics)
    errors = [d for d in diags if d.severity == "error"]
    if loaded.root is None:
        if errors:
            raise ConfigFileError(diags)
        return _relative_to(Config(source=name), name)
    root = loaded.root
    diags = errors + _check_controls(name, root)
    diags += _check_booleans(name, root) + _check_urls(name, root, diags)
    diags += _check_ids(name, root)
    try:
        config = Config.model_validate({**_without(root, diags), "source": name})
    except ValidationError as exc:
        diags += [diagnose(name, root, e) for e in exc.errors(include_url=False)]
    if diags:
        raise ConfigFileError(_unique(diags))
    config = _relative_to(config, name)
    config._root = root
    return config


def _relative_to(config: Config, name: str) -> Config:
    """``config`` with its manifest paths joined to the folder of the file it came from."""
    folder = os.path.dirname(name)
    if not folder:
        return config
    joined = []
    for entry in config.manifests:
        path = os.path.normpath(os.path.join(folder, entry))
        joined.append(path + "/" if entry.endswith("/") and not path.endswith("/") else path)
    return config.model_copy(update={"manifests": joined})


def _unique(diags: list[Diagnostic]) -> list[Diagnostic]:
    return list(dict.fromkeys(diags))


def _nodes(root: MappingNode, pattern: tuple[str, ...]) -> Iterator[tuple[ScalarNode, Node]]:
    """(key node, value node) of every setting matching ``pattern`` ("*": any key)."""
    level: list[tuple[ScalarNode | None, Node]] = [(None, root)]
    for part in pattern:
        nxt: list[tuple[ScalarNode | None, Node]] = []
        for _, node in level:
            if isinstance(node, MappingNode):
                nxt += [p for k, p in node.entries.items() if part in ("*", k)]
        level = nxt
    for key, node in level:
        assert key is not None
        yield key, node


def _check_booleans(name: str, root: MappingNode) -> list[Diagnostic]:
    """``prune: yes`` and friends: YAML 1.1 booleans that other tools read differently."""
    out = []
    for pattern in _BOOL_FIELDS:
        for key, node in _nodes(root, pattern):
            if not isinstance(node, ScalarNode) or node.kind != "bool" or not node.plain:
                continue  # not a YAML boolean: the model says what is wrong, if anything
            if node.raw.lower() in _BOOLEAN_WORDS:
                continue
            word = "true" if node.value else "false"
            out.append(
                error(
                    Position(name, node.line, node.column),
                    codes.CONFIG_NOT_BOOL,
                    f"{key.raw}: the unquoted value {node.raw} is read as the boolean "
                    f"{word} by YAML 1.1 (yes/no/on/off); write {key.raw}: {word}",
                )
            )
    return out


def _without(root: MappingNode, reported: list[Diagnostic]) -> dict[str, Any]:
    """The plain data, minus values already reported (so pydantic does not repeat them)."""
    if not reported:
        return root.value
    at = {(d.position.line, d.position.column) for d in reported}

    def strip(node: Node) -> Any:
        if isinstance(node, MappingNode):
            return {
                k: strip(v) for k, (_, v) in node.entries.items() if (v.line, v.column) not in at
            }
        return node.value

    return dict(strip(root))


Loc = tuple[str | int, ...]


def _texts(node: Node, loc: Loc) -> Iterator[tuple[Loc, ScalarNode, bool]]:
    """Every scalar of the tree, keys included: (where, node, whether it is a key)."""
    if isinstance(node, ScalarNode):
        yield loc, node, False
    elif isinstance(node, MappingNode):
        for key, (knode, value) in node.entries.items():
            yield loc, knode, True
            yield from _texts(value, (*loc, key))
    else:
        for i, item in enumerate(node.items):
            yield from _texts(item, (*loc, i))


def _check_controls(name: str, root: MappingNode) -> list[Diagnostic]:
    """Control characters in any text: a CR/LF in a URL or a name would split a header or a
    line of output later, far from here. The value itself is never repeated."""
    out = []
    for loc, node, is_key in _texts(root, ()):
        if not isinstance(node.value, str) or (found := control_character(node.value)) is None:
            continue
        here = dotted(loc)
        if control_character(here) is not None:
            continue  # reported at the key that holds it
        what = (f"a key under {here}" if here else "a top-level key") if is_key else here
        out.append(
            error(
                Position(name, node.line, node.column),
                codes.CONFIG_CONTROL_CHAR,
                f"{what} holds the control character {found}; remove it "
                "(callfwd.yaml takes no control characters in any text)",
            )
        )
    return out


def _check_urls(name: str, root: MappingNode, reported: list[Diagnostic]) -> list[Diagnostic]:
    out = []
    done = {(d.position.line, d.position.column) for d in reported}
    for pattern in (("defaults", "api_url"), ("accounts", "*", "api_url")):
        for key, node in _nodes(root, pattern):
            if (node.line, node.column) in done:
                continue
            if isinstance(node.value, str) and (bad := url_problem(node.value)):
                out.append(
                    error(
                        Position(name, node.line, node.column),
                        codes.CONFIG_BAD_URL,
                        f"{key.raw} {bad}",
                    )
                )
    return out


def _check_ids(name: str, root: MappingNode) -> list[Diagnostic]:
    """Two names for one vendor account would plan it twice, each blind to the other."""
    first: dict[str, str] = {}
    out = []
    for key, node in _nodes(root, ("accounts", "*")):
        given = node.entries.get("account_id") if isinstance(node, MappingNode) else None
        vendor_id = given[1].value if given is not None else key.raw
        if not isinstance(vendor_id, str):
            continue  # reported as a wrong type
        if vendor_id in first:
            at = given[1] if given is not None else key
            out.append(
                error(
                    Position(name, at.line, at.column),
                    codes.CONFIG_DUPLICATE_ID,
                    f"account {excerpt(key.raw)} has the account_id {shown(vendor_id)}, like "
                    f"account {excerpt(first[vendor_id])}; list each vendor account once",
                )
            )
        else:
            first[vendor_id] = key.raw
    return out
