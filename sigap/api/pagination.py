"""The one pagination convention of the API: limit/offset in, items plus a count out.

`count` is exact up to COUNT_CAP; past it the response says `count_is_capped: true` and `count`
is COUNT_CAP + 1 (exact counts of broad matches over a million cases cost more than the page).
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from django.db.models import QuerySet
from ninja import Schema
from pydantic import Field

T = TypeVar("T")

COUNT_CAP = 10_000
MAX_LIMIT = 100


class PageParams(Schema):
    limit: int = Field(25, ge=1, le=MAX_LIMIT, description="Rows per page (1–100).")
    offset: int = Field(0, ge=0, le=1_000_000, description="Rows to skip.")


class Page(Schema, Generic[T]):
    items: list[T]
    count: int
    count_is_capped: bool
    limit: int
    offset: int


def paginate_queryset(qs: QuerySet[Any] | list[Any], params: PageParams) -> dict[str, Any]:
    # The count drops the ORDER BY (9.3 ms -> 0.8 ms for a capped count at 1M, bench/cases.py).
    count = qs.order_by()[: COUNT_CAP + 1].count() if isinstance(qs, QuerySet) else len(qs)
    items = list(qs[params.offset : params.offset + params.limit])
    return {
        "items": items,
        "count": count,
        "count_is_capped": count > COUNT_CAP,
        "limit": params.limit,
        "offset": params.offset,
    }
