"""Trusted configuration: which callfwd.yaml decides where a key goes.

In a pull request the working tree's callfwd.yaml is the author's: it may
point ``api_url`` at a listener, name another key variable, turn ``prune``
on. So ``--trusted-config FILE`` (in CI, callfwd.yaml as it is on the base
branch) decides every setting that chooses where a key goes or how it is
used (``SETTINGS``: api_url, api_key_env, account_id, prune, thresholds,
retry, api, max_pages), while the working tree still decides the desired
state (its manifests, ``manifests:``, ``exclude:``, ``numbers:``).

``trust(working, trusted)`` gives the ``TrustedConfig`` that targets are
built from (``resolve_accounts`` takes nothing else), with:

- the differences, per account: which settings the working tree changes
  (never their values: they came from the pull request);
- the accounts the working tree adds: validated, never planned.

Without a trusted file, ``trust(working)`` trusts the working tree's file
itself (a person at their terminal runs their own configuration). Once a
working tree's ``Config`` has been paired with a trusted one, it can never
be trusted as itself: ``trust(working)`` and ``resolve_accounts(working, …)``
then raise, so no code path can build a target from it by mistake.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from reconciler.config.load import load_config
from reconciler.config.model import Config
from reconciler.config.settings import SETTINGS, account_settings
from reconciler.diagnostics import codes

_TOKEN = object()


@dataclass(frozen=True, slots=True)
class TrustNotice:
    """A notice for one account's plan: a registered code and its message."""

    account: str
    code: str
    message: str


class TrustedConfig:
    """The configuration targets are built from. Only ``trust()`` makes one.

    ``config``: the trusted ``Config`` (the trusted file, or the working tree's
    when none was given); ``separate``: whether a trusted file was given;
    ``differences``: account -> settings the working tree changes, for every
    account either file lists; ``added``: accounts only the working tree lists.
    """

    __slots__ = ("added", "config", "differences", "separate", "working")

    def __init__(
        self,
        config: Config,
        working: Config,
        differences: Mapping[str, tuple[str, ...]],
        added: tuple[str, ...],
        *,
        token: object,
    ) -> None:
        if token is not _TOKEN:
            raise TypeError("a TrustedConfig comes from reconciler.config.trust()")
        self.config = config
        self.working = working
        self.separate = config is not working
        self.differences = MappingProxyType(dict(differences))
        self.added = added

    def __repr__(self) -> str:
        return f"TrustedConfig({self.config.name!r}, separate={self.separate})"

    def is_added(self, name: str) -> bool:
        return name in self.added

    def changed(self, name: str) -> tuple[str, ...]:
        """The settings of account ``name`` that the working tree's callfwd.yaml changes."""
        if not self.separate or self.is_added(name):
            return ()
        if name in self.differences:
            return self.differences[name]
        return _changed(self.working, self.config, name)

    def plannable(self, names: Iterable[str]) -> tuple[list[str], list[str]]:
        """``names`` split into (accounts to plan, accounts added by this change), sorted."""
        wanted = sorted(set(names))
        return [n for n in wanted if not self.is_added(n)], [n for n in wanted if self.is_added(n)]

    def notices(self, name: str) -> list[TrustNotice]:
        """What a plan of account ``name`` must say about the trusted configuration."""
        if self.is_added(name):
            return [
                TrustNotice(
                    name,
                    codes.ACCOUNT_ADDED,
                    f"account added by this change: validated, not planned (only the working "
                    f"tree's callfwd.yaml lists it, and the trusted {self.config.name} decides "
                    "where keys go); it is planned once the change is merged",
                )
            ]
        changed = self.changed(name)
        if not changed:
            return []
        what = (
            "drops this account"
            if changed == (_DROPPED,)
            else f"differs from the trusted configuration for this account: fields "
            f"{', '.join(changed)}"
        )
        return [
            TrustNotice(
                name,
                codes.CONFIG_DIFFERS,
                f"callfwd.yaml in the working tree {what}; the plan uses the trusted values "
                f"(from {self.config.name})",
            )
        ]


_DROPPED = "accounts"  # the working tree lists accounts, but not this one


def load_trusted(
    config_path: str | Path | None, trusted_path: str | Path | None
) -> tuple[Config, TrustedConfig]:
    """The working tree's callfwd.yaml and the view keys may follow: what every command
    that sends a key calls with ``--config`` and ``--trusted-config``."""
    working = load_config(config_path)
    if trusted_path is None:
        return working, trust(working)
    return working, trust(working, load_config(trusted_path, option="--trusted-config"))


def trust(working: Config, trusted: Config | None = None) -> TrustedConfig:
    """The configuration keys may follow: ``trusted`` when given, else ``working`` itself."""
    if trusted is None or trusted is working:
        if working._untrusted:
            raise TypeError(
                "this callfwd.yaml was paired with a trusted one: build targets from that "
                "pairing (trust(working, trusted)), never from the working tree alone"
            )
        return TrustedConfig(working, working, {}, (), token=_TOKEN)
    working._untrusted = True
    added: tuple[str, ...] = ()
    if trusted.accounts:
        added = tuple(sorted(set(working.accounts) - set(trusted.accounts)))
    names = (set(working.accounts) | set(trusted.accounts)) - set(added)
    differences = {n: c for n in sorted(names) if (c := _changed(working, trusted, n))}
    return TrustedConfig(trusted, working, differences, added, token=_TOKEN)


def _changed(working: Config, trusted: Config, name: str) -> tuple[str, ...]:
    if working.accounts and name not in working.accounts and name in trusted.accounts:
        return (_DROPPED,)
    mine, theirs = account_settings(working, name), account_settings(trusted, name)
    return tuple(s for s in SETTINGS if getattr(mine, s) != getattr(theirs, s))
