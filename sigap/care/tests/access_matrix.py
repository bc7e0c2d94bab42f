"""Expected outcome of every care route and API operation for every persona (+ anonymous).

Format: see sigap/core/tests/routes.py; checked with real requests by
sigap/core/tests/test_routes.py. 302 for anonymous is the redirect to sign-in (401 on the API);
404 is "not yours to know it exists"; 403 is "you know it (or the page), but may not do this".

The sample case belongs to the home agency (UPTD PPA): the persona case worker opened it and is
its lead worker, the persona psychologist is on its team, and the agency has shelter places.
Who sees it: case_worker, psychologist (team) and supervisor (supervises the lead agency).
intake_officer, police_officer, lksa_staff and outsider hold child-data roles but have no link:
404 where the page's rule lets them ask at all. analyst, agency_admin and system_admin see no
case: 403.

API operations with a JSON body (POST/PATCH) cannot be driven by the matrix (it sends form
data, which ninja refuses with 400 before any rule runs): they are listed with GET, which answers
the GET operation sharing their path, or 405 when there is none.
"""

from __future__ import annotations

from typing import Any

from sigap.core.tests.routes import row

NO_CHILD_DATA = {"analyst": 403, "agency_admin": 403, "system_admin": 403}
TEAM = {"case_worker": 200, "supervisor": 200, "psychologist": 200}
# Child-data roles outside the rule of most care pages (it names case workers and supervisors,
# sometimes psychologists): refused before any case is looked at.
OUTSIDE_RULE = {"intake_officer": 403, "police_officer": 403, "lksa_staff": 403}


def html(default: int = 404, **cells: int) -> dict[str, int]:
    return row(default, anonymous=302, **{**NO_CHILD_DATA, **cells})


def api(default: int = 404, **cells: int) -> dict[str, int]:
    return row(default, anonymous=401, **{**NO_CHILD_DATA, **cells})


# Who works the case (care.shelter.*, care.education, care.legal): the lead worker and the
# supervisor; the psychologist on the team is refused (403), the outsider never learns of it.
WORKERS = html(**OUTSIDE_RULE, case_worker=200, supervisor=200, psychologist=403)
# Who may add family work (care.family): the team and the supervisor.
FAMILY = html(**OUTSIDE_RULE, **TEAM)
CARE_PAGE = html(**TEAM)
CARE_API = api(**TEAM)
SUPERVISORS_ONLY = row(403, anonymous=302, supervisor=200)
PSYCHOLOGIST_ONLY = row(403, anonymous=302, psychologist=200)
TASK_ROLES = {"case_worker": 200, "supervisor": 200, "psychologist": 200, "outsider": 200}

MATRIX = {
    "care:tasks": row(403, anonymous=302, **TASK_ROLES),
    # A task of the lead worker: only its assignee closes it; the team knows the case.
    "care:task_complete": html(**OUTSIDE_RULE, case_worker=200, supervisor=403, psychologist=403),
    "care:caseload": SUPERVISORS_ONLY,
    "care:shelter": row(403, anonymous=302, intake_officer=200, **TASK_ROLES),
    "care:capacity": row(403, anonymous=302, supervisor=200, agency_admin=200),
    # Agencies are public: another agency's capacity page is refused, not hidden.
    "care:capacity#other_agency": row(403, anonymous=302),
    "care:discharge": WORKERS,
    "care:case": CARE_PAGE,
    "care:case#missing": html(),
    "care:admit": WORKERS,
    "care:notes": html(**OUTSIDE_RULE, **TEAM),
    "care:note_add": PSYCHOLOGIST_ONLY,
    "care:note_edit": PSYCHOLOGIST_ONLY,
    # An empty interval: back to the notes with a message.
    "care:note_schedule": row(403, anonymous=302, psychologist=302),
    # Recommending is for the psychologist and case workers on the team, not the supervisor
    # (who decides).
    "care:recommend": html(**OUTSIDE_RULE, case_worker=200, psychologist=200, supervisor=403),
    "care:recommendation_decide": SUPERVISORS_ONLY,
    "care:education_add": WORKERS,
    "care:follow_up_add": WORKERS,
    "care:family_add": FAMILY,
    "care:commitment_add": FAMILY,
    "care:commitment_status": FAMILY,
    "care:repeat_add": FAMILY,
    "care:legal_add": WORKERS,
    "care:legal_update": WORKERS,
    "care:reassign": SUPERVISORS_ONLY,
    # --- API ---
    "api:shelter_list": row(403, anonymous=401, intake_officer=200, **TASK_ROLES),
    "api:shelter_admit": row(405),
    "api:shelter_discharge": row(405),
    "api:notes_list": api(**OUTSIDE_RULE, **TEAM),
    "api:note_create": api(**OUTSIDE_RULE, **TEAM),  # GET .../progress-notes: the notes
    "api:note_patch": row(405),
    "api:recommendation_create": CARE_API,  # GET .../school-recommendations: the list
    "api:recommendation_list": CARE_API,
    "api:recommendation_decision": row(405),
    "api:education_create": CARE_API,  # GET .../education-records: the list
    "api:education_list": CARE_API,
    "api:follow_up_create": row(405),
    "api:family_get": CARE_API,
    "api:intervention_create": row(405),
    "api:commitment_create": row(405),
    "api:commitment_status": row(405),
    "api:repeat_create": row(405),
    "api:legal_create": row(405),
    "api:legal_patch": row(405),
    "api:task_list": row(403, anonymous=401, **TASK_ROLES),
    "api:task_done": row(405),
}


# --- sample records -----------------------------------------------------------------------------


def _case(get: Any) -> Any:
    from sigap.care.models import AgeGroup, ShelterCapacity
    from sigap.cases import services as case_services
    from sigap.cases.tests.factories import make_child, open_case

    home = get("home_agency")
    for sex in ("male", "female"):
        for group in AgeGroup.values:
            # get_or_create: a test that walks every route builds this sample more than once.
            ShelterCapacity.objects.get_or_create(
                agency=home, sex=sex, age_group=group, defaults={"places": 2}
            )
    child = make_child(home, get("intake_officer"), full_name="Anak Matriks")
    case = open_case(get("case_worker"), home, child, summary="Matrix sample")
    case_services.team_member_add(
        actor=get("case_worker"), case=case, user=get("psychologist"), role="psychologist"
    )
    case.refresh_from_db()
    return case


def _stay(get: Any) -> Any:
    from datetime import timedelta

    from django.utils import timezone

    from sigap.care import services

    return services.shelter_admit(
        actor=get("case_worker"),
        case=_case(get),
        admitted_at=timezone.now() - timedelta(days=4),
        reason="Found selling tissues at 01:00",
        brought_by="Satpol PP night outreach",
    )


def _task(get: Any) -> Any:
    from datetime import timedelta

    from django.utils import timezone

    from sigap.care.models import CareTask, TaskKind

    case = _case(get)
    return CareTask.objects.create(
        case=case,
        kind=TaskKind.DROPPED_OUT,
        title="Follow up at school",
        assignee=get("case_worker"),
        agency=case.lead_agency,
        due_on=timezone.localdate() + timedelta(days=3),
    )


def _note(get: Any) -> dict[str, Any]:
    from django.utils import timezone

    from sigap.care import services

    case = _case(get)
    note = services.progress_note_add(
        actor=get("psychologist"),
        case=case,
        noted_on=timezone.localdate(),
        narrative="Calmer today.",
        mood=3,
        behaviour=3,
        sleep=2,
        appetite=4,
        social=2,
        trauma=2,
    )
    return {"case_id": case.pk, "pk": note.pk}


def _recommendation(get: Any, *, approve: bool = False) -> Any:
    from sigap.care import services

    rec = services.recommendation_request(
        actor=get("psychologist"), case=_case(get), grounds="Stable for two weeks"
    )
    if approve:
        services.recommendation_decide(actor=get("supervisor"), recommendation=rec, approve=True)
    return rec


def _education(get: Any) -> Any:
    from django.utils import timezone

    from sigap.care import services

    rec = _recommendation(get, approve=True)
    return services.education_open(
        actor=get("case_worker"),
        case=rec.case,
        school_name="SDN 1 Balikpapan",
        grade="4",
        started_on=timezone.localdate(),
    )


def _commitment(get: Any) -> Any:
    from django.utils import timezone

    from sigap.care import services

    return services.commitment_add(
        actor=get("case_worker"),
        case=_case(get),
        signed_by="Ibu Sari",
        signed_on=timezone.localdate(),
        terms="No street work",
    )


def _legal(get: Any) -> Any:
    from sigap.care import services

    return services.legal_action_add(
        actor=get("case_worker"),
        case=_case(get),
        target="parent",
        target_name="Bapak Joko",
        allegation="Sent the child to beg",
        police_agency=get("police_agency"),
    )


def _pk(builder: Any, name: str = "pk") -> Any:
    return lambda get: {name: builder(get).pk}


def _case_id(get: Any) -> dict[str, Any]:
    return {"case_id": _case(get).pk}


KWARGS = {
    "care:task_complete": _pk(_task),
    "care:capacity": lambda get: {"agency_id": get("home_agency").pk},
    "care:capacity#other_agency": lambda get: {"agency_id": get("other_agency").pk},
    "care:discharge": _pk(_stay),
    "care:case": _case_id,
    "care:case#missing": lambda get: {"case_id": "00000000-0000-4000-8000-000000000000"},
    "care:admit": _case_id,
    "care:notes": _case_id,
    "care:note_add": _case_id,
    "care:note_edit": _note,
    "care:note_schedule": _case_id,
    "care:recommend": _case_id,
    "care:recommendation_decide": _pk(_recommendation),
    "care:education_add": _case_id,
    "care:follow_up_add": _pk(_education),
    "care:family_add": _case_id,
    "care:commitment_add": _case_id,
    "care:commitment_status": _pk(_commitment),
    "care:repeat_add": _case_id,
    "care:legal_add": _case_id,
    "care:legal_update": _pk(_legal),
    "care:reassign": _case_id,
    "api:shelter_admit": _case_id,
    "api:shelter_discharge": _pk(_stay, "stay_id"),
    "api:notes_list": _case_id,
    "api:note_create": _case_id,
    "api:note_patch": lambda get: {"case_id": (n := _note(get))["case_id"], "note_id": n["pk"]},
    "api:recommendation_create": _case_id,
    "api:recommendation_list": _case_id,
    "api:recommendation_decision": _pk(_recommendation, "rec_id"),
    "api:education_create": _case_id,
    "api:education_list": _case_id,
    "api:follow_up_create": _pk(_education, "record_id"),
    "api:family_get": _case_id,
    "api:intervention_create": _case_id,
    "api:commitment_create": _case_id,
    "api:commitment_status": _pk(_commitment, "commitment_id"),
    "api:repeat_create": _case_id,
    "api:legal_create": _case_id,
    "api:legal_patch": _pk(_legal, "action_id"),
    "api:task_done": _pk(_task, "task_id"),
}

METHODS = {"care:note_schedule": "post"}
