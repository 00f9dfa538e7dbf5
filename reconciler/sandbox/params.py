"""Query parameters of the published reads: ``include``, ``fields[TYPE]``, ``sort``.

Anything the vendor does not offer is a 400 JSON:API error naming the
parameter (``source.parameter``), never silently ignored.
"""

from __future__ import annotations

from collections.abc import Collection

from reconciler.sandbox.jsonapi import ApiProblem

# The sort orders of GET /api/text-messaging-senders: by creation time, either way.
SORTS = ("created_at", "-created_at")


def _items(raw: str | None) -> list[str]:
    return [] if raw is None else [x.strip() for x in raw.split(",")]


def parse_include(raw: str | None, allowed: Collection[str]) -> set[str]:
    names = set(_items(raw))
    unknown = sorted(names - set(allowed))
    if unknown:
        offer = ", ".join(sorted(allowed)) or "nothing"
        raise ApiProblem(
            400,
            "invalid",
            f"include: {unknown[0][:60]!r} is not a relationship of this resource "
            f"(this endpoint offers: {offer}).",
            parameter="include",
        )
    return names


def parse_fields(raw: str | None, resource_type: str, allowed: Collection[str]) -> set[str] | None:
    """A sparse fieldset: the attributes to show, or None for all."""
    if raw is None:
        return None
    names = set(_items(raw))
    unknown = sorted(names - set(allowed))
    if unknown:
        raise ApiProblem(
            400,
            "invalid",
            f"fields[{resource_type}]: {unknown[0][:60]!r} is not a field of "
            f"{resource_type} (fields: {', '.join(sorted(allowed))}).",
            parameter=f"fields[{resource_type}]",
        )
    return names


def parse_sort(raw: str | None) -> str | None:
    if raw is None or raw == "":
        return None
    if raw not in SORTS:
        raise ApiProblem(
            400,
            "invalid",
            f"sort: {raw[:60]!r} is not a sort order of this endpoint "
            f"(allowed: {', '.join(SORTS)}).",
            parameter="sort",
        )
    return raw
