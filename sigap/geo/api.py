import re

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from sigap.api.pagination import Page, PageParams
from sigap.core.access import api_rule
from sigap.geo.selectors import region_get, region_search

router = Router(tags=["regions"])

_CODE_RE = re.compile(r"^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$")


class RegionOut(Schema):
    code: str
    name: str
    level: str
    parent_code: str | None
    full_name: str


class RegionFilters(PageParams):
    q: str = Field("", max_length=100, description="Part of the name, any case.")
    parent: str = Field("", description="Only the direct children of this code, e.g. 64.71.")
    level: str = Field("", description="province, regency, district or village.")


@router.get("/regions", response=Page[RegionOut], summary="Search administrative regions")
@api_rule("region.search")
def regions(request: HttpRequest, filters: Query[RegionFilters]) -> dict[str, object]:
    if filters.parent and (
        not _CODE_RE.match(filters.parent) or not region_get(code=filters.parent)
    ):
        raise ValidationError({"parent": ["Unknown region code."]})
    if filters.level and filters.level not in {"province", "regency", "district", "village"}:
        raise ValidationError({"level": ["Choose province, regency, district or village."]})
    items, total = region_search(
        q=filters.q,
        parent=filters.parent or None,
        level=filters.level or None,
        limit=filters.limit,
        offset=filters.offset,
    )
    return {
        "items": [
            {
                "code": r.code,
                "name": r.name,
                "level": r.level,
                "parent_code": r.parent_id,
                "full_name": r.full_name,
            }
            for r in items
        ],
        "count": total,
        "count_is_capped": False,
        "limit": filters.limit,
        "offset": filters.offset,
    }
