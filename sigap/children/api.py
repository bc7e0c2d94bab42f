import uuid
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from sigap.accounts.models import User
from sigap.api.pagination import Page, PageParams, paginate_queryset
from sigap.api.problems import Conflict
from sigap.children import selectors, services
from sigap.children.models import Child, FamilyMember, Person
from sigap.children.services import FAMILY_FIELDS, VersionConflict
from sigap.core.access import api_rule, require
from sigap.core.search_audit import audit_search
from sigap.geo.models import Region

router = Router(tags=["children"])


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


# --- schemas ------------------------------------------------------------------------------------


class AliasIn(Schema):
    alias: str = Field(..., max_length=200)
    kind: str = Field("nickname", description="nickname, street_name, spelling or other.")


class ChildIn(Schema):
    full_name: str = Field(..., max_length=200)
    sex: str = Field(..., description="male or female.")
    birth_date: date | None = None
    estimated_age: int | None = Field(
        None, description="Whole years (0–17) when the birth date is unknown."
    )
    place_of_birth: str = Field("", max_length=100)
    origin_region_code: str = Field("", description="Kemendagri code, e.g. 53.07.")
    address: str = Field("", max_length=300)
    kelurahan_code: str = Field("", description="Village code, e.g. 64.71.01.1001.")
    rt: str = Field("", max_length=3)
    rw: str = Field("", max_length=3)
    religion: str = "unknown"
    languages: str = Field("", max_length=200)
    birth_certificate_status: str = "unknown"
    school_status: str = "unknown"
    has_disability: bool = False
    disability: str = Field("", max_length=300)
    nik: str = Field("", max_length=24, description="16 digits; stored encrypted.")
    family_card_number: str = Field("", max_length=24, description="16 digits; encrypted.")
    aliases: list[AliasIn] = []


class ChildPatch(Schema):
    version: int = Field(..., description="The version you read; a stale one gives 409.")
    full_name: str | None = Field(None, max_length=200)
    sex: str | None = None
    birth_date: date | None = None
    estimated_age: int | None = None
    place_of_birth: str | None = None
    origin_region_code: str | None = None
    address: str | None = None
    kelurahan_code: str | None = None
    rt: str | None = None
    rw: str | None = None
    religion: str | None = None
    languages: str | None = None
    birth_certificate_status: str | None = None
    school_status: str | None = None
    has_disability: bool | None = None
    disability: str | None = None


class ChildOut(Schema):
    id: uuid.UUID
    full_name: str
    sex: str
    age: int | None
    birth_date: date | None
    birth_date_is_estimated: bool
    kelurahan_code: str | None
    origin_region_code: str | None
    is_pendatang: bool
    school_status: str
    regency_code: str
    version: int


class AliasOut(Schema):
    id: int
    alias: str
    kind: str


class FamilyMemberIn(Schema):
    full_name: str = Field(..., max_length=200)
    relation: str
    is_guardian: bool = False
    phone: str = Field("", max_length=40)
    address: str = Field("", max_length=300)
    is_alive: bool = True
    is_alleged_perpetrator: bool = False
    sibling_child_id: uuid.UUID | None = None
    notes: str = Field("", max_length=500)


class FamilyMemberOut(Schema):
    id: int
    full_name: str
    relation: str
    is_guardian: bool
    phone: str
    address: str
    is_alive: bool
    is_alleged_perpetrator: bool
    sibling_child_id: uuid.UUID | None
    version: int


class ChildDetailOut(ChildOut):
    place_of_birth: str
    address: str
    rt: str
    rw: str
    religion: str
    languages: str
    birth_certificate_status: str
    has_disability: bool
    disability: str
    has_nik: bool
    has_family_card: bool
    registered_by_agency_id: int
    created_at: datetime
    aliases: list[AliasOut]
    family_members: list[FamilyMemberOut]


class ChildCreatedOut(Schema):
    id: uuid.UUID
    version: int


class ChildSearch(PageParams):
    q: str = Field("", max_length=200, description="Name (typos allowed), alias or NIK.")


class PersonIn(Schema):
    full_name: str = Field(..., max_length=200)
    role: str = Field(..., description="parent, relative, organiser or other.")
    aliases: str = Field("", max_length=300)
    sex: str = ""
    description: str = ""
    phone: str = Field("", max_length=40)
    address: str = Field("", max_length=300)


class PersonOut(Schema):
    id: int
    full_name: str
    aliases: str
    sex: str
    role: str
    description: str
    phone: str
    address: str
    regency_code: str
    version: int


class PersonSearch(PageParams):
    q: str = Field("", max_length=200)
    role: str = ""


# --- helpers --------------------------------------------------------------------------------------


def _region(code: str, field: str) -> Region | None:
    if not code:
        return None
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise ValidationError({field: [_("Unknown region code.")]})
    return region


def _child_out(c: Child) -> dict[str, Any]:
    return {
        "id": c.pk,
        "full_name": c.full_name,
        "sex": c.sex,
        "age": c.age,
        "birth_date": c.birth_date,
        "birth_date_is_estimated": c.birth_date_is_estimated,
        "kelurahan_code": c.kelurahan_id,
        "origin_region_code": c.origin_region_id,
        "is_pendatang": c.is_pendatang,
        "school_status": c.school_status,
        "regency_code": c.regency_code,
        "version": c.version,
    }


def _member_out(m: FamilyMember) -> dict[str, Any]:
    return {
        "id": m.pk,
        "full_name": m.full_name,
        "relation": m.relation,
        "is_guardian": m.is_guardian,
        "phone": m.phone,
        "address": m.address,
        "is_alive": m.is_alive,
        "is_alleged_perpetrator": m.is_alleged_perpetrator,
        "sibling_child_id": m.sibling_child_id,
        "version": m.version,
    }


def _child_detail(c: Child) -> dict[str, Any]:
    out = _child_out(c)
    out.update(
        {
            "place_of_birth": c.place_of_birth,
            "address": c.address,
            "rt": c.rt,
            "rw": c.rw,
            "religion": c.religion,
            "languages": c.languages,
            "birth_certificate_status": c.birth_certificate_status,
            "has_disability": c.has_disability,
            "disability": c.disability,
            "has_nik": c.has_nik,
            "has_family_card": c.has_family_card,
            "registered_by_agency_id": c.registered_by_agency_id,
            "created_at": c.created_at,
            "aliases": [{"id": a.pk, "alias": a.alias, "kind": a.kind} for a in c.aliases.all()],
            "family_members": [_member_out(m) for m in c.family_members.all()],
        }
    )
    return out


def _person_out(p: Person) -> dict[str, Any]:
    return {
        "id": p.pk,
        "full_name": p.full_name,
        "aliases": p.aliases,
        "sex": p.sex,
        "role": p.role,
        "description": p.description,
        "phone": p.phone,
        "address": p.address,
        "regency_code": p.regency_code,
        "version": p.version,
    }


# --- children ---------------------------------------------------------------------------------------


@router.post(
    "/children",
    response={201: ChildCreatedOut},
    summary="Register a child",
    operation_id="child_create",
)
@api_rule("children.register")
def child_create(request: HttpRequest, payload: ChildIn) -> Status[dict[str, Any]]:
    data = payload.dict()
    aliases = [(a["alias"], a["kind"]) for a in data.pop("aliases")]
    origin = _region(data.pop("origin_region_code"), "origin_region_code")
    kelurahan = _region(data.pop("kelurahan_code"), "kelurahan_code")
    child = services.child_register(
        actor=_user(request), origin_region=origin, kelurahan=kelurahan, aliases=aliases, **data
    )
    return Status(201, {"id": child.pk, "version": child.version})


@router.get(
    "/children",
    response=Page[ChildOut],
    summary="Children you may see; `q` searches names (typos allowed), aliases and NIK",
)
@api_rule("children.list")
def child_list(request: HttpRequest, filters: Query[ChildSearch]) -> dict[str, Any]:
    items, count, capped = selectors.child_search(
        user=_user(request), q=filters.q, limit=filters.limit, offset=filters.offset
    )
    audit_search(actor=_user(request), action="child.search", term=filters.q, filters={}, via="api")
    return {
        "items": [_child_out(c) for c in items],
        "count": count,
        "count_is_capped": capped,
        "limit": filters.limit,
        "offset": filters.offset,
    }


@router.get("/children/{child_id}", response=ChildDetailOut, summary="One child (audited)")
@api_rule("children.list")
def child_detail(request: HttpRequest, child_id: str) -> dict[str, Any]:
    user = _user(request)
    child = selectors.child_get_for(user=user, child_id=child_id)
    services.child_record_view(actor=user, child=child, channel="api")
    return _child_detail(child)


@router.patch("/children/{child_id}", response=ChildOut, summary="Change a child's record")
@api_rule("children.edit")
def child_patch(request: HttpRequest, child_id: str, payload: ChildPatch) -> dict[str, Any]:
    user = _user(request)
    child = selectors.child_get_for(user=user, child_id=child_id)
    require(user, "children.edit", child)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    if "origin_region_code" in data:
        data["origin_region"] = _region(data.pop("origin_region_code") or "", "origin_region_code")
    if "kelurahan_code" in data:
        data["kelurahan"] = _region(data.pop("kelurahan_code") or "", "kelurahan_code")
    try:
        child = services.child_update(actor=user, child=child, version=version, **data)
    except VersionConflict as exc:
        raise Conflict(
            _("The record was changed by someone else; nothing was saved."),
            current_version=getattr(exc.current, "version", None),
            current=_child_out(exc.current),  # type: ignore[arg-type]
        ) from exc
    return _child_out(child)


@router.get(
    "/children/{child_id}/family",
    response=list[FamilyMemberOut],
    summary="A child's family members and guardians",
)
@api_rule("children.list")
def family_list(request: HttpRequest, child_id: str) -> list[dict[str, Any]]:
    child = selectors.child_get_for(user=_user(request), child_id=child_id)
    return [_member_out(m) for m in child.family_members.all()]


@router.post(
    "/children/{child_id}/family",
    response={201: FamilyMemberOut},
    summary="Add a family member",
)
@api_rule("children.edit")
def family_add(
    request: HttpRequest, child_id: str, payload: FamilyMemberIn
) -> Status[dict[str, Any]]:
    user = _user(request)
    child = selectors.child_get_for(user=user, child_id=child_id)
    require(user, "children.edit", child)
    data = payload.dict()
    sibling_id = data.pop("sibling_child_id")
    sibling = None
    if sibling_id:
        found = selectors.visible_children_by_ids(user=user, ids=[sibling_id])
        if not found:
            raise ValidationError({"sibling_child_id": [_("No child record with this id.")]})
        sibling = found[0]
    fields = {k: v for k, v in data.items() if k in FAMILY_FIELDS}
    member = services.family_member_add(actor=user, child=child, sibling_child=sibling, **fields)
    return Status(201, _member_out(member))


# --- persons ---------------------------------------------------------------------------------------


@router.get("/persons", response=Page[PersonOut], summary="Alleged perpetrators and organisers")
@api_rule("persons.view")
def person_list(request: HttpRequest, filters: Query[PersonSearch]) -> dict[str, Any]:
    qs = selectors.person_list_for(user=_user(request), q=filters.q, role=filters.role)
    page = paginate_queryset(qs, filters)
    audit_search(
        actor=_user(request),
        action="person.search",
        term=filters.q,
        filters={"role": filters.role},
        via="api",
    )
    page["items"] = [_person_out(p) for p in page["items"]]
    return page


@router.post("/persons", response={201: PersonOut}, summary="Record a person")
@api_rule("persons.manage")
def person_create(request: HttpRequest, payload: PersonIn) -> Status[dict[str, Any]]:
    person = services.person_create(actor=_user(request), **payload.dict())
    return Status(201, _person_out(person))


@router.get("/persons/{person_id}", response=PersonOut, summary="One person")
@api_rule("persons.view")
def person_detail(request: HttpRequest, person_id: int) -> dict[str, Any]:
    return _person_out(selectors.person_get_for(user=_user(request), person_id=person_id))
