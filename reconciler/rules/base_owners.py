"""The --actor check against a base commit, and roles against the actor map there.

Without ``--base``, ``check_actor`` (``owners.py``) reads the owners a manifest
states now: a pull request could list its own author. With ``--base REF``
the owners that decide are those on REF, which the pull request cannot have
changed:

- a manifest that exists on REF: its owners there (and, when the change
  moves it to another account, the owners of that account's manifests too);
- a new manifest: the owners of its account's manifests on REF;
- neither: refused (CF408), with who can add it instead.

Where the actor map on REF gives a person's role in an account, a manifest
of that account may not list them with another role (CF407). ``actor_email``
maps a GitHub login to the email the map on REF gives it (``callfwd actor``).
"""

from __future__ import annotations

from collections.abc import Sequence

from reconciler.diagnostics import Diagnostic, codes, error
from reconciler.domain.roles import allowed_list
from reconciler.manifest.base import ACTOR_MAP, ActorRoles, BaseSnapshot, Unreadable
from reconciler.manifest.parse import ManifestSummary
from reconciler.manifest.text import excerpt
from reconciler.rules.owners import email_problem

_ADD_FIRST = (
    "a manifest of an account with none on {ref} must first be added by someone with write "
    "access to the repository, reviewed under CODEOWNERS (the owners of the manifests' folder "
    "and of callfwd.yaml), not on the strength of owners it names itself"
)


def check_actor_at_base(
    manifests: Sequence[ManifestSummary], actor: str, base: BaseSnapshot
) -> list[Diagnostic]:
    """One error per manifest that ``actor`` may not change, judged by the owners on REF."""
    wanted = actor.lower()
    diags: list[Diagnostic] = []
    for pm in manifests:
        at = pm.owners_at
        rel = base.relative(pm.path)
        if rel is None:
            diags.append(
                error(
                    at,
                    codes.BASE_UNREADABLE,
                    f"{pm.path} is outside the repository, so {base.ref} has no owners for it; "
                    "check manifests inside the repository",
                )
            )
            continue
        before = base.manifest(rel)
        if isinstance(before, Unreadable):
            diags.append(_unreadable(pm, before))
            continue
        account = pm.named_account
        if before is not None:
            if wanted not in before.allowed:
                diags.append(
                    _not_owner(pm, actor, f"is not an owner of this manifest on {base.ref}")
                )
                continue
            if account is None or account == before.account:
                continue
            # moved to another account: that account's owners must agree too
        if account is None:
            continue  # the model reported the account; nothing to look up
        owners = base.account_owners(account)
        if isinstance(owners, Unreadable):
            diags.append(_unreadable(pm, owners))
        elif owners is None:
            diags.append(
                error(
                    at,
                    codes.NO_BASE_OWNERS,
                    f"neither {rel} nor any other manifest of account {excerpt(account)} "
                    f"exists on {base.ref}, so no owner there can vouch for the actor {actor}; "
                    + _ADD_FIRST.format(ref=base.ref),
                )
            )
        elif wanted not in owners:
            what = "moves this manifest to" if before is not None else "adds this manifest to"
            diags.append(
                _not_owner(
                    pm,
                    actor,
                    f"{what} account {excerpt(account)} but is not an owner of any of its "
                    f"manifests on {base.ref}",
                )
            )
    return diags


def check_roles_at_base(
    manifests: Sequence[ManifestSummary], base: BaseSnapshot
) -> list[Diagnostic]:
    """A manifest may not give a person another role than the actor map on REF does."""
    found = base.actor_roles()
    if found is None:
        return []
    if isinstance(found, Unreadable):
        # one error, on the first manifest: the map is trusted, so a broken one stops the check
        return [_unreadable(manifests[0], found)] if manifests else []
    return [d for pm in manifests for d in _roles(pm, found, base.ref)]


def _roles(pm: ManifestSummary, actors: ActorRoles, ref: str) -> list[Diagnostic]:
    account = pm.named_account
    if account is None:
        return []
    diags = []
    for owner in pm.owners:
        if owner.email is None or owner.role is None:
            continue
        mapped = actors.role(owner.email, account)
        if mapped is None or mapped == owner.role:
            continue
        diags.append(
            error(
                owner.role_at,
                codes.ROLE_NOT_IN_ACTOR_MAP,
                f"{excerpt(owner.email)} has the role {mapped} in account {excerpt(account)} "
                f"in {ACTOR_MAP} on {ref}, not {excerpt(owner.role)}: write role: {mapped}, "
                "or change the actor map first in its own reviewed change",
            )
        )
    return diags


def _not_owner(pm: ManifestSummary, actor: str, why: str) -> Diagnostic:
    return error(
        pm.owners_at,
        codes.ACTOR,
        f"the actor {actor} {why}; only an owner with an allowed role ({allowed_list()}) "
        "there may change it, and owners added by the same change do not count",
    )


def _unreadable(pm: ManifestSummary, why: Unreadable) -> Diagnostic:
    return error(
        pm.owners_at,
        codes.BASE_UNREADABLE,
        f"cannot check this change against the base: {why.reason}",
    )


def actor_email(login: str, base: BaseSnapshot) -> str | Unreadable:
    """The email ``.github/callfwd-actors.yaml`` on REF gives GitHub user ``login`` (either
    of its forms: ``login: email``, ``login: {email: E, roles: {...}}``); else why not.

    Read from REF, never from the change: a pull request cannot map its own author.
    """
    found = base.actor_roles()
    if found is None:
        return Unreadable(
            f"{ACTOR_MAP} is missing on {base.ref}; merge it first (each line "
            "`github-login: email`, see docs/ci.md)"
        )
    if isinstance(found, Unreadable):
        return found
    email = found.email(login)
    if email is None or email_problem(email) is not None:
        what = "has no email" if email is None else "has no usable email"
        return Unreadable(
            f"GitHub user {excerpt(login)} {what} in {ACTOR_MAP} on {base.ref}; add "
            f"'{excerpt(login)}: you@example.com' there in its own pull request, reviewed "
            "under CODEOWNERS"
        )
    return email
