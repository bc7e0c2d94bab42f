"""Reads of the region table.

Regions are public reference data (the government publishes them), so these selectors take no
user: whoever may fill in an address may search them. Each returns regions with their ancestors
selected (`ANCESTORS`), so `Region.full_name` costs no further query.
"""

from __future__ import annotations

from django.db.models import Case, IntegerField, Value, When

from sigap.geo.models import ANCESTORS, Region, search_key

SEARCH_MAX_LIMIT = 100


def region_search(
    *,
    q: str = "",
    parent: str | None = None,
    level: str | None = None,
    limit: int = 20,
    offset: int = 0,
) -> tuple[list[Region], int]:
    """Regions whose name contains `q` (case-insensitive), with the total number of matches.

    Order: names that start with `q` first, then names with a word that starts with `q`, then the
    other matches; by name within each group, then by code. `parent` keeps the direct children of
    that code (an unknown code gives no results); `level` keeps one `Region.Level` (an unknown
    level gives no results). Empty `parent`/`level` mean no filter. `limit` is capped at
    SEARCH_MAX_LIMIT; negative values count as 0.
    """
    limit = max(0, min(limit, SEARCH_MAX_LIMIT))
    offset = max(0, offset)
    regions = Region.objects.all()
    if parent:
        regions = regions.filter(parent_id=parent)
    if level:
        if level not in Region.Level.values:
            return [], 0
        regions = regions.filter(level=level)
    term = search_key(q)
    if term:
        regions = regions.filter(name_search__contains=term).annotate(
            match_rank=Case(
                When(name_search__startswith=term, then=Value(0)),
                When(name_search__contains=" " + term, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        )
        regions = regions.order_by("match_rank", "name", "code")
    else:
        regions = regions.order_by("name", "code")
    total = regions.count()
    items = list(regions.select_related(ANCESTORS)[offset : offset + limit]) if limit else []
    return items, total


def region_get(*, code: str) -> Region | None:
    """The region with this code (ancestors selected), or None."""
    return Region.objects.select_related(ANCESTORS).filter(code=code).first()


def region_is_within(*, code: str, ancestor_code: str) -> bool:
    """Whether region `code` is `ancestor_code` itself or lies inside it.

    A pure check on the dotted codes (`64.71.03.1002` is within `64.71` and `64`, not within
    `64.7`); it does not look the codes up. Empty codes are within nothing.
    """
    if not code or not ancestor_code:
        return False
    return code == ancestor_code or code.startswith(ancestor_code + ".")
