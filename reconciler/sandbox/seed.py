"""Seed files: the accounts, users with keys, senders and forwardings the sandbox starts with.

Shape (YAML for ``callfwd serve --seed``, the same as JSON for ``POST /_sandbox/reset``)::

    accounts:
      - id: acme-us                 # the name manifests use in ``account:``; any vendor-style
        name: Acme US               # id works too (letters and digits, e.g. Qz4nW8)
        configuration:              # optional; these are the defaults
          {org_prefix: Acme US, opt_out_language: "Reply STOP to opt out.", status: active}
        users:
          - {email: dana@acme.example, role: manager, api_key: sandbox-acme-manager,
             scopes: [sender-config:read, sender-config:write]}
        senders:
          - {number: "+18335550100", type: toll_free, country: US, status: active,
             forward_to: "+12125550199"}
          - {number: null, type: toll_free, country: US, status: pending_registration}
          # number may be null only while pending_registration (the API then shows
          # sender_identifier: null). Optional: id (the sender id the API shows; derived
          # from account, number and country when left out) and created_at (ISO 8601).

Every toll-free sender gets a registration whose status follows the sender's
(``vocab.REGISTRATION_FOR_STATUS``); every account gets a text-messaging
configuration.

Loading never half-works: every part (the file, each account, user and sender)
is checked on its own, so every problem is reported at once with where it is:
``seed.yaml:12:20: forward_to: …`` for a file (read with the manifests'
positioned loader, so the same YAML is refused the same way), or
``accounts[0].senders[2].forward_to: …`` for a seed posted as JSON. The words
are callfwd's (``seed_messages``); a key is never echoed.

Hostile but valid strings stay possible where the vendor allows them: account
names and alpha sender names are any text, and sender ids (opaque strings on
the vendor's side) may be any text of up to 200 characters, so rendering tests
can seed markup and control characters.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from reconciler.diagnostics import Diagnostic
from reconciler.domain import numbers
from reconciler.domain.senders import may_forward
from reconciler.errors import CallfwdError
from reconciler.manifest.loader import MAX_BYTES, MappingNode, load
from reconciler.manifest.paths import Refusal, given_file
from reconciler.sandbox.seed_messages import MAX_SHOWN, Problem, problem_of, render
from reconciler.sandbox.seed_model import (
    SeedAccount,
    SeedFile,
    SeedSender,
    SeedUser,
)

DEFAULT_CREATED_AT = "2026-01-01T00:00:00Z"
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
M = TypeVar("M", bound=BaseModel)


class SeedError(CallfwdError):
    """A seed that cannot be loaded; the message lists every problem."""


@dataclass(frozen=True, slots=True)
class UserRow:
    key_hash: str
    key_id: str
    account_id: str
    email: str
    role: str
    scopes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SenderRow:
    id: str
    account_id: str
    identifier: str | None
    type: str
    country: str
    status: str
    forwarding_number: str | None
    created_at: str
    registration_id: str | None  # toll-free senders only


@dataclass(frozen=True, slots=True)
class ConfigurationRow:
    account_id: str
    org_prefix: str
    opt_out_language: str
    status: str


@dataclass(frozen=True, slots=True)
class Seed:
    """A checked seed, ready to be written: numbers in E.164, keys hashed."""

    accounts: tuple[tuple[str, str], ...]
    users: tuple[UserRow, ...]
    senders: tuple[SenderRow, ...]
    configurations: tuple[ConfigurationRow, ...] = ()


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def key_id(key_hash: str) -> str:
    """What logs and the audit log show for a key: never the key itself."""
    return key_hash[:8]


def sender_id(account: str, identifier: str, country: str) -> str:
    """A stable ULID-looking id, so the same seed always gives the same ids."""
    return _ulid_like(f"{account}|{identifier}|{country}")


def registration_id(sender: str) -> str:
    """The id of a toll-free sender's registration, stable for the sender's id."""
    return _ulid_like(f"registration|{sender}")


def _ulid_like(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()
    value = int.from_bytes(digest[:17], "big")
    return "".join(_CROCKFORD[(value >> (5 * i)) & 31] for i in range(25, -1, -1))


# Number checks are pure; caching them makes re-seeding the same bulk seed cheap.
_check_sender = functools.lru_cache(maxsize=1 << 16)(numbers.check_sender)
_check_forward_to = functools.lru_cache(maxsize=1 << 16)(numbers.check_forward_to)


def _identifier(s: SeedSender) -> tuple[str | None, str]:
    """The sender's identifier as the API shows it, or None and why not."""
    if s.number is None:
        return None, "only a sender with status pending_registration may have no number"
    raw = s.number.strip()
    if s.type == "toll_free":
        result = _check_sender(raw)
        if result.e164 is None:
            return None, f"not a toll-free number: {result.message}"
        return result.e164, ""
    if s.type in ("short_code", "vanity_short_code"):
        if not numbers.is_short_code(raw):
            return None, f"{raw!r} is not a short code (5 or 6 digits)"
        return raw, ""
    if s.type == "long_code":
        e164 = numbers.normalise(raw)
        if e164 is None:
            return None, f"{raw!r} is not a phone number"
        return e164, ""
    return raw, ""  # alpha sender ids are names


def _created(s: SeedSender) -> str:
    if s.created_at is None:
        return DEFAULT_CREATED_AT
    when = s.created_at.astimezone(UTC) if s.created_at.tzinfo is not None else s.created_at
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _items(data: Mapping[str, Any], name: str) -> list[Any]:
    value = data.get(name)
    return value if isinstance(value, list) else []


class _Checker:
    """Every part of a seed checked on its own; the rows of the parts that pass."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.accounts: list[tuple[str, str]] = []
        self.users: list[UserRow] = []
        self.senders: list[SenderRow] = []
        self.configurations: list[ConfigurationRow] = []
        self._accounts: set[str] = set()
        self._keys: dict[str, str] = {}
        self._sender_ids: set[str] = set()

    def part(self, model: type[M], data: Any, loc: tuple[str | int, ...]) -> M | None:
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            self.problems += [problem_of(loc, e) for e in exc.errors(include_url=False)]
            return None

    def seed(self, data: Mapping[str, Any]) -> Seed:
        self.part(SeedFile, data, ())
        for i, raw in enumerate(_items(data, "accounts")):
            self.account(i, raw)
        return Seed(
            tuple(self.accounts), tuple(self.users), tuple(self.senders), tuple(self.configurations)
        )

    def account(self, i: int, raw: Any) -> None:
        at = ("accounts", i)
        account = self.part(SeedAccount, raw, at)
        if not isinstance(raw, Mapping):
            return
        if account is not None:
            if account.id in self._accounts:
                self.problems.append(Problem((*at, "id"), f"account {account.id!r} appears twice"))
            self._accounts.add(account.id)
            self.accounts.append((account.id, account.name))
            c = account.configuration
            self.configurations.append(
                ConfigurationRow(
                    account.id, c.org_prefix or account.name[:50], c.opt_out_language, c.status
                )
            )
        account_id = account.id if account is not None else str(raw.get("id", f"#{i}"))
        for j, user in enumerate(_items(raw, "users")):
            self.user((*at, "users", j), account_id, user)
        numbers_seen: set[tuple[str, str]] = set()
        for j, sender in enumerate(_items(raw, "senders")):
            self.sender((*at, "senders", j), j, account_id, sender, numbers_seen)

    def user(self, at: tuple[str | int, ...], account_id: str, raw: Any) -> None:
        user = self.part(SeedUser, raw, at)
        if user is None:
            return
        digest = hash_key(user.api_key)
        if digest in self._keys:
            self.problems.append(
                Problem(
                    (*at, "api_key"),
                    f"the same key is already given to {self._keys[digest]}; "
                    "every user needs a key of its own",
                )
            )
        self._keys[digest] = user.email
        scopes = tuple(dict.fromkeys(user.scopes))
        self.users.append(
            UserRow(digest, key_id(digest), account_id, user.email, user.role, scopes)
        )

    def sender(
        self,
        at: tuple[str | int, ...],
        index: int,
        account_id: str,
        raw: Any,
        numbers_seen: set[tuple[str, str]],
    ) -> None:
        s = self.part(SeedSender, raw, at)
        if s is None:
            return
        known, ident = self.number(at, s, account_id, numbers_seen)
        if not known:
            return
        forward = self.forward_to(at, s, ident)
        sid = s.id or sender_id(account_id, ident or f"pending-{index}", s.country)
        if sid in self._sender_ids:
            self.problems.append(Problem((*at, "id"), f"sender id {sid!r} appears twice"))
        self._sender_ids.add(sid)
        self.senders.append(
            SenderRow(
                sid,
                account_id,
                ident,
                s.type,
                s.country,
                s.status,
                forward,
                _created(s),
                registration_id(sid) if s.type == "toll_free" else None,
            )
        )

    def number(
        self,
        at: tuple[str | int, ...],
        s: SeedSender,
        account_id: str,
        numbers_seen: set[tuple[str, str]],
    ) -> tuple[bool, str | None]:
        """(whether the sender's number may be stored, its identifier: None while pending)."""
        pending = s.number is None and s.status == "pending_registration"
        ident, why = (None, "") if pending else _identifier(s)
        if ident is None and not pending:
            self.problems.append(Problem((*at, "number"), why))
            return False, None
        if ident is not None and (ident, s.country) in numbers_seen:
            self.problems.append(
                Problem((*at, "number"), f"{ident} ({s.country}) appears twice in {account_id}")
            )
        numbers_seen.add((ident or "", s.country))
        return True, ident

    def forward_to(self, at: tuple[str | int, ...], s: SeedSender, ident: str | None) -> str | None:
        """The sender's forwarding number as stored (E.164), or None; a problem if it may not."""
        if s.forward_to is None:
            return None
        if not may_forward(s.type, s.country):
            self.problems.append(
                Problem(
                    (*at, "forward_to"),
                    f"only US toll-free senders can forward calls; this is a {s.country} "
                    f"{s.type} sender",
                )
            )
            return None
        result = _check_forward_to(s.forward_to, sender=ident)
        if result.e164 is None:
            self.problems.append(Problem((*at, "forward_to"), result.message))
        return result.e164


def parse_seed(data: Any, *, origin: str = "seed") -> Seed:
    """Check a seed given as parsed JSON (or YAML); raise SeedError listing every problem."""
    return _checked(data, origin, None, [])


def _checked(data: Any, origin: str, root: MappingNode | None, found: list[Diagnostic]) -> Seed:
    """The seed in ``data``, or SeedError with ``found`` (the loader's) and every other problem.

    ``root``: the positioned node tree the data was read from, for ``origin:line:col``.
    """
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise SeedError(f"{origin}: expected a mapping with 'accounts' at the top level")
    checker = _Checker()
    seed = checker.seed(data)
    if checker.problems or found:
        placed = render(origin, checker.problems, root)
        loaded = [
            ((d.position.line, d.position.column), f"{d.position}: {d.message}") for d in found
        ]
        lines = [text for _, text in sorted(loaded + placed, key=lambda x: x[0])]
        raise SeedError(_summary(origin, lines))
    return seed


def _summary(origin: str, lines: list[str]) -> str:
    if len(lines) == 1:
        return lines[0] if lines[0].startswith(f"{origin}:") else f"{origin}: {lines[0]}"
    shown = lines[:MAX_SHOWN]
    more = f"\n  ... and {len(lines) - MAX_SHOWN:,} more" if len(lines) > MAX_SHOWN else ""
    return f"{origin}: {len(lines)} problems:\n  " + "\n  ".join(shown) + more


def load_seed(source: str | Path | Mapping[str, Any], *, root: Path | None = None) -> Seed:
    """Read a seed from a YAML file path, YAML text or already-parsed data.

    A file is one the operator named: it may lie outside the repository ``root``
    (default: the current directory's), but a symbolic link inside the repository
    that leads out is refused unread (CF020).
    """
    if isinstance(source, Mapping):
        return parse_seed(source)
    if isinstance(source, Path):
        origin = str(source)
        where = given_file(source, root)
        if isinstance(where, Refusal):
            raise SeedError(where.line(origin))
        try:
            with where.open("rb") as fh:
                data = fh.read(MAX_BYTES + 1)
        except FileNotFoundError:
            raise SeedError(f"{origin}: seed file not found") from None
        except OSError as exc:
            raise SeedError(f"{origin}: cannot read the seed file ({exc.strerror})") from None
    else:
        origin, data = "seed", source.encode("utf-8", "surrogatepass")
    loaded = load(origin, data, subject="a seed")
    errors = [d for d in loaded.diagnostics if d.severity == "error"]
    tree = loaded.root
    return _checked(tree.value if tree is not None else {}, origin, tree, errors)
