"""One pagination for every HTML list: ?page=N, 25 rows, with a capped count for big tables."""

from __future__ import annotations

from typing import Any

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.functional import cached_property

PER_PAGE = 25


class CappedPaginator(Paginator):
    """Counts at most `cap` rows: exact counts of broad matches in a big table are slow and add
    nothing for a person paging through results ("more than 1,000")."""

    def __init__(self, object_list: Any, per_page: int, cap: int | None = None) -> None:
        super().__init__(object_list, per_page)
        self.cap = cap

    @cached_property
    def count(self) -> int:
        if self.cap is None or not isinstance(self.object_list, QuerySet):
            return super().count
        # Without the ORDER BY: the count of a sorted slice made PostgreSQL sort what it counts.
        return self.object_list.order_by()[: self.cap + 1].count()

    @property
    def count_is_capped(self) -> bool:
        return self.cap is not None and self.count > self.cap


def paginate(
    request: HttpRequest, object_list: Any, *, per_page: int = PER_PAGE, cap: int | None = None
) -> Any:
    """The requested page; a page number out of range or not a number gives the nearest page."""
    paginator = CappedPaginator(object_list, per_page, cap=cap)
    number = request.GET.get("page", "1")
    try:
        return paginator.page(number)
    except PageNotAnInteger:
        return paginator.page(1)
    except EmptyPage:
        return paginator.page(paginator.num_pages)
