"""The access rules in one place: who knows about a referral, who sees its shared sections and
when that stops; break-the-glass grants and their expiry; the list rule and the object rule agree."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from sigap.accounts.models import Role
from sigap.accounts.tests.factories import user_with_role
from sigap.cases.extensions import extra_grant, extra_visibility_q
from sigap.cases.models import Case
from sigap.core.access import can
from sigap.referrals import services
from sigap.referrals.models import EmergencyAccess, Referral
from sigap.referrals.policies import (
    emergency_case_grant,
    emergency_case_visibility,
    forget_access,
    forget_emergency,
    referral_access,
    referral_visibility_q,
)
from sigap.referrals.tests.factories import draft_referral

pytestmark = pytest.mark.django_db

PERSONAS = [
    "intake_officer",
    "case_worker",
    "supervisor",
    "psychologist",
    "police_officer",
    "lksa_staff",
    "analyst",
    "agency_admin",
    "system_admin",
    "outsider",
]


def _visible(user: Any, referral: Referral) -> bool:
    return Referral.objects.filter(referral_visibility_q(user), pk=referral.pk).exists()


# Who knows about an accepted referral to the police, and who sees its sections.
KNOWS = {"case_worker", "supervisor", "police_officer"}
SEES_SECTIONS = {"case_worker", "supervisor", "police_officer"}


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_accepted_referral_visibility_per_persona(
    persona: Any, accepted: Any, request: Any
) -> None:
    name = request.node.callspec.params["persona"]
    access = referral_access(persona, accepted)
    assert _visible(persona, accepted) is (name in KNOWS)
    assert access.can_view is (name in KNOWS)  # the list rule and the object rule agree
    assert access.sees_sections is (name in SEES_SECTIONS)
    assert can(persona, "referral.view", accepted) is (name in KNOWS)


def test_draft_is_invisible_to_the_receiver(draft: Any, police_officer: Any) -> None:
    assert not _visible(police_officer, draft)
    assert not referral_access(police_officer, draft).can_view


def test_sent_referral_is_in_the_inbox_but_sections_stay_closed(
    sent: Any, police_officer: Any
) -> None:
    access = referral_access(police_officer, sent)
    assert access.can_view and access.can_respond and not access.sees_sections


def test_named_person_limits_the_receivers(
    case: Any, case_worker: Any, police_agency: Any, guardian: Any, police_officer: Any
) -> None:
    colleague = user_with_role(Role.PARTNER_OFFICER, police_agency, username="polisi2")
    chief = user_with_role(Role.SUPERVISOR, police_agency, username="kanit")
    referral = draft_referral(
        case, case_worker, police_agency, guardian=guardian, to_user=colleague
    )
    referral = services.referral_send(actor=case_worker, referral=referral)
    assert _visible(colleague, referral) and _visible(chief, referral)
    assert not _visible(police_officer, referral)
    assert not referral_access(police_officer, referral).can_view


def test_only_the_handler_and_supervisors_see_sections_after_acceptance(
    accepted: Any, police_agency: Any
) -> None:
    colleague = user_with_role(Role.PARTNER_OFFICER, police_agency, username="polisi2")
    chief = user_with_role(Role.SUPERVISOR, police_agency, username="kanit")
    assert referral_access(colleague, accepted).can_view  # the unit's inbox
    assert not referral_access(colleague, accepted).sees_sections
    assert referral_access(chief, accepted).sees_sections


def test_withdrawn_consent_stops_access(
    accepted: Any, case_worker: Any, police_officer: Any
) -> None:
    services.consent_withdraw(actor=case_worker, referral=accepted, note="Guardian by phone")
    accepted.refresh_from_db()
    forget_access(accepted)
    access = referral_access(police_officer, accepted)
    assert access.can_view and not access.sees_sections
    assert access.can_work  # the receiver may still record what it did and close its part


def test_completed_referral_stops_access(accepted: Any, police_officer: Any) -> None:
    services.service_record_add(
        actor=police_officer,
        referral=accepted,
        service="penegakan_hukum",
        delivered_on=timezone.localdate(),
        provider="Unit PPA",
        outcome="Report filed",
    )
    services.referral_complete(actor=police_officer, referral=accepted, outcome="Done")
    accepted.refresh_from_db()
    forget_access(accepted)
    access = referral_access(police_officer, accepted)
    assert access.can_view and not access.sees_sections and not access.can_work


def test_revocation_stops_access(accepted: Any, supervisor: Any, police_officer: Any) -> None:
    services.referral_revoke(actor=supervisor, referral=accepted, reason="Wrong unit")
    accepted.refresh_from_db()
    forget_access(accepted)
    assert not referral_access(police_officer, accepted).sees_sections


def test_sender_side_rights(
    draft: Any, case_worker: Any, supervisor: Any, psychologist: Any
) -> None:
    worker = referral_access(case_worker, draft)
    assert worker.can_edit and worker.can_cancel and not worker.can_revoke
    boss = referral_access(supervisor, draft)
    assert boss.can_edit and not boss.can_approve_exception  # no exception asked
    assert not referral_access(psychologist, draft).can_view  # not on the case team


def test_create_rule_needs_work_rights_on_an_open_case(
    case: Any, case_worker: Any, police_officer: Any, psychologist: Any
) -> None:
    assert can(case_worker, "referral.create", case)
    assert not can(police_officer, "referral.create", case)
    assert not can(psychologist, "referral.create", case)
    assert not can(police_officer, "referral.create")


# --- break-the-glass --------------------------------------------------------------------------


@pytest.fixture
def police_supervisor(police_agency: Any) -> Any:
    return user_with_role(Role.SUPERVISOR, police_agency, username="kanit")


def test_emergency_role_is_a_supervisor_of_a_protection_agency(
    police_supervisor: Any, supervisor: Any, police_officer: Any, lksa_agency: Any, case: Any
) -> None:
    lksa_head = user_with_role(Role.SUPERVISOR, lksa_agency, username="kepalapanti")
    assert can(police_supervisor, "access.break_glass", case)
    assert can(supervisor, "access.break_glass", case)
    assert not can(police_officer, "access.break_glass")
    assert not can(lksa_head, "access.break_glass")


def test_grant_and_visibility_while_current_and_not_after(
    case: Any, police_supervisor: Any
) -> None:
    assert emergency_case_grant(police_supervisor, case) is None
    assert not Case.objects.filter(emergency_case_visibility(police_supervisor)).exists()
    access = services.break_glass_open(
        actor=police_supervisor, case=case, reason="Child found injured, owner unreachable"
    )
    grant = emergency_case_grant(police_supervisor, case)
    assert grant is not None and grant.reason == "break_the_glass" and not grant.can_work
    assert list(Case.objects.filter(emergency_case_visibility(police_supervisor))) == [case]
    # the registered extension points answer the same
    assert extra_grant(police_supervisor, case) == grant
    assert Case.objects.filter(extra_visibility_q(police_supervisor), pk=case.pk).exists()
    # four hours later
    EmergencyAccess.objects.filter(pk=access.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    forget_emergency(police_supervisor)
    assert emergency_case_grant(police_supervisor, case) is None
    assert not Case.objects.filter(emergency_case_visibility(police_supervisor)).exists()


def test_losing_the_role_ends_the_grant(case: Any, police_supervisor: Any) -> None:
    services.break_glass_open(actor=police_supervisor, case=case, reason="Child missing tonight")
    police_supervisor.memberships.update(is_active=False)
    police_supervisor.__dict__.pop("active_memberships", None)
    forget_emergency(police_supervisor)
    assert emergency_case_grant(police_supervisor, case) is None


def test_case_log_is_for_owner_and_supervisors(
    case: Any, case_worker: Any, supervisor: Any, psychologist: Any, police_officer: Any
) -> None:
    assert can(case_worker, "access.case_log", case)
    assert can(supervisor, "access.case_log", case)
    assert not can(psychologist, "access.case_log", case)
    assert not can(police_officer, "access.case_log", case)


def test_reviewer_is_never_the_user_who_broke_the_glass(
    case: Any, police_supervisor: Any, supervisor: Any
) -> None:
    access = services.break_glass_open(
        actor=police_supervisor, case=case, reason="Child missing tonight"
    )
    assert not can(police_supervisor, "access.review", access)
    assert can(supervisor, "access.review", access)
