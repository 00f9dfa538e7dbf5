"""The shape of a seed, one model per part: the file, an account, a user, a sender.

Each part is validated on its own (``seed.py``), so one bad sender does not hide
the problems of the others: an account's ``users`` and ``senders`` are lists of
anything here and each item is then checked as a ``SeedUser`` or ``SeedSender``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from reconciler.domain.roles import Role
from reconciler.sandbox.vocab import (
    MAX_ID,
    ConfigurationStatus,
    Country,
    SenderStatus,
    SenderType,
)

DEFAULT_OPT_OUT = "Reply STOP to opt out."
ACCOUNT_ID = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
SCOPE = r"^[a-z][a-z-]*:(read|write)$"
API_KEY = r"^[\x21-\x7e]+$"
EMAIL = r"^[^@\s]+@[^@\s]+$"


def _to_str(value: Any) -> Any:
    # YAML reads an unquoted +18335550100 as an int; take it as the digits it was.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


Text = Annotated[str, BeforeValidator(_to_str)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SeedFile(_Model):
    accounts: list[Any] = Field(default_factory=list)


class SeedConfiguration(_Model):
    org_prefix: str | None = Field(default=None, min_length=1, max_length=50)
    opt_out_language: str = Field(default=DEFAULT_OPT_OUT, min_length=1, max_length=200)
    status: ConfigurationStatus = "active"


class SeedAccount(_Model):
    # Slugs (acme-us) and the vendor's opaque mixed-case ids (Qz4nW8) alike.
    id: str = Field(pattern=ACCOUNT_ID)
    # Any text, markup and control characters included: the vendor lets people name
    # accounts freely, and rendering tests seed such names.
    name: str = Field(min_length=1, max_length=200)
    configuration: SeedConfiguration = Field(default_factory=SeedConfiguration)
    users: list[Any] = Field(default_factory=list)
    senders: list[Any] = Field(default_factory=list)


class SeedUser(_Model):
    email: str = Field(min_length=3, max_length=254, pattern=EMAIL)
    role: Role
    api_key: str = Field(min_length=8, max_length=200, pattern=API_KEY)
    scopes: list[Annotated[str, Field(pattern=SCOPE)]] = Field(default_factory=list)


class SeedSender(_Model):
    number: Text | None = Field(min_length=1, max_length=40)
    type: SenderType
    country: Country
    status: SenderStatus = "active"
    forward_to: Text | None = Field(default=None, max_length=40)
    # The vendor's sender ids are opaque server-side strings: any text here (a client
    # must cope with ids that are no plain path segment), derived when left out.
    id: str | None = Field(default=None, min_length=1, max_length=MAX_ID)
    created_at: datetime | None = None


# Which model checks the mapping at a location ("*": any list index).
MODELS: dict[tuple[str, ...], type[BaseModel]] = {
    (): SeedFile,
    ("accounts", "*"): SeedAccount,
    ("accounts", "*", "configuration"): SeedConfiguration,
    ("accounts", "*", "users", "*"): SeedUser,
    ("accounts", "*", "senders", "*"): SeedSender,
}
