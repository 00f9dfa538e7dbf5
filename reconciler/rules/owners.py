"""Owner rules: allowed roles, plain email addresses, and the --actor check.

The vendor lets owner, admin, manager and campaign_coordinator configure call
forwarding; analyst, content_creator and support may not. Unknown roles are
caught by the model (with a "did you mean").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from reconciler.diagnostics import Diagnostic, codes, error, warning
from reconciler.domain.roles import ALLOWED_ROLES, ROLES, allowed_list
from reconciler.manifest.loader import SequenceNode, find
from reconciler.manifest.parse import ManifestSummary, OwnerView, ParsedManifest, excerpt, shown

_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@{_LABEL}(?:\.{_LABEL})+")


def email_problem(email: str) -> str | None:
    """Why ``email`` is not a plain ASCII address, or None when it is one."""
    if email.isascii() and email.isprintable():
        if " " in email:
            return "contains a space"
        if len(email) > 254 or _EMAIL.fullmatch(email) is None:
            return "is not an email address like name@example.com"
        return None
    for ch in email:
        if not ch.isascii() or not ch.isprintable():
            name = unicodedata.name(ch, "UNNAMED CHARACTER")
            return (
                f"contains U+{ord(ch):04X} {name}; write the address in plain ASCII "
                "(lookalike letters from other scripts are refused)"
            )
        if ch.isspace():
            return "contains a space"
    if len(email) > 254 or _EMAIL.fullmatch(email) is None:
        return "is not an email address like name@example.com"
    return None


def _allowed_emails(owners: Sequence[OwnerView]) -> set[str]:
    return {o.email.lower() for o in owners if o.email and o.role in ALLOWED_ROLES}


def check_owners(pm: ParsedManifest) -> list[Diagnostic]:
    diags: list[Diagnostic] = []
    seen: dict[str, OwnerView] = {}
    owners = pm.owners()
    for owner in owners:
        if owner.email is None:
            continue  # missing or not text: reported by the model
        if (problem := email_problem(owner.email)) is not None:
            diags.append(
                error(
                    owner.email_at,
                    codes.BAD_EMAIL,
                    f"email {shown(owner.email)} {problem}",
                )
            )
        if owner.role in ROLES and owner.role not in ALLOWED_ROLES:
            diags.append(
                error(
                    owner.role_at,
                    codes.DISALLOWED_ROLE,
                    f"{excerpt(owner.email)}: the role {owner.role} may not configure call "
                    f"forwarding (allowed: {allowed_list()}); remove this owner or list someone "
                    "with an allowed role",
                )
            )
        first = seen.setdefault(owner.email.lower(), owner)
        if first is not owner:
            diags.append(
                warning(
                    owner.email_at,
                    codes.DUPLICATE_OWNER,
                    f"{excerpt(owner.email)} is listed twice among the owners (first at "
                    f"{first.email_at}); list each person once",
                )
            )
    node, _, reached = find(pm.root, ("owners",))
    # Only when every owner is well-formed: otherwise the model's errors say it.
    complete = (
        reached == 1
        and isinstance(node, SequenceNode)
        and len(node.items) == len(owners)
        and all(o.email is not None and o.role in ROLES for o in owners)
    )
    if complete and not _allowed_emails(owners):
        diags.append(
            error(
                pm.position("owners"),
                codes.NO_ALLOWED_OWNER,
                "no owner may configure call forwarding: add an owner with one of the "
                f"roles {allowed_list()}",
            )
        )
    return diags


def check_actor(manifests: Sequence[ManifestSummary], actor: str) -> list[Diagnostic]:
    """The actor (the person behind a pull request) must be an allowed owner of each manifest."""
    diags = []
    wanted = actor.lower()
    for pm in manifests:
        if wanted in _allowed_emails(pm.owners):
            continue
        roles = sorted(
            {o.role for o in pm.owners if o.role and o.email and o.email.lower() == wanted}
        )
        why = (
            f"is listed with the role {', '.join(roles)}, which may not configure call forwarding"
            if roles
            else "is not among the owners of this manifest"
        )
        diags.append(
            error(
                pm.owners_at,
                codes.ACTOR,
                f"the actor {actor} {why}; only an owner with an allowed role "
                f"({allowed_list()}) may change this manifest",
            )
        )
    return diags
