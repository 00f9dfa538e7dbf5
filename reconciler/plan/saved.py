"""A saved plan (``plan --out``) as ``apply --plan`` takes it: read, then checked whole.

Nothing in the file is trusted that apply can compute. The file gives only
what cannot be computed again — the live values the plan read, and the API and
vendor account it read them from — and those are checked: its digest must
match its content (``planfile``), each account must appear once and be bound
to the same API and vendor account as callfwd.yaml gives it now, the
manifests must ask for what they asked for at plan time, and its changes must
be exactly those that the manifests and the recorded reads give
(``rederive``). Any difference refuses the whole file with a ``PlanFileError``
that says what to do. Everything else — counts, notices, the safety verdicts —
is computed: ``check_saved_plan`` returns the plan re-derived, and
``with_live`` recomputes its counts, notices and verdicts from the values
apply reads live before it writes.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from reconciler.domain.state import Forwarding, LiveSender
from reconciler.errors import PlanFileError
from reconciler.manifest.paths import Refusal, given_file
from reconciler.plan import planfile
from reconciler.plan.diff import changed_sources, diff_account, manifest_digest, source_digests
from reconciler.plan.model import AccountPlan, Plan
from reconciler.plan.rederive import rederive
from reconciler.plan.safety import Limits, threshold_verdicts


def read_saved_plan(
    path: str, *, root: Path | None = None, limit: int = planfile.MAX_BYTES
) -> Plan:
    """The plan in ``path``, its own digest checked; ``PlanFileError`` if it cannot be.

    The file is read with ``read_given``: confined, and bounded by ``limit``.
    """
    return planfile.loads(read_given(path, root=root, limit=limit), name=path)


def read_given(path: str, *, root: Path | None = None, limit: int = planfile.MAX_BYTES) -> bytes:
    """The bytes of a file the operator named (a saved plan, or a text holding one).

    It may lie outside the repository ``root`` (default: the current directory's),
    under ``$RUNNER_TEMP`` say, but a symbolic link inside the repository that leads
    out is refused unread (CF020). At most ``limit`` bytes are read (one more to know
    the file is longer), so a huge file, or ``/dev/zero``, is refused without being
    held in memory. Any failure is a ``PlanFileError``.
    """
    where = given_file(path, root)
    if isinstance(where, Refusal):
        raise PlanFileError(where.line(path))
    try:
        with open(where, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if size > limit:
                raise _too_large(path, limit)
            data = fh.read(limit + 1)
    except OSError as exc:
        raise PlanFileError(f"{path}: cannot read the plan ({exc.strerror})") from exc
    if len(data) > limit:
        raise _too_large(path, limit)
    return data


def _too_large(path: str, limit: int) -> PlanFileError:
    return PlanFileError(
        f"{path}: not a callfwd plan (larger than {limit // (1024 * 1024)} MiB, the most "
        "a plan file may be)"
    )


def key_check_wait(written_at: float, *, now: float, window: float) -> float:
    """Seconds to wait before checking the keys of a saved plan's accounts again: the rest
    of the ``window`` that the plan's own key checks used, the plan file being written
    (``written_at``, its modification time) after them (``apply --plan`` run right after
    ``plan --out``, as a deploy job does); 0 once it has passed, or for a time to come."""
    left = written_at + window - now
    return left if 0 < left <= window else 0.0


def check_saved_plan(
    plan: Plan,
    *,
    name: str,
    forwardings: Sequence[Forwarding],
    declared: Mapping[str, frozenset[str]],
    prune: Mapping[str, bool],
    us_territories: bool,
    apis: Mapping[str, tuple[str, str]],
) -> Plan:
    """The plan re-derived from the manifests now; ``PlanFileError`` unless it is ``plan``'s.

    ``forwardings``: what the manifests declare now; ``prune``: each of the plan's
    accounts' prune setting now (callfwd.yaml's, not the file's: the digest covers it);
    ``apis``: each account's API URL and vendor account id as callfwd.yaml gives them
    now. The plan returned has the file's changes (they must equal the re-derived
    ones), and counts and notices computed from the recorded reads.
    """
    _same_api(plan, name, apis)
    accounts = {a.account for a in plan.accounts}
    planned = [f for f in forwardings if f.account in accounts]
    if manifest_digest(planned, prune) != plan.manifest_digest:
        changed = changed_sources(plan.sources, source_digests(planned))
        recorded = dict(plan.sources)
        if changed and not any(p in recorded for p in changed):
            raise PlanFileError(
                f"{name}: the plan does not cover {', '.join(changed)}; if it was made "
                "for some manifests only (`callfwd plan PATH... --out`), give apply the same "
                "PATHs; else plan again and review the new plan"
            )
        what = f" ({', '.join(changed)})" if changed else " (the prune setting in callfwd.yaml)"
        raise PlanFileError(
            f"{name}: the manifests changed since this plan was made{what}; "
            "plan again and review the new plan"
        )
    derived, problems = rederive(
        plan, planned, prune=prune, declared=declared, us_territories=us_territories
    )
    if problems:
        listed = "\n  ".join(problems)
        raise PlanFileError(
            f"{name}: refusing the whole plan, nothing was changed: its changes are not "
            f"what the manifests ask for:\n  {listed}\nplan again and review the new plan"
        )
    return replace(plan, accounts=derived)


def _same_api(plan: Plan, name: str, apis: Mapping[str, tuple[str, str]]) -> None:
    """Each account of the plan was read from the API and vendor account it goes to now."""
    for acct in plan.accounts:
        now = apis.get(acct.account)
        if now is None:
            continue  # not an account callfwd.yaml names: rederive says so
        url, ident = now
        if acct.api_url.rstrip("/") != url.rstrip("/") or acct.account_id != ident:
            raise PlanFileError(
                f"{name}: account {acct.account} was planned against {acct.api_url or '?'} "
                f"(vendor account {acct.account_id or '?'}), but callfwd.yaml now sends it to "
                f"{url} (vendor account {ident}); refusing the whole plan, nothing was "
                "changed: plan again against this API and review the new plan"
            )


def with_live(
    plan: Plan,
    live: Mapping[str, Sequence[LiveSender]],
    *,
    forwardings: Sequence[Forwarding],
    declared: Mapping[str, frozenset[str]],
    limits: Mapping[str, Limits],
) -> Plan:
    """``plan`` with the counts, notices and safety verdicts of each account in ``live``
    computed from the senders read there now (the changes stay the plan's; each
    account's ``prune`` is callfwd.yaml's, as ``check_saved_plan`` set it)."""
    by_account: dict[str, list[Forwarding]] = {}
    for f in forwardings:
        by_account.setdefault(f.account, []).append(f)
    accounts: list[AccountPlan] = []
    for acct in plan.accounts:
        name = acct.account
        if name in live:
            now, _ = diff_account(
                name,
                by_account.get(name, []),
                live[name],
                prune=acct.prune,
                declared_elsewhere=declared.get(name, frozenset()),
            )
            acct = replace(acct, managed_forwardings=now.managed_forwardings, notices=())
            verdicts = threshold_verdicts(acct, limits[name]) if name in limits else []
            acct = replace(acct, notices=(*now.notices, *verdicts))
        accounts.append(acct)
    return replace(plan, accounts=tuple(accounts))
