"""Expected outcome of every cases route and API operation for every persona (+ anonymous).

Format: see sigap/core/tests/routes.py; checked with real requests by
sigap/core/tests/test_routes.py. 302 for anonymous is the redirect to sign-in (401 on the API);
404 is "not yours to know it exists"; 403 is "you know it (or the page), but may not do this".

The sample case belongs to the home agency (UPTD PPA): the persona case worker opened it and is
its lead worker; the child was registered by the home intake officer. Who sees it: case_worker
(team) and supervisor (supervises the lead agency). intake_officer (did not open it),
psychologist (not on the team), police_officer, lksa_staff and outsider hold child-data roles but
have no link: 404. analyst, agency_admin and system_admin see no case at all: 403.

API operations with a JSON body (POST/PATCH) cannot be driven by the matrix (it sends form
data, which ninja refuses with 400 before any rule runs): they are listed with GET, which answers
the GET operation sharing their path, or 405 when there is none.
"""

from __future__ import annotations

from typing import Any

from sigap.core.tests.routes import row

NO_CHILD_DATA = {"analyst": 403, "agency_admin": 403, "system_admin": 403}
TEAM = {"case_worker": 200, "supervisor": 200}


def html(default: int = 404, **cells: int) -> dict[str, int]:
    return row(default, anonymous=302, **{**NO_CHILD_DATA, **cells})


def api(default: int = 404, **cells: int) -> dict[str, int]:
    return row(default, anonymous=401, **{**NO_CHILD_DATA, **cells})


CASE_PAGE = html(**TEAM)
CASE_API = api(**TEAM)
SUPERVISORS_ONLY = row(403, anonymous=302, supervisor=200)

MATRIX = {
    "cases:case-list": html(200),
    # case.open: intake officers, case workers, supervisors; then the child must be visible.
    "cases:case-open": html(
        psychologist=403, police_officer=403, lksa_staff=403, intake_officer=200, **TEAM
    ),
    "cases:approval-queue": SUPERVISORS_ONLY,
    "cases:approval-decide": SUPERVISORS_ONLY,
    "cases:approval-decide#other_agency": row(403, anonymous=302, supervisor=404),
    "cases:case-detail": CASE_PAGE,
    "cases:case-detail#missing": html(),
    "cases:case-edit": CASE_PAGE,
    "cases:case-risk": CASE_PAGE,
    # Without ?to= there is nothing to confirm: back to the case with a message.
    "cases:case-transition": html(case_worker=302, supervisor=302),
    "cases:closure-request": CASE_PAGE,
    "cases:assessment-create": CASE_PAGE,
    "cases:assessment-edit": CASE_PAGE,
    "cases:plan-create": CASE_PAGE,
    "cases:plan-edit": CASE_PAGE,
    "cases:plan-action-add": CASE_PAGE,
    "cases:plan-submit": CASE_PAGE,
    # An empty status form: back to the plan with a message.
    "cases:plan-action-status": html(case_worker=302, supervisor=302),
    "cases:note-list": CASE_PAGE,
    "cases:note-add": CASE_PAGE,
    # The case worker's note: only its author edits it; the supervisor knows the case.
    "cases:note-edit": html(case_worker=200, supervisor=403),
    "cases:team-add": CASE_PAGE,
    "cases:team-end": CASE_PAGE,
    "cases:person-link": CASE_PAGE,
    "cases:person-unlink": CASE_PAGE,
    # --- API ---
    "api:case_list": api(200),
    "api:case_create": api(200),  # GET /cases: the list
    "api:case_get": CASE_API,
    "api:case_get#other_agency": api(outsider=200),
    "api:case_patch": CASE_API,  # GET /cases/{id}: the case
    "api:case_risk": row(405),
    "api:case_transition": row(405),
    "api:case_timeline_get": CASE_API,
    "api:case_notes": CASE_API,
    "api:case_note_create": CASE_API,  # GET .../notes: the notes
    "api:case_note_patch": row(405),
    "api:case_assessments": CASE_API,
    "api:case_assessment_create": CASE_API,  # GET .../assessments
    "api:case_assessment_patch": row(405),
    "api:case_plans": CASE_API,
    "api:case_plan_create": CASE_API,  # GET .../plans
    "api:case_plan_patch": row(405),
    "api:case_plan_action_create": row(405),
    "api:case_action_patch": row(405),
    "api:case_plan_submit": row(405),
    "api:case_closure_request": row(405),
    "api:approval_list": row(403, anonymous=401, supervisor=200),
    "api:approval_decision": row(405),
    "api:case_team_add": row(405),
    "api:case_person_link": row(405),
}


# --- sample records -----------------------------------------------------------------------------


def _case(get: Any) -> Any:
    from sigap.cases.tests.factories import make_child, open_case

    child = make_child(get("home_agency"), get("intake_officer"), full_name="Anak Matriks")
    return open_case(get("case_worker"), get("home_agency"), child, summary="Matrix sample")


def _other_case(get: Any) -> Any:
    from sigap.cases.tests.factories import make_child, open_case

    child = make_child(get("other_agency"), get("outsider"), full_name="Anak Samarinda")
    return open_case(get("outsider"), get("other_agency"), child, summary="Elsewhere")


def _closure(builder: Any, worker: str = "case_worker") -> Any:
    """A closure request of the sample case, waiting for a supervisor."""

    def build(get: Any) -> dict[str, Any]:
        from sigap.cases import services

        approval = services.closure_request(
            actor=get(worker), case=builder(get), reason="reintegrated"
        )
        return {"approval_id": approval.pk}

    return build


def _assessment(get: Any) -> dict[str, Any]:
    from sigap.cases import services

    case = _case(get)
    draft = services.assessment_create(actor=get("case_worker"), case=case, safety_score=2)
    return {"pk": case.pk, "assessment_id": draft.pk}


def _plan(get: Any) -> tuple[Any, Any]:
    from sigap.cases import services

    case = _case(get)
    return case, services.plan_create(actor=get("case_worker"), case=case, goals="Back to school")


def _plan_kwargs(get: Any) -> dict[str, Any]:
    case, plan = _plan(get)
    return {"pk": case.pk, "plan_id": plan.pk}


def _plan_action(get: Any) -> dict[str, Any]:
    from datetime import date

    from sigap.cases import services

    case, plan = _plan(get)
    action = services.plan_action_add(
        actor=get("case_worker"),
        plan=plan,
        description="Home visit",
        responsible_agency=case.lead_agency,
        responsible_person="Dewi",
        due_on=date(2030, 1, 1),
    )
    return {"pk": case.pk, "action_id": action.pk}


def _note(get: Any) -> dict[str, Any]:
    from django.utils import timezone

    from sigap.cases import services

    case = _case(get)
    note = services.note_add(
        actor=get("case_worker"),
        case=case,
        kind="home_visit",
        occurred_on=timezone.localdate(),
        text="Visited the family.",
    )
    return {"pk": case.pk, "note_id": note.pk}


def _team_member(get: Any) -> dict[str, Any]:
    from sigap.cases.models import CaseTeamMember

    case = _case(get)
    member = CaseTeamMember.objects.get(case=case, user=get("case_worker"))
    return {"pk": case.pk, "member_id": member.pk}


def _person_link(get: Any) -> dict[str, Any]:
    from sigap.cases import services
    from sigap.cases.tests.factories import make_person

    case = _case(get)
    person = make_person(get("home_agency"), get("case_worker"), full_name="Oknum Matriks")
    link = services.case_person_link(
        actor=get("case_worker"), case=case, person=person, role="organiser"
    )
    return {"pk": case.pk, "link_id": link.pk}


def _pk(builder: Any, name: str = "pk") -> Any:
    return lambda get: {name: builder(get).pk}


def _api(builder: Any) -> Any:
    """The same sample with the API's parameter names (case_id, ...)."""

    def build(get: Any) -> dict[str, Any]:
        kwargs = builder(get)
        kwargs["case_id"] = kwargs.pop("pk")
        return kwargs

    return build


KWARGS = {
    "cases:case-open": lambda get: {"child_id": _case(get).child_id},
    "cases:approval-decide": _closure(_case),
    "cases:approval-decide#other_agency": _closure(_other_case, "outsider"),
    "cases:case-detail": _pk(_case),
    "cases:case-detail#missing": lambda get: {"pk": "00000000-0000-4000-8000-000000000000"},
    "cases:case-edit": _pk(_case),
    "cases:case-risk": _pk(_case),
    "cases:case-transition": _pk(_case),
    "cases:closure-request": _pk(_case),
    "cases:assessment-create": _pk(_case),
    "cases:assessment-edit": _assessment,
    "cases:plan-create": _pk(_case),
    "cases:plan-edit": _plan_kwargs,
    "cases:plan-action-add": _plan_kwargs,
    "cases:plan-submit": _plan_kwargs,
    "cases:plan-action-status": _plan_action,
    "cases:note-list": _pk(_case),
    "cases:note-add": _pk(_case),
    "cases:note-edit": _note,
    "cases:team-add": _pk(_case),
    "cases:team-end": _team_member,
    "cases:person-link": _pk(_case),
    "cases:person-unlink": _person_link,
    "api:case_get": _pk(_case, "case_id"),
    "api:case_get#other_agency": _pk(_other_case, "case_id"),
    "api:case_patch": _pk(_case, "case_id"),
    "api:case_risk": _pk(_case, "case_id"),
    "api:case_transition": _pk(_case, "case_id"),
    "api:case_timeline_get": _pk(_case, "case_id"),
    "api:case_notes": _pk(_case, "case_id"),
    "api:case_note_create": _pk(_case, "case_id"),
    "api:case_note_patch": _api(_note),
    "api:case_assessments": _pk(_case, "case_id"),
    "api:case_assessment_create": _pk(_case, "case_id"),
    "api:case_assessment_patch": _api(_assessment),
    "api:case_plans": _pk(_case, "case_id"),
    "api:case_plan_create": _pk(_case, "case_id"),
    "api:case_plan_patch": _api(_plan_kwargs),
    "api:case_plan_action_create": _api(_plan_kwargs),
    "api:case_action_patch": _api(_plan_action),
    "api:case_plan_submit": _api(_plan_kwargs),
    "api:case_closure_request": _pk(_case, "case_id"),
    "api:approval_decision": _closure(_case),
    "api:case_team_add": _pk(_case, "case_id"),
    "api:case_person_link": _pk(_case, "case_id"),
}

METHODS = {"cases:plan-action-status": "post"}
