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

Loading never half-works: every problem is collected and reported at once
with where it is (``accounts[0].senders[2].forward_to: ...``).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from reconciler import numbers
from reconciler.errors import CallfwdError
from reconciler.roles import Role
from reconciler.sandbox.vocab import (
    ConfigurationStatus,
    Country,
    SenderStatus,
    SenderType,
)

DEFAULT_CREATED_AT = "2026-01-01T00:00:00Z"
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


class SeedError(CallfwdError):
    """A seed that cannot be loaded; the message lists every problem."""


def _to_str(value: Any) -> Any:
    # PyYAML reads an unquoted +18335550100 as an int; take it as the digits it was.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


Text = Annotated[str, BeforeValidator(_to_str)]
DEFAULT_OPT_OUT = "Reply STOP to opt out."


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SeedUser(_Model):
    email: str = Field(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")
    role: Role
    api_key: str = Field(min_length=8, max_length=200, pattern=r"^[\x21-\x7e]+$")
    scopes: list[Annotated[str, Field(pattern=r"^[a-z][a-z-]*:(read|write)$")]] = Field(
        default_factory=list
    )


class SeedSender(_Model):
    number: Text | None = Field(min_length=1, max_length=40)
    type: SenderType
    country: Country
    status: SenderStatus = "active"
    forward_to: Text | None = Field(default=None, max_length=40)
    id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{1,64}$")
    created_at: datetime | None = None


class SeedConfiguration(_Model):
    org_prefix: str | None = Field(default=None, min_length=1, max_length=50)
    opt_out_language: str = Field(default=DEFAULT_OPT_OUT, min_length=1, max_length=200)
    status: ConfigurationStatus = "active"


class SeedAccount(_Model):
    # Slugs (acme-us) and the vendor's opaque mixed-case ids (Qz4nW8) alike.
    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
    name: str = Field(min_length=1, max_length=200)
    configuration: SeedConfiguration = Field(default_factory=SeedConfiguration)
    users: list[SeedUser] = Field(default_factory=list)
    senders: list[SeedSender] = Field(default_factory=list)


class SeedModel(_Model):
    accounts: list[SeedAccount] = Field(default_factory=list)


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
    digest = hashlib.sha256(text.encode()).digest()
    value = int.from_bytes(digest[:17], "big")
    return "".join(_CROCKFORD[(value >> (5 * i)) & 31] for i in range(25, -1, -1))


def _where(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


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


def _check(model: SeedModel) -> tuple[Seed, list[str]]:
    problems: list[str] = []
    accounts: list[tuple[str, str]] = []
    users: list[UserRow] = []
    senders: list[SenderRow] = []
    configurations: list[ConfigurationRow] = []
    seen_accounts: set[str] = set()
    seen_keys: dict[str, str] = {}
    seen_ids: set[str] = set()
    for a_i, account in enumerate(model.accounts):
        at = f"accounts[{a_i}]"
        if account.id in seen_accounts:
            problems.append(f"{at}.id: account {account.id!r} appears twice")
        seen_accounts.add(account.id)
        accounts.append((account.id, account.name))
        c = account.configuration
        configurations.append(
            ConfigurationRow(
                account.id, c.org_prefix or account.name[:50], c.opt_out_language, c.status
            )
        )
        for u_i, user in enumerate(account.users):
            digest = hash_key(user.api_key)
            if digest in seen_keys:
                problems.append(
                    f"{at}.users[{u_i}].api_key: the same key is already given to "
                    f"{seen_keys[digest]}; every user needs a key of its own"
                )
            seen_keys[digest] = user.email
            scopes = tuple(dict.fromkeys(user.scopes))
            users.append(UserRow(digest, key_id(digest), account.id, user.email, user.role, scopes))
        seen_numbers: set[tuple[str, str]] = set()
        for s_i, s in enumerate(account.senders):
            st = f"{at}.senders[{s_i}]"
            pending = s.number is None and s.status == "pending_registration"
            ident, why = (None, "") if pending else _identifier(s)
            if ident is None and not pending:
                problems.append(f"{st}.number: {why}")
                continue
            if ident is not None and (ident, s.country) in seen_numbers:
                problems.append(f"{st}.number: {ident} ({s.country}) appears twice in {account.id}")
            seen_numbers.add((ident or "", s.country))
            forward: str | None = None
            if s.forward_to is not None:
                if not (s.type == "toll_free" and s.country == "US"):
                    problems.append(
                        f"{st}.forward_to: only US toll-free senders can forward calls; "
                        f"this is a {s.country} {s.type} sender"
                    )
                else:
                    result = _check_forward_to(s.forward_to, sender=ident)
                    if result.e164 is None:
                        problems.append(f"{st}.forward_to: {result.message}")
                    forward = result.e164
            sid = s.id or sender_id(account.id, ident or f"pending-{s_i}", s.country)
            if sid in seen_ids:
                problems.append(f"{st}.id: sender id {sid!r} appears twice")
            seen_ids.add(sid)
            created = (
                s.created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
                if s.created_at is not None and s.created_at.tzinfo is not None
                else (s.created_at.strftime("%Y-%m-%dT%H:%M:%SZ") if s.created_at else None)
            )
            senders.append(
                SenderRow(
                    sid,
                    account.id,
                    ident,
                    s.type,
                    s.country,
                    s.status,
                    forward,
                    created or DEFAULT_CREATED_AT,
                    registration_id(sid) if s.type == "toll_free" else None,
                )
            )
    seed = Seed(tuple(accounts), tuple(users), tuple(senders), tuple(configurations))
    return seed, problems


def parse_seed(data: Any, *, origin: str = "seed") -> Seed:
    """Check a seed given as parsed YAML or JSON; raise SeedError listing every problem."""
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise SeedError(f"{origin}: expected a mapping with 'accounts' at the top level")
    try:
        model = SeedModel.model_validate(data)
    except ValidationError as exc:
        lines = [
            f"{_where(tuple(e['loc']))}: {e['msg']}"
            + (f" (got {e['input']!r})" if _show_input(e["loc"], e["input"]) else "")
            for e in exc.errors()
        ]
        raise SeedError(_summary(origin, lines)) from None
    seed, problems = _check(model)
    if problems:
        raise SeedError(_summary(origin, problems))
    return seed


def _show_input(loc: Any, value: Any) -> bool:
    # Never echo a key, even a sandbox one.
    return not isinstance(value, Mapping | list) and "api_key" not in loc


def _summary(origin: str, lines: list[str]) -> str:
    if len(lines) == 1:
        return f"{origin}: {lines[0]}"
    shown = lines[:20]
    more = f"\n  ... and {len(lines) - 20} more" if len(lines) > 20 else ""
    return f"{origin}: {len(lines)} problems:\n  " + "\n  ".join(shown) + more


def load_seed(source: str | Path | Mapping[str, Any]) -> Seed:
    """Read a seed from a YAML file path, YAML text or already-parsed data."""
    if isinstance(source, Mapping):
        return parse_seed(source)
    if isinstance(source, Path):
        origin = str(source)
        try:
            text = source.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise SeedError(f"{origin}: seed file not found") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise SeedError(f"{origin}: cannot read the seed file ({exc})") from None
    else:
        origin, text = "seed", source
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        data = yaml.load(text, Loader=loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise SeedError(f"{origin}: not valid YAML: {where}{problem}") from None
    return parse_seed(data, origin=origin)
