"""A saved plan (``plan --out``) as ``apply --plan`` takes it: read, then checked whole.

Nothing in the file is taken on trust: its digest must match its content
(``planfile``), the manifests must ask for what they asked for at plan time,
and its changes must be exactly those that the manifests and the live values
it recorded give (``rederive``). Any difference refuses the whole file with a
``PlanFileError`` that says what to do.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from reconciler.domain.state import Forwarding
from reconciler.errors import PlanFileError
from reconciler.plan import planfile
from reconciler.plan.diff import changed_sources, manifest_digest, source_digests
from reconciler.plan.model import Plan
from reconciler.plan.rederive import rederive


def read_saved_plan(path: str) -> Plan:
    """The plan in ``path``, its own digest checked; ``PlanFileError`` if it cannot be."""
    try:
        with open(path, encoding="utf-8") as fh:
            return planfile.loads(fh.read(), name=path)
    except OSError as exc:
        raise PlanFileError(f"{path}: cannot read the plan ({exc.strerror})") from exc
    except UnicodeDecodeError as exc:
        raise PlanFileError(f"{path}: not a callfwd plan (not UTF-8 text)") from exc


def check_saved_plan(
    plan: Plan,
    *,
    name: str,
    forwardings: Sequence[Forwarding],
    declared: Mapping[str, frozenset[str]],
    prune: Mapping[str, bool],
    us_territories: bool,
) -> None:
    """Refuse ``plan`` (``PlanFileError``) unless the manifests give exactly its changes now.

    ``forwardings``: what the manifests declare now; ``prune``: each of the plan's
    accounts' prune setting now (callfwd.yaml's, not the file's: the digest covers it).
    """
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
    problems = rederive(
        plan, planned, prune=prune, declared=declared, us_territories=us_territories
    )
    if problems:
        listed = "\n  ".join(problems)
        raise PlanFileError(
            f"{name}: refusing the whole plan, nothing was changed: its changes are not "
            f"what the manifests ask for:\n  {listed}\nplan again and review the new plan"
        )
