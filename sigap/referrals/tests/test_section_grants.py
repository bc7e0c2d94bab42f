"""Sensitive sections need an explicit per-case grant (issue #7 point 5): the default holders of
each section (#5, #6), everybody else only with a SectionGrant that a supervisor of the lead
agency makes and revokes (audited); seeing the case through a referral, a transfer's history or
break-the-glass gives no section."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sigap.accounts.models import Role, User
from sigap.accounts.tests.factories import user_with_role
from sigap.cases.tests.factories import open_case
from sigap.children.models import FamilyMember, Relation
from sigap.children.services import child_register
from sigap.core.access import can
from sigap.core.models import AuditEvent
from sigap.intake.models import Report
from sigap.referrals import services
from sigap.referrals.models import SectionGrant
from sigap.referrals.tests.factories import accepted_referral, draft_referral, sent_referral

pytestmark = pytest.mark.django_db

NIK = "6471010101150001"
KK = "6471010101150002"
SECRET_SUMMARY = "The organiser abused her in the back room of the kiosk."


def fresh(user: User) -> User:
    """The user as the next request sees it (memos of grants and visibility are per request)."""
    return User.objects.get(pk=user.pk)


@pytest.fixture
def numbered_child(intake_officer: Any) -> Any:
    return child_register(
        actor=intake_officer,
        full_name="Dewi Lestari Uji",
        sex="female",
        estimated_age=12,
        nik=NIK,
        family_card_number=KK,
    )


@pytest.fixture
def sv_case(case_worker: Any, home_agency: Any, numbered_child: Any, psychologist: Any) -> Any:
    """A case of sexual violence led by the home agency; psychologist on the team."""
    from sigap.cases.services import team_member_add

    case = open_case(
        case_worker,
        home_agency,
        numbered_child,
        summary=SECRET_SUMMARY,
        risk_level="critical",
        risk_reason="The organiser still knows where she sleeps",
        violence_types=["sexual"],
        ampk_categories=["j"],
    )
    team_member_add(actor=case_worker, case=case, user=psychologist, role="psychologist")
    return case


@pytest.fixture
def police_referral(sv_case: Any, case_worker: Any, police_agency: Any, police_officer: Any) -> Any:
    """Referred to the police with the child's identity and the case summary; accepted."""
    mother = FamilyMember.objects.create(
        child=sv_case.child, full_name="Ibu Dewi", relation=Relation.MOTHER, is_guardian=True
    )
    draft = draft_referral(sv_case, case_worker, police_agency, guardian=mother)
    return accepted_referral(sent_referral(draft, case_worker), police_officer)


def _grant(supervisor: Any, case: Any, user: Any, section: str, **kwargs: Any) -> SectionGrant:
    return services.section_grant(
        actor=supervisor,
        case=case,
        user=user,
        section=section,
        reason=kwargs.pop("reason", "Needed for the investigation report"),
        **kwargs,
    )


# --- identity numbers through a referral: the case the issue names ---------------------------


def test_police_see_the_nik_only_while_a_grant_lasts(
    police_referral: Any, police_officer: Any, supervisor: Any, client: Client
) -> None:
    case = police_referral.case
    page_url = police_referral.get_absolute_url()
    nik_url = reverse("referrals:referral-identity-numbers", args=[police_referral.pk])
    api_url = f"/api/v1/referrals/{police_referral.pk}/identity-numbers"
    client.force_login(police_officer)

    # The referral shares the identity section, yet the NIK needs a grant.
    page = client.get(page_url).content.decode()
    assert "Dewi Lestari Uji" in page and nik_url not in page and NIK not in page
    assert client.get(nik_url).status_code == 404
    assert client.get(api_url).status_code == 404
    refused = AuditEvent.objects.filter(action="referral.section_refused").order_by("id")
    assert [e.summary["section"] for e in refused] == ["identity_numbers"] * 2

    grant = _grant(supervisor, case, police_officer, "identity_numbers")
    assert nik_url in client.get(page_url).content.decode()  # the button
    response = client.get(nik_url)
    assert response.status_code == 200 and NIK in response.content.decode()
    assert client.get(api_url).json() == {"nik": NIK, "family_card_number": KK}
    reads = AuditEvent.objects.filter(action="child.view_sensitive", actor_id=police_officer.pk)
    assert reads.count() == 2
    assert {e.object_id for e in reads} == {str(case.child_id)}

    services.section_grant_revoke(actor=supervisor, grant=grant)
    assert client.get(nik_url).status_code == 404
    assert client.get(api_url).status_code == 404

    # A new grant that has run out is no grant either.
    later = _grant(
        supervisor,
        case,
        police_officer,
        "identity_numbers",
        expires_at=timezone.now() + timedelta(hours=1),
    )
    assert client.get(nik_url).status_code == 200
    SectionGrant.objects.filter(pk=later.pk).update(expires_at=timezone.now() - timedelta(1))
    assert client.get(nik_url).status_code == 404
    assert NIK not in client.get(page_url).content.decode()


def test_a_grant_does_not_outlive_the_referral(
    police_referral: Any, police_officer: Any, supervisor: Any, case_worker: Any, client: Client
) -> None:
    _grant(supervisor, police_referral.case, police_officer, "identity_numbers")
    services.consent_withdraw(actor=case_worker, referral=police_referral, note="Mother withdrew")
    client.force_login(police_officer)
    url = reverse("referrals:referral-identity-numbers", args=[police_referral.pk])
    assert client.get(url).status_code == 404  # the sections are closed: nothing to read it in


# --- identity numbers: default holders on the child page ---------------------------------------


def test_identity_numbers_default_holders_and_break_the_glass(
    sv_case: Any,
    case_worker: Any,
    supervisor: Any,
    psychologist: Any,
    intake_officer: Any,
    police_agency: Any,
) -> None:
    child = sv_case.child
    chief = user_with_role(Role.SUPERVISOR, police_agency, username="kanit")
    services.break_glass_open(actor=chief, case=sv_case, reason="Found injured at night, urgent")
    expected = {
        case_worker: True,  # the lead agency's case worker on the team
        supervisor: True,  # supervisor of the registering and lead agency
        psychologist: False,  # on the team, but not for the numbers
        intake_officer: False,  # registered the child, does not read the numbers back
        chief: False,  # sees the child through break-the-glass only
    }
    for user, sees in expected.items():
        user = fresh(user)
        assert can(user, "children.view", child), user
        assert can(user, "children.view_sensitive", child) == sees, user
    _grant(supervisor, sv_case, chief, "identity_numbers")
    assert can(fresh(chief), "children.view_sensitive", child)


def test_a_co_worker_of_another_agency_role_is_no_holder(
    sv_case: Any, case_worker: Any, lksa_agency: Any
) -> None:
    """A team role at the lead agency is what counts: a case worker elsewhere who somehow sees
    the child holds nothing (the leak the old rule had: any case worker who saw the child)."""
    stranger = user_with_role(Role.CASE_WORKER, lksa_agency, username="pekerja-lain")
    assert not can(stranger, "children.view_sensitive", sv_case.child)


# --- psychologist notes -------------------------------------------------------------------------


def test_psych_notes_defaults_and_grant(
    case_worker: Any,
    supervisor: Any,
    psychologist: Any,
    intake_officer: Any,
    home_agency: Any,
    numbered_child: Any,
) -> None:
    from sigap.cases.services import team_member_add

    # Opened by the intake officer (who therefore sees the case) with a lead worker.
    case = open_case(intake_officer, home_agency, numbered_child, lead_worker=case_worker)
    team_member_add(actor=case_worker, case=case, user=psychologist, role="psychologist")
    for user, sees in {
        case_worker: True,
        supervisor: True,
        psychologist: True,
        intake_officer: False,
    }.items():
        user = fresh(user)
        assert can(user, "case.view", case)
        assert can(user, "care.psych.view", case) == sees, user
    grant = _grant(supervisor, case, intake_officer, "psych_notes")
    assert can(fresh(intake_officer), "care.psych.view", case)
    services.section_grant_revoke(actor=supervisor, grant=grant)
    assert not can(fresh(intake_officer), "care.psych.view", case)


def test_a_psych_grant_is_for_one_case(
    case_worker: Any, supervisor: Any, intake_officer: Any, home_agency: Any, numbered_child: Any
) -> None:
    first = open_case(intake_officer, home_agency, numbered_child, lead_worker=case_worker)
    other_child = child_register(
        actor=intake_officer, full_name="Anak Kedua Uji", sex="male", estimated_age=9
    )
    second = open_case(intake_officer, home_agency, other_child, lead_worker=case_worker)
    _grant(supervisor, first, intake_officer, "psych_notes")
    assert can(fresh(intake_officer), "care.psych.view", first)
    assert not can(fresh(intake_officer), "care.psych.view", second)


# --- the reporter's identity --------------------------------------------------------------------


def test_reporter_identity_needs_a_grant_outside_the_intake_roles(
    police_referral: Any, police_officer: Any, supervisor: Any, intake_officer: Any
) -> None:
    case = police_referral.case
    # A report that opened the case and was assigned to the police officer (who may read it).
    report = Report(regency_code=case.regency_code, assigned_to=police_officer, case=case)
    assert can(intake_officer, "intake.view_reporter", report)  # handles the report
    assert can(supervisor, "intake.view_reporter", report)
    assert can(police_officer, "intake.view", report)
    assert not can(police_officer, "intake.view_reporter", report)
    grant = _grant(supervisor, case, police_officer, "reporter_identity")
    assert can(fresh(police_officer), "intake.view_reporter", report)
    # a grant for another section of the same case opens nothing here
    services.section_grant_revoke(actor=supervisor, grant=grant)
    _grant(supervisor, case, police_officer, "identity_numbers")
    assert not can(fresh(police_officer), "intake.view_reporter", report)
    # and a grant never makes a report visible that was not
    stranger = Report(regency_code=case.regency_code, case=case)
    assert not can(fresh(police_officer), "intake.view_reporter", stranger)


# --- details of sexual violence ---------------------------------------------------------------


def test_sexual_violence_details_through_a_referral(
    police_referral: Any, police_officer: Any, supervisor: Any, client: Client
) -> None:
    client.force_login(police_officer)
    url = police_referral.get_absolute_url()
    page = client.get(url).content.decode()
    assert "Sexual" in page  # the category stays
    assert SECRET_SUMMARY not in page and "still knows where she sleeps" not in page
    assert "Details of sexual violence are hidden" in page
    api = client.get(f"/api/v1/referrals/{police_referral.pk}/sections/summary").json()
    assert api["case"]["summary"] is None and api["case"]["details_hidden"] is True

    _grant(supervisor, police_referral.case, police_officer, "sexual_violence")
    page = client.get(url).content.decode()
    assert SECRET_SUMMARY in page and "Details of sexual violence are hidden" not in page
    api = client.get(f"/api/v1/referrals/{police_referral.pk}/sections/summary").json()
    assert api["case"]["summary"] == SECRET_SUMMARY


def test_sexual_violence_details_on_the_case_page(
    sv_case: Any,
    case_worker: Any,
    psychologist: Any,
    supervisor: Any,
    police_agency: Any,
    client: Client,
) -> None:
    from sigap.cases.services import note_add

    note_add(
        actor=case_worker,
        case=sv_case,
        kind="home_visit",
        occurred_on=timezone.localdate(),
        text="She described the back room in detail.",
    )
    chief = user_with_role(Role.SUPERVISOR, police_agency, username="kanit")
    services.break_glass_open(actor=chief, case=sv_case, reason="Found injured at night, urgent")
    url = reverse("cases:case-detail", args=[sv_case.pk])
    for user in (case_worker, psychologist, supervisor):
        client.force_login(user)
        page = client.get(url).content.decode()
        assert SECRET_SUMMARY in page and "described the back room" in page, user
    client.force_login(chief)
    page = client.get(url).content.decode()
    assert "Sexual" in page  # the fact stays
    assert SECRET_SUMMARY not in page and "described the back room" not in page
    assert "where she sleeps" not in page
    detail = client.get(f"/api/v1/cases/{sv_case.pk}").json()
    assert detail["details_hidden"] is True and detail["summary"] == ""
    notes = client.get(f"/api/v1/cases/{sv_case.pk}/notes").json()
    assert [n["text"] for n in notes["items"]] == [""]
    timeline = json.dumps(client.get(f"/api/v1/cases/{sv_case.pk}/timeline").json())
    assert "described the back room" not in timeline

    _grant(supervisor, sv_case, chief, "sexual_violence")
    assert SECRET_SUMMARY in client.get(url).content.decode()
    assert client.get(f"/api/v1/cases/{sv_case.pk}").json()["details_hidden"] is False


def test_other_cases_show_their_details(accepted: Any, police_officer: Any, client: Client) -> None:
    client.force_login(police_officer)
    page = client.get(accepted.get_absolute_url()).content.decode()
    assert "Sells tissues at the Rapak crossroads" in page
    assert "Details of sexual violence are hidden" not in page


# --- granting and revoking ----------------------------------------------------------------------


def test_grant_and_revoke_are_audited(
    police_referral: Any, police_officer: Any, supervisor: Any
) -> None:
    grant = _grant(supervisor, police_referral.case, police_officer, "identity_numbers")
    event = AuditEvent.objects.get(action="section.granted")
    assert event.actor_id == supervisor.pk
    assert event.object_type == "cases.case" and event.object_id == str(grant.case_id)
    assert event.summary["section"] == "identity_numbers"
    assert event.summary["user"] == police_officer.pk
    services.section_grant_revoke(actor=supervisor, grant=grant, note="Investigation done")
    revoked = AuditEvent.objects.get(action="section.revoked")
    assert revoked.summary == {
        "grant": grant.pk,
        "user": police_officer.pk,
        "section": grant.section,
    }
    grant.refresh_from_db()
    assert grant.revoked_by_id == supervisor.pk and grant.revoke_note == "Investigation done"


def test_only_a_supervisor_of_the_lead_agency_grants(
    police_referral: Any,
    police_officer: Any,
    case_worker: Any,
    police_agency: Any,
) -> None:
    police_chief = user_with_role(Role.SUPERVISOR, police_agency, username="kanit")
    for actor in (case_worker, police_chief):
        with pytest.raises(PermissionDenied):
            _grant(actor, police_referral.case, police_officer, "identity_numbers")
    assert not SectionGrant.objects.exists()
    assert not AuditEvent.objects.filter(action="section.granted").exists()


def test_bad_grants_are_refused_and_write_nothing(
    police_referral: Any, police_officer: Any, supervisor: Any, outsider: Any
) -> None:
    case = police_referral.case
    cases = [
        ({"user": police_officer, "section": "identity_numbers", "reason": "short"}, "reason"),
        ({"user": police_officer, "section": "everything"}, "section"),
        ({"user": outsider, "section": "identity_numbers"}, "user"),  # no way to the case
        ({"user": supervisor, "section": "identity_numbers"}, "user"),  # oneself
        (
            {
                "user": police_officer,
                "section": "identity_numbers",
                "expires_at": timezone.now() - timedelta(minutes=1),
            },
            "expires_at",
        ),
    ]
    for kwargs, field in cases:
        kwargs.setdefault("reason", "Needed for the investigation report")
        with pytest.raises(ValidationError) as exc:
            services.section_grant(actor=supervisor, case=case, **kwargs)
        assert field in exc.value.error_dict, kwargs
    _grant(supervisor, case, police_officer, "identity_numbers")
    with pytest.raises(ValidationError) as exc:  # already holds a current one
        _grant(supervisor, case, police_officer, "identity_numbers")
    assert "user" in exc.value.error_dict
    assert SectionGrant.objects.count() == 1


def test_case_page_panel_grant_and_confirmed_revoke(
    police_referral: Any, police_officer: Any, supervisor: Any, client: Client
) -> None:
    case = police_referral.case
    client.force_login(supervisor)
    case_page = client.get(reverse("cases:case-detail", args=[case.pk])).content.decode()
    grants_url = reverse("referrals:case-section-grants", args=[case.pk])
    assert grants_url in case_page  # the "Sensitive sections" button on the case page
    bad = client.post(grants_url, {"user": police_officer.pk, "section": "identity_numbers"})
    assert bad.status_code == 422 and "This field is required" in bad.content.decode()
    ok = client.post(
        grants_url,
        {
            "user": police_officer.pk,
            "section": "identity_numbers",
            "reason": "The police need the NIK for the report",
        },
    )
    assert ok.status_code == 302
    grant = SectionGrant.objects.get()
    listing = client.get(grants_url).content.decode()
    assert police_officer.display_name in listing and "The police need the NIK" in listing
    revoke_url = reverse("referrals:section-grant-revoke", args=[grant.pk])
    confirm = client.get(revoke_url)
    assert confirm.status_code == 200 and "will no longer see" in confirm.content.decode()
    grant.refresh_from_db()
    assert grant.revoked_at is None  # the confirmation page changes nothing
    assert client.post(revoke_url, {"note": ""}).status_code == 302
    grant.refresh_from_db()
    assert grant.revoked_at is not None


def test_non_supervisors_cannot_grant_through_pages_or_api(
    police_referral: Any,
    police_officer: Any,
    case_worker: Any,
    supervisor: Any,
    outsider: Any,
    client: Client,
) -> None:
    case = police_referral.case
    grants_url = reverse("referrals:case-section-grants", args=[case.pk])
    api_url = f"/api/v1/cases/{case.pk}/section-grants"
    form = {"user": police_officer.pk, "section": "identity_numbers", "reason": "x" * 20}
    body = json.dumps(
        {"user_id": police_officer.pk, "section": "identity_numbers", "reason": "x" * 20}
    )
    # the lead worker sees the case and its grants, but may not grant: 403
    client.force_login(case_worker)
    listing = client.get(grants_url)
    assert listing.status_code == 200 and "Grant a section" not in listing.content.decode()
    assert client.post(grants_url, form).status_code == 403
    assert client.post(api_url, body, content_type="application/json").status_code == 403
    # an outsider does not know the case: 404 (the API's rule already stops a non-supervisor)
    client.force_login(outsider)
    assert client.post(grants_url, form).status_code == 404
    assert client.post(api_url, body, content_type="application/json").status_code == 403
    boss_elsewhere = user_with_role(Role.SUPERVISOR, outsider.primary_agency, username="boss")
    client.force_login(boss_elsewhere)
    assert client.post(grants_url, form).status_code == 404
    assert client.post(api_url, body, content_type="application/json").status_code == 404
    # the police (receiving side) neither
    client.force_login(police_officer)
    assert client.post(api_url, body, content_type="application/json").status_code in (403, 404)
    assert not SectionGrant.objects.exists()
    # the lead agency's supervisor through the API: 201, then revoke
    client.force_login(supervisor)
    created = client.post(api_url, body, content_type="application/json")
    assert created.status_code == 201 and created.json()["is_current"] is True
    grant_id = created.json()["id"]
    listed = client.get(api_url).json()
    assert [g["id"] for g in listed] == [grant_id]
    client.force_login(case_worker)
    revoke = f"/api/v1/section-grants/{grant_id}/revoke"
    assert client.post(revoke, "{}", content_type="application/json").status_code == 403
    client.force_login(supervisor)
    done = client.post(revoke, "{}", content_type="application/json")
    assert done.status_code == 200 and done.json()["is_current"] is False
    again = client.post(revoke, "{}", content_type="application/json")
    assert again.status_code == 403  # nothing left to revoke


def test_api_refuses_bad_grants_with_the_field(
    police_referral: Any, police_officer: Any, supervisor: Any, client: Client
) -> None:
    client.force_login(supervisor)
    url = f"/api/v1/cases/{police_referral.case_id}/section-grants"
    body = {"user_id": police_officer.pk, "section": "identity_numbers", "reason": "short"}
    response = client.post(url, json.dumps(body), content_type="application/json")
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"reason"}
    body = {"user_id": 999999, "section": "identity_numbers", "reason": "x" * 20}
    response = client.post(url, json.dumps(body), content_type="application/json")
    assert response.status_code == 422
    assert not SectionGrant.objects.exists()
