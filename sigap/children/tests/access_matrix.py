"""Expected outcome of every children route and API operation for every persona (+ anonymous).

Format: see sigap/core/tests/routes.py; checked with real requests by
sigap/core/tests/test_routes.py. 302 for anonymous is the redirect to sign-in (401 on the API);
404 is "not yours to know it exists"; 403 is "you know it (or the page), but may not do this".

The sample child was registered by the home agency's intake officer and has a case led by the
persona case worker, so it is visible to: intake_officer (her agency registered it),
case_worker (case team) and supervisor (supervises the registering and the lead agency).
psychologist, police_officer, lksa_staff and outsider hold child-data roles but have no link to
it: 404. analyst, agency_admin and system_admin see no child data at all: 403 on every page.
The "#other_agency" samples belong to the unrelated agency (the outsider registered them).

API operations with a JSON body (POST/PATCH) cannot be driven by the matrix (it sends form
data, which ninja refuses with 400 before any rule runs): they are listed with GET, which answers
the GET operation sharing their path, or 405 when there is none.
"""

from __future__ import annotations

from typing import Any

from sigap.core.tests.routes import row

CHILD_ID = "6a7e1c2d-0000-4000-8000-00000000c41d"  # the sample child, so a POST body can name it

NO_CHILD_DATA = {"analyst": 403, "agency_admin": 403, "system_admin": 403}
SEES_SAMPLE = {"intake_officer": 200, "case_worker": 200, "supervisor": 200}
# Roles outside children.register / children.edit / persons.manage / incidents.manage.
NOT_EDITORS = {"psychologist": 403, "police_officer": 403, "lksa_staff": 403, **NO_CHILD_DATA}


def html(default: int = 404, **cells: int) -> dict[str, int]:
    return row(default, anonymous=302, **{**NO_CHILD_DATA, **cells})


def api(default: int = 404, **cells: int) -> dict[str, int]:
    return row(default, anonymous=401, **{**NO_CHILD_DATA, **cells})


CHILD_DATA_PAGE = html(200)  # lists scoped by the selectors: every child-data role
EDITORS_PAGE = row(200, anonymous=302, **NOT_EDITORS)  # intake, case worker, supervisor, outsider
SAMPLE_PAGE = html(**SEES_SAMPLE)
SAMPLE_EDIT = html(**SEES_SAMPLE, **NOT_EDITORS)
OTHER_AGENCY_PAGE = html(outsider=200)
# The sensitive section: the supervisor of the registering agency and case workers who see the
# child; the intake officer entered the numbers but does not read them back.
SENSITIVE = html(intake_officer=403, case_worker=200, supervisor=200)
# A person of the city (64.71): every child-data role of the city; the outsider works elsewhere.
CITY_PERSON = html(200, outsider=404)

MATRIX = {
    "children:child_list": CHILD_DATA_PAGE,
    "children:child_create": EDITORS_PAGE,
    "children:child_detail": SAMPLE_PAGE,
    "children:child_detail#other_agency": OTHER_AGENCY_PAGE,
    "children:child_detail#missing": html(),
    "children:child_edit": SAMPLE_EDIT,
    "children:child_edit#other_agency": html(**NOT_EDITORS, outsider=200),
    "children:child_sensitive": SENSITIVE,
    "children:child_photo": SENSITIVE,
    "children:alias_add": html(**NOT_EDITORS, **dict.fromkeys(SEES_SAMPLE, 302)),
    "children:alias_remove": SAMPLE_EDIT,
    "children:family_add": SAMPLE_EDIT,
    "children:family_edit": SAMPLE_EDIT,
    "children:family_remove": SAMPLE_EDIT,
    "children:person_list": CHILD_DATA_PAGE,
    "children:person_create": EDITORS_PAGE,
    "children:person_detail": CITY_PERSON,
    "children:person_edit": html(**NOT_EDITORS, **SEES_SAMPLE),
    "children:incident_list": EDITORS_PAGE,
    "children:incident_create": EDITORS_PAGE,
    "children:incident_detail": html(**NOT_EDITORS, **SEES_SAMPLE),
    "children:incident_add_child": html(**NOT_EDITORS, **dict.fromkeys(SEES_SAMPLE, 302)),
    # --- API ---
    "api:child_list": api(200),
    "api:child_create": api(200),  # GET /children: the list
    "api:child_detail": api(**SEES_SAMPLE),
    "api:child_detail#other_agency": api(outsider=200),
    "api:child_patch": api(**SEES_SAMPLE),  # GET /children/{id}: the detail
    "api:family_list": api(**SEES_SAMPLE),
    "api:family_add": api(**SEES_SAMPLE),  # GET .../family: the family list
    "api:person_list": api(200),
    "api:person_create": api(200),  # GET /persons: the list
    "api:person_detail": api(200, outsider=404),
}


# --- sample records -----------------------------------------------------------------------------


def _child(get: Any) -> Any:
    """Registered by the home intake officer, with a case led by the persona case worker."""
    from sigap.cases.tests.factories import make_child, open_case
    from sigap.children.models import Child

    # A test that walks every route (the 2FA test) builds the samples more than once.
    existing = Child.objects.filter(pk=CHILD_ID).first()
    if existing is not None:
        return existing
    child = make_child(
        get("home_agency"), get("intake_officer"), id=CHILD_ID, full_name="Anak Matriks"
    )
    open_case(get("case_worker"), get("home_agency"), child, summary="Matrix sample")
    return child


def _child_with_photo(get: Any) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from sigap.cases.tests.factories import open_case
    from sigap.children.models import Child
    from sigap.children.services import child_register
    from sigap.intake.tests.factories import image_bytes

    existing = Child.objects.filter(full_name="Anak Berfoto").first()
    if existing is not None:
        return existing
    get("settings").MEDIA_ROOT = get("tmp_path") / "media"
    child = child_register(
        actor=get("intake_officer"),
        full_name="Anak Berfoto",
        sex="female",
        nik="6471010101150001",
        photo=SimpleUploadedFile("anak.png", image_bytes("PNG"), content_type="image/png"),
    )
    open_case(get("case_worker"), get("home_agency"), child, summary="Matrix sample")
    return child


def _other_child(get: Any) -> Any:
    from sigap.cases.tests.factories import make_child

    return make_child(get("other_agency"), get("outsider"), full_name="Anak Samarinda")


def _alias(get: Any) -> dict[str, Any]:
    from sigap.children.models import ChildAlias

    child = _child(get)
    alias = ChildAlias.objects.create(child=child, alias="Ucok")
    return {"pk": child.pk, "alias_id": alias.pk}


def _member(get: Any) -> dict[str, Any]:
    from sigap.children.models import FamilyMember, Relation

    child = _child(get)
    member = FamilyMember.objects.create(
        child=child, full_name="Ibu Matriks", relation=Relation.MOTHER, is_guardian=True
    )
    return {"pk": child.pk, "member_id": member.pk}


def _person(get: Any) -> Any:
    from sigap.cases.tests.factories import make_person

    return make_person(get("home_agency"), get("intake_officer"), full_name="Oknum Matriks")


def _incident(get: Any) -> Any:
    from datetime import timedelta

    from django.utils import timezone

    from sigap.children.services import incident_create

    return incident_create(
        actor=get("intake_officer"),
        occurred_at=timezone.now() - timedelta(days=1),
        place="Simpang Muara Rapak",
    )


def _incident_and_child(get: Any) -> dict[str, Any]:
    _child(get)  # posted in DATA by its fixed id
    return {"pk": _incident(get).pk}


def _pk(builder: Any, name: str = "pk") -> Any:
    return lambda get: {name: builder(get).pk}


KWARGS = {
    "children:child_detail": _pk(_child),
    "children:child_detail#other_agency": _pk(_other_child),
    "children:child_detail#missing": lambda get: {"pk": "00000000-0000-4000-8000-000000000000"},
    "children:child_edit": _pk(_child),
    "children:child_edit#other_agency": _pk(_other_child),
    "children:child_sensitive": _pk(_child),
    "children:child_photo": _pk(_child_with_photo),
    "children:alias_add": _pk(_child),
    "children:alias_remove": _alias,
    "children:family_add": _pk(_child),
    "children:family_edit": _member,
    "children:family_remove": _member,
    "children:person_detail": _pk(_person),
    "children:person_edit": _pk(_person),
    "children:incident_detail": _pk(_incident),
    "children:incident_add_child": _incident_and_child,
    "api:child_detail": _pk(_child, "child_id"),
    "api:child_detail#other_agency": _pk(_other_child, "child_id"),
    "api:child_patch": _pk(_child, "child_id"),
    "api:family_list": _pk(_child, "child_id"),
    "api:family_add": _pk(_child, "child_id"),
    "api:person_detail": _pk(_person, "person_id"),
}

METHODS = {
    "children:alias_add": "post",
    "children:incident_add_child": "post",
}

DATA = {
    "children:alias_add": {"alias": "Si Kecil", "kind": "nickname"},
    "children:incident_add_child": {"child": CHILD_ID},
}
