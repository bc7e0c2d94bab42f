from django.http import HttpRequest
from ninja import Query, Router, Schema

from sigap.accounts import selectors
from sigap.accounts.models import User
from sigap.api.pagination import Page, PageParams, paginate_queryset
from sigap.core.access import api_rule

router = Router(tags=["accounts"])


class MembershipOut(Schema):
    agency_id: int
    agency_name: str
    role: str


class MeOut(Schema):
    id: int
    username: str
    full_name: str
    email: str
    memberships: list[MembershipOut]


class AgencyOut(Schema):
    id: int
    name: str
    short_name: str
    type: str
    region_code: str
    regency_code: str
    phone: str
    email: str


class AgencyFilters(PageParams):
    q: str = ""
    type: str = ""


@router.get("/me", response=MeOut, summary="The signed-in user and their roles")
@api_rule("account.self")
def me(request: HttpRequest) -> dict[str, object]:
    user: User = request.user  # type: ignore[assignment]
    return {
        "id": user.pk,
        "username": user.username,
        "full_name": user.full_name,
        "email": user.email,
        "memberships": [
            {"agency_id": m.agency_id, "agency_name": m.agency.name, "role": m.role}
            for m in user.active_memberships
        ],
    }


@router.get("/agencies", response=Page[AgencyOut], summary="The directory of active agencies")
@api_rule("agency.list")
def agencies(request: HttpRequest, filters: Query[AgencyFilters]) -> dict[str, object]:
    qs = selectors.agency_list(q=filters.q, type=filters.type)
    page = paginate_queryset(qs, filters)
    page["items"] = [
        {
            "id": a.pk,
            "name": a.name,
            "short_name": a.short_name,
            "type": a.type,
            "region_code": a.region_id,
            "regency_code": a.regency_code,
            "phone": a.phone,
            "email": a.email,
        }
        for a in page["items"]
    ]
    return page
