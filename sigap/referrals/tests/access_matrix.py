"""Expected outcome of every referrals route and API operation for every persona (+ anonymous).

Format: see sigap/core/tests/routes.py; MATRIX is checked by sigap/core/tests/test_routes.py with
real requests. The sample records are built from the root personas: a case of the home agency
(UPTD PPA) whose lead worker is the persona case worker, referred to the police unit (persona
police_officer) with the consent of the child and the mother. 302 for anonymous is the redirect
to sign-in; 404 is "not yours to know it exists"; 403 is "you know it, but may not do this".

API operations with a JSON body cannot be driven by the route walk (it posts form data, which the
API answers with 400 before any rule runs), so MATRIX lists them with GET (405: the path exists,
no other method); their real per-persona outcome is API_WRITES below, checked with JSON bodies by
sigap/referrals/tests/test_api.py.
"""

from __future__ import annotations

from typing import Any

from sigap.core.tests.routes import row

# Personas and their relation to the sample referral:
#   case_worker (lead worker) and supervisor (of the home agency): the sending side
#   police_officer: the receiving side; intake_officer, psychologist (home agency, not on the
#   case team), lksa_staff and outsider: child-data roles with no link, so 404;
#   analyst, agency_admin, system_admin: no child data at all, so 403 on every page.
NO_CHILD_DATA = {"analyst": 403, "agency_admin": 403, "system_admin": 403}
SENDERS = {"case_worker": 200, "supervisor": 200}
UNRELATED = {"intake_officer": 404, "psychologist": 404, "lksa_staff": 404, "outsider": 404}


def html(default: int = 404, **cells: int) -> dict[str, int]:
    return row(default, anonymous=302, **{**NO_CHILD_DATA, **cells})


def api(default: int = 404, **cells: int) -> dict[str, int]:
    return row(default, anonymous=401, **{**NO_CHILD_DATA, **cells})


# Roles that may create/edit/cancel referrals at all (case worker, supervisor): others are 403.
SENDER_RULE = {"intake_officer": 403, "psychologist": 403, "police_officer": 403, "lksa_staff": 403}
SUPERVISORS_ONLY = row(403, anonymous=302, supervisor=200)

MATRIX = {
    "referrals:referral-list": html(200),
    "referrals:case-referrals": html(**SENDERS),
    "referrals:referral-create": html(**SENDERS, **SENDER_RULE),
    "referrals:case-access-log": html(
        403, **SENDERS, outsider=404
    ),  # owner and supervisors; rule: case workers and supervisors
    "referrals:referral-detail": html(**SENDERS, police_officer=200),
    "referrals:referral-detail#draft": html(**SENDERS),
    "referrals:referral-section": html(**SENDERS, police_officer=200),
    # a section that was not shared: refused (and audited) for everyone who knows the referral
    "referrals:referral-section#not_shared": html(),
    "referrals:referral-edit": html(**SENDERS, **SENDER_RULE),
    "referrals:referral-send": html(**SENDERS, **SENDER_RULE),
    "referrals:exception-approve": SUPERVISORS_ONLY,
    "referrals:referral-respond": html(police_officer=200, case_worker=403, supervisor=403),
    "referrals:referral-start": html(police_officer=302, case_worker=403, supervisor=403),
    "referrals:service-add": html(police_officer=200, case_worker=403, supervisor=403),
    "referrals:referral-complete": html(police_officer=200, case_worker=403, supervisor=403),
    "referrals:referral-cancel": html(**SENDERS, **SENDER_RULE),
    "referrals:referral-revoke": SUPERVISORS_ONLY,
    "referrals:consent-withdraw": html(**SENDERS, **SENDER_RULE),
    "referrals:note-add": html(case_worker=302, supervisor=302, police_officer=302),
    "referrals:transfer-summary": html(**SENDERS),
    "referrals:transfer-package": html(**SENDERS),
    "referrals:transfer-pdf": html(**SENDERS),
    # sensitive sections: listed for the case's owner and the lead agency's supervisors, granted
    # and revoked by those supervisors only; the NIK through a referral for default holders
    # (the sending team here) and grant holders (the police officer holds none in the sample)
    "referrals:case-section-grants": html(403, **SENDERS, outsider=404),
    "referrals:section-grant-revoke": SUPERVISORS_ONLY,
    "referrals:referral-identity-numbers": html(**SENDERS),
    "referrals:break-glass": SUPERVISORS_ONLY,
    "referrals:emergency-review": SUPERVISORS_ONLY,
    "referrals:emergency-decide": SUPERVISORS_ONLY,
    "referrals:unusual-access": SUPERVISORS_ONLY,
    # --- API ---
    "api:referral_list": api(200),
    # POST /referrals shares its path with the list: GET answers the list (see API_WRITES).
    "api:referral_create": api(200),
    "api:referral_get": api(**SENDERS, police_officer=200),
    "api:referral_get#draft": api(**SENDERS),
    "api:referral_section_get": api(**SENDERS, police_officer=200),
    "api:referral_section_get#not_shared": api(),
    "api:referral_send_op": api(**SENDERS, **SENDER_RULE),
    "api:referral_exception_approve": row(403, anonymous=401, supervisor=200),
    "api:referral_transfer_package": api(**SENDERS),
    "api:referral_transfer_pdf": api(**SENDERS),
    "api:referral_list_for_case": api(**SENDERS),
    "api:referral_case_access_log": api(403, **SENDERS, outsider=404),
    "api:section_grant_list": api(403, **SENDERS, outsider=404),
    # POST shares its path with the list: GET answers the list (writes: test_section_grants.py)
    "api:section_grant_create": api(403, **SENDERS, outsider=404),
    "api:section_grant_revoke_op": row(405),
    "api:referral_identity_numbers_get": api(**SENDERS),
    "api:referral_transition": row(405),
    "api:referral_service_add": row(405),
    "api:referral_note_add": row(405),
    "api:referral_consent_withdraw": row(405),
    "api:referral_break_glass": row(405),
}


# --- sample records -----------------------------------------------------------------------------


def _case(get: Any) -> Any:
    from sigap.cases.tests.factories import make_child, open_case

    child = make_child(get("home_agency"), get("intake_officer"), full_name="Anak Matriks")
    return open_case(get("case_worker"), get("home_agency"), child, summary="Matrix sample")


def _draft(get: Any, **kwargs: Any) -> Any:
    from sigap.children.models import FamilyMember, Relation
    from sigap.referrals.tests.factories import draft_referral

    case = _case(get)
    mother = FamilyMember.objects.create(
        child=case.child, full_name="Ibu Matriks", relation=Relation.MOTHER, is_guardian=True
    )
    if kwargs.get("consent_basis") == "exception":
        return draft_referral(case, get("case_worker"), get("police_agency"), **kwargs)
    return draft_referral(case, get("case_worker"), get("police_agency"), guardian=mother, **kwargs)


def _sent(get: Any) -> Any:
    from sigap.referrals import services

    return services.referral_send(actor=get("case_worker"), referral=_draft(get))


def _accepted(get: Any) -> Any:
    from sigap.referrals import services

    return services.referral_accept(actor=get("police_officer"), referral=_sent(get))


def _exception_draft(get: Any) -> Any:
    return _draft(
        get,
        consent_basis="exception",
        exception_ground="guardian_perpetrator",
        exception_note="The father runs the begging ring.",
    )


def _external_transfer(get: Any) -> Any:
    from sigap.children.models import FamilyMember, Relation
    from sigap.geo.models import Region
    from sigap.referrals import services

    case = _case(get)
    mother = FamilyMember.objects.create(
        child=case.child, full_name="Ibu Matriks", relation=Relation.MOTHER, is_guardian=True
    )
    transfer = services.referral_create(
        actor=get("case_worker"),
        case=case,
        kind="transfer",
        to_region=Region.objects.get(code="64.72"),
        external_recipient="Dinas Sosial daerah asal",
        reason="Return home to the family",
        consent_basis="consent",
        child_view="agreed",
        guardian=mother,
    )
    return services.referral_send(actor=get("case_worker"), referral=transfer)


def _emergency(get: Any) -> Any:
    from sigap.accounts.models import Role
    from sigap.accounts.tests.factories import user_with_role
    from sigap.referrals import services

    chief = user_with_role(Role.SUPERVISOR, get("police_agency"), username="kanit-matriks")
    return services.break_glass_open(
        actor=chief, case=_case(get), reason="Child found injured at night, owner unreachable"
    )


def _grant(get: Any) -> Any:
    from sigap.referrals import services

    return services.section_grant(
        actor=get("supervisor"),
        case=_case(get),
        user=get("psychologist"),
        section="psych_notes",
        reason="Counselling needs the earlier sessions",
    )


def _pk(builder: Any) -> Any:
    return lambda get: {"pk": builder(get).pk}


def _section(builder: Any, section: str, name: str = "pk") -> Any:
    key = "referral_id" if name == "referral_id" else "pk"
    return lambda get: {key: builder(get).pk, "section": section}


def _rid(builder: Any) -> Any:
    return lambda get: {"referral_id": builder(get).pk}


def _case_id(get: Any) -> dict[str, Any]:
    return {"case_id": _case(get).pk}


KWARGS = {
    "referrals:case-referrals": _case_id,
    "referrals:referral-create": _case_id,
    "referrals:case-access-log": _case_id,
    "referrals:referral-detail": _pk(_accepted),
    "referrals:referral-detail#draft": _pk(_draft),
    "referrals:referral-section": _section(_accepted, "identity"),
    "referrals:referral-section#not_shared": _section(_accepted, "family"),
    "referrals:referral-edit": _pk(_draft),
    "referrals:referral-send": _pk(_draft),
    "referrals:exception-approve": _pk(_exception_draft),
    "referrals:referral-respond": _pk(_sent),
    "referrals:referral-start": _pk(_accepted),
    "referrals:service-add": _pk(_accepted),
    "referrals:referral-complete": _pk(_accepted),
    "referrals:referral-cancel": _pk(_sent),
    "referrals:referral-revoke": _pk(_sent),
    "referrals:consent-withdraw": _pk(_sent),
    "referrals:note-add": _pk(_accepted),
    "referrals:transfer-summary": _pk(_external_transfer),
    "referrals:transfer-package": _pk(_external_transfer),
    "referrals:transfer-pdf": _pk(_external_transfer),
    "referrals:emergency-decide": lambda get: {"access_id": _emergency(get).pk},
    "referrals:case-section-grants": _case_id,
    "referrals:section-grant-revoke": _pk(_grant),
    "referrals:referral-identity-numbers": _pk(_accepted),
    "api:section_grant_list": _case_id,
    "api:section_grant_create": _case_id,
    "api:section_grant_revoke_op": lambda get: {"grant_id": _grant(get).pk},
    "api:referral_identity_numbers_get": _rid(_accepted),
    "api:referral_get": _rid(_accepted),
    "api:referral_get#draft": _rid(_draft),
    "api:referral_section_get": _section(_accepted, "identity", "referral_id"),
    "api:referral_section_get#not_shared": _section(_accepted, "family", "referral_id"),
    "api:referral_send_op": _rid(_draft),
    "api:referral_exception_approve": _rid(_exception_draft),
    "api:referral_transfer_package": _rid(_external_transfer),
    "api:referral_transfer_pdf": _rid(_external_transfer),
    "api:referral_list_for_case": _case_id,
    "api:referral_case_access_log": _case_id,
    "api:referral_transition": _rid(_sent),
    "api:referral_service_add": _rid(_accepted),
    "api:referral_note_add": _rid(_accepted),
    "api:referral_consent_withdraw": _rid(_sent),
}

METHODS = {
    "referrals:referral-start": "post",
    "referrals:note-add": "post",
    "api:referral_send_op": "post",
    "api:referral_exception_approve": "post",
}

DATA = {"referrals:note-add": {"text": "Checked the crossroads tonight."}}


# --- JSON operations, checked by test_api.py ----------------------------------------------------
# (operation, sample, JSON body) -> expected status per persona.
API_WRITES: dict[str, tuple[str, str, Any, dict[str, int]]] = {
    "create": (
        "/api/v1/referrals",
        "case",
        lambda s: {
            "case_id": str(s.pk),
            "to_agency_id": s.police_agency_id,
            "services": ["psychological"],
            "sections": ["identity"],
            "reason": "Needs counselling",
        },
        # rule: case workers and supervisors; then the case must be visible (422 names case_id)
        api(
            403,
            case_worker=201,
            supervisor=201,
            outsider=422,
        ),
    ),
    "accept": (
        "/api/v1/referrals/{id}/transitions",
        "sent",
        lambda s: {"to": "accepted"},
        api(**{**UNRELATED, "case_worker": 403, "supervisor": 403, "police_officer": 200}),
    ),
    "decline_without_reason": (
        "/api/v1/referrals/{id}/transitions",
        "sent",
        lambda s: {"to": "declined"},
        api(**{**UNRELATED, "case_worker": 403, "supervisor": 403, "police_officer": 422}),
    ),
    "revoke": (
        "/api/v1/referrals/{id}/transitions",
        "accepted",
        lambda s: {"to": "revoked", "reason": "Shared too much"},
        api(**{**UNRELATED, "case_worker": 403, "supervisor": 200, "police_officer": 403}),
    ),
    "service": (
        "/api/v1/referrals/{id}/services",
        "accepted",
        lambda s: {
            "service": "penegakan_hukum",
            "delivered_on": str(s.created_at.date()),
            "provider": "Unit PPA",
            "outcome": "Organiser questioned",
        },
        api(**{**UNRELATED, "case_worker": 403, "supervisor": 403, "police_officer": 201}),
    ),
    "note": (
        "/api/v1/referrals/{id}/notes",
        "accepted",
        lambda s: {"text": "Visited the family."},
        api(**{**UNRELATED, "case_worker": 201, "supervisor": 201, "police_officer": 201}),
    ),
    "withdraw": (
        "/api/v1/referrals/{id}/consent/withdraw",
        "accepted",
        lambda s: {"note": "Mother withdrew by phone"},
        api(**SENDERS, **SENDER_RULE),
    ),
    "break_glass": (
        "/api/v1/break-glass",
        "case",
        lambda s: {"number": s.number, "reason": "Child found injured at night"},
        # only the home agency's supervisor holds an emergency role among the personas; for the
        # case's own supervisor it is pointless but allowed (and audited)
        row(403, anonymous=401, supervisor=201),
    ),
}
