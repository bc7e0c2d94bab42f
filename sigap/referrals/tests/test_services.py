"""Service rules: consent gates, the transition table, receiving-side work, sender's cancel and
revoke, consent withdrawal, transfers, the overdue reminder, the signed package, break-the-glass."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from sigap.cases.models import CaseTeamMember
from sigap.cases.tests.factories import open_case
from sigap.core.models import AuditEvent
from sigap.referrals import services
from sigap.referrals.models import (
    TRANSITIONS,
    ChildView,
    ConsentBasis,
    EmergencyAccess,
    ExceptionGround,
    Kind,
    Referral,
    Status,
    StatusChange,
    TransitionError,
    apply_transition,
)
from sigap.referrals.tests.factories import draft_referral

pytestmark = pytest.mark.django_db


def _events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action))


# --- the table ------------------------------------------------------------------------------------


@pytest.mark.parametrize("current", list(TRANSITIONS))
def test_transition_table_allows_only_listed_moves(current: str) -> None:
    for target in Status.values:
        r = Referral(status=current)
        if target in TRANSITIONS[current]:
            assert apply_transition(r, target) == current and r.status == target
        else:
            with pytest.raises(TransitionError):
                apply_transition(r, target)


def test_final_states_go_nowhere() -> None:
    for status in (Status.DECLINED, Status.COMPLETED, Status.CANCELLED, Status.REVOKED):
        assert TRANSITIONS[status] == frozenset()


# --- drafting and consent -----------------------------------------------------------------------


def test_draft_derives_cyber_flag_and_shares_only_ticked_sections(draft: Any) -> None:
    assert draft.status == Status.DRAFT
    assert draft.cyber_unit is True
    assert draft.sections == ["identity", "summary"]
    assert _events("referral.created")


def test_referral_needs_agency_services_sections_and_reason(case: Any, case_worker: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        services.referral_create(actor=case_worker, case=case, reason="", services=[], sections=[])
    assert {"to_agency", "services", "sections", "reason"} <= set(exc.value.message_dict)
    assert not Referral.objects.exists()


def test_cannot_refer_to_the_lead_agency_itself(
    case: Any, case_worker: Any, home_agency: Any
) -> None:
    with pytest.raises(ValidationError) as exc:
        draft_referral(case, case_worker, home_agency)
    assert "to_agency" in exc.value.message_dict


def test_named_person_must_work_at_the_receiving_agency(
    case: Any, case_worker: Any, police_agency: Any, lksa_staff: Any
) -> None:
    with pytest.raises(ValidationError) as exc:
        draft_referral(case, case_worker, police_agency, to_user=lksa_staff)
    assert "to_user" in exc.value.message_dict


def test_sending_without_consent_is_refused_and_audited(
    case: Any, case_worker: Any, police_agency: Any
) -> None:
    referral = draft_referral(case, case_worker, police_agency)
    with pytest.raises(ValidationError) as exc:
        services.referral_send(actor=case_worker, referral=referral)
    assert "consent_basis" in exc.value.message_dict
    referral.refresh_from_db()
    assert referral.status == Status.DRAFT and referral.sent_at is None
    refused = _events("referral.refused")
    assert refused and refused[0].summary["attempt"] == "send"


def test_child_who_refused_blocks_consent(
    case: Any, case_worker: Any, police_agency: Any, guardian: Any
) -> None:
    referral = draft_referral(
        case, case_worker, police_agency, guardian=guardian, child_view=ChildView.REFUSED
    )
    with pytest.raises(ValidationError) as exc:
        services.referral_send(actor=case_worker, referral=referral)
    assert "child_view" in exc.value.message_dict


def test_too_young_only_for_young_children(
    case: Any, case_worker: Any, police_agency: Any, guardian: Any, settings: Any
) -> None:
    referral = draft_referral(
        case, case_worker, police_agency, guardian=guardian, child_view=ChildView.TOO_YOUNG
    )
    settings.SIGAP_CHILD_CONSENT_AGE = 5  # the child (born 2015) is older than that
    with pytest.raises(ValidationError) as exc:
        services.referral_send(actor=case_worker, referral=referral)
    assert "child_view" in exc.value.message_dict
    settings.SIGAP_CHILD_CONSENT_AGE = 40
    assert services.referral_send(actor=case_worker, referral=referral).status == Status.SENT


def test_guardian_who_is_alleged_perpetrator_cannot_consent(
    case: Any, case_worker: Any, police_agency: Any, guardian: Any
) -> None:
    guardian.is_alleged_perpetrator = True
    guardian.save()
    referral = draft_referral(case, case_worker, police_agency, guardian=guardian)
    with pytest.raises(ValidationError) as exc:
        services.referral_send(actor=case_worker, referral=referral)
    assert "guardian" in exc.value.message_dict


def test_exception_needs_another_supervisor_before_sending(
    case: Any, case_worker: Any, supervisor: Any, police_agency: Any
) -> None:
    referral = draft_referral(
        case,
        case_worker,
        police_agency,
        consent_basis=ConsentBasis.EXCEPTION,
        exception_ground=ExceptionGround.GUARDIAN_PERPETRATOR,
        exception_note="The father runs the begging ring.",
    )
    with pytest.raises(ValidationError):
        services.referral_send(actor=case_worker, referral=referral)
    with pytest.raises(ValidationError):  # a case worker is not a supervisor
        services.exception_approve(actor=case_worker, referral=referral)
    services.exception_approve(actor=supervisor, referral=referral)
    sent = services.referral_send(actor=case_worker, referral=referral)
    assert sent.status == Status.SENT
    assert _events("referral.exception_approved")


def test_editing_the_exception_voids_its_approval(
    case: Any, case_worker: Any, supervisor: Any, police_agency: Any
) -> None:
    referral = draft_referral(
        case,
        case_worker,
        police_agency,
        consent_basis=ConsentBasis.EXCEPTION,
        exception_ground=ExceptionGround.CHILD_SAFETY,
        exception_note="Beaten last night.",
    )
    referral = services.exception_approve(actor=supervisor, referral=referral)
    referral = services.referral_update(
        actor=case_worker,
        referral=referral,
        version=referral.version,
        exception_note="Beaten last night; changed.",
    )
    assert referral.exception_approved_at is None


def test_stale_version_is_refused(draft: Any, case_worker: Any) -> None:
    with pytest.raises(services.StaleVersion):
        services.referral_update(
            actor=case_worker, referral=draft, version=draft.version + 5, reason="x"
        )


def test_send_sets_deadline_and_notifies_receivers(
    draft: Any, case_worker: Any, police_officer: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        sent = services.referral_send(actor=case_worker, referral=draft)
    assert sent.sent_at is not None
    assert sent.respond_by == sent.sent_at + timedelta(hours=48)
    assert any(police_officer.email in m.to for m in mail.outbox)


# --- the receiving side --------------------------------------------------------------------------


def test_accept_assigns_and_records_history(accepted: Any, police_officer: Any) -> None:
    assert accepted.status == Status.ACCEPTED and accepted.assigned_to == police_officer
    assert list(StatusChange.objects.values_list("to_status", flat=True)) == ["sent", "accepted"]


def test_decline_needs_a_reason(sent: Any, police_officer: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        services.referral_decline(actor=police_officer, referral=sent, reason=" ")
    assert "reason" in exc.value.message_dict
    declined = services.referral_decline(actor=police_officer, referral=sent, reason="Not ours")
    assert declined.status == Status.DECLINED


def test_accepting_a_revoked_referral_is_refused_and_audited(
    sent: Any, supervisor: Any, police_officer: Any
) -> None:
    services.referral_revoke(actor=supervisor, referral=sent, reason="Shared too much")
    with pytest.raises(ValidationError):
        services.referral_accept(actor=police_officer, referral=sent)
    assert [e.summary["attempt"] for e in _events("referral.refused")] == ["accept"]


def test_accepting_an_expired_referral_is_refused(
    sent: Any, police_officer: Any, settings: Any
) -> None:
    Referral.objects.filter(pk=sent.pk).update(respond_by=timezone.now() - timedelta(days=31))
    with pytest.raises(ValidationError, match="expired"):
        services.referral_accept(actor=police_officer, referral=sent)
    settings.SIGAP_REFERRAL_EXPIRY_DAYS = 60
    assert services.referral_accept(actor=police_officer, referral=sent).status == Status.ACCEPTED


def test_accepting_after_consent_withdrawn_is_refused(
    sent: Any, case_worker: Any, police_officer: Any
) -> None:
    services.consent_withdraw(actor=case_worker, referral=sent, note="Mother called, 10:00")
    with pytest.raises(ValidationError, match="withdrawn"):
        services.referral_accept(actor=police_officer, referral=sent)


def test_service_record_moves_to_in_progress_and_completion_needs_one(
    accepted: Any, police_officer: Any
) -> None:
    with pytest.raises(ValidationError) as exc:
        services.referral_complete(actor=police_officer, referral=accepted, outcome="Done")
    assert "outcome" in exc.value.message_dict
    services.service_record_add(
        actor=police_officer,
        referral=accepted,
        service="penegakan_hukum",
        delivered_on=timezone.localdate(),
        provider="Unit PPA",
        outcome="Organiser arrested",
    )
    accepted.refresh_from_db()
    assert accepted.status == Status.IN_PROGRESS
    done = services.referral_complete(actor=police_officer, referral=accepted, outcome="Case filed")
    assert done.status == Status.COMPLETED and done.closed_by == police_officer


def test_service_record_rejects_bad_input(accepted: Any, police_officer: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        services.service_record_add(
            actor=police_officer,
            referral=accepted,
            service="nonsense",
            delivered_on=timezone.localdate() + timedelta(days=2),
            provider="",
            outcome="",
        )
    assert {"service", "delivered_on", "provider", "outcome"} <= set(exc.value.message_dict)


# --- the sending side -----------------------------------------------------------------------------


def test_only_a_supervisor_of_the_referring_agency_revokes(
    accepted: Any, case_worker: Any, supervisor: Any
) -> None:
    with pytest.raises(ValidationError):
        services.referral_revoke(actor=case_worker, referral=accepted, reason="x")
    with pytest.raises(ValidationError):
        services.referral_revoke(actor=supervisor, referral=accepted, reason="")
    revoked = services.referral_revoke(actor=supervisor, referral=accepted, reason="Too much")
    assert revoked.status == Status.REVOKED and _events("referral.revoked")


def test_cancel_needs_a_reason(sent: Any, case_worker: Any) -> None:
    with pytest.raises(ValidationError):
        services.referral_cancel(actor=case_worker, referral=sent, reason="")
    assert services.referral_cancel(actor=case_worker, referral=sent, reason="Solved").status == (
        Status.CANCELLED
    )


def test_withdrawal_needs_a_note_and_is_idempotent(accepted: Any, case_worker: Any) -> None:
    with pytest.raises(ValidationError):
        services.consent_withdraw(actor=case_worker, referral=accepted, note="")
    first = services.consent_withdraw(actor=case_worker, referral=accepted, note="Guardian, phone")
    again = services.consent_withdraw(actor=case_worker, referral=first, note="again")
    assert first.consent_withdrawn and again.consent_withdrawn_at == first.consent_withdrawn_at
    assert not first.is_active


# --- transfers ------------------------------------------------------------------------------------


def test_accepted_transfer_hands_the_case_over(
    case: Any,
    case_worker: Any,
    guardian: Any,
    police_agency: Any,
    regions: Any,
) -> None:
    from sigap.accounts.models import Role
    from sigap.accounts.tests.factories import user_with_role

    receiver = user_with_role(Role.CASE_WORKER, police_agency, username="penerima")
    transfer = draft_referral(
        case, case_worker, police_agency, guardian=guardian, kind=Kind.TRANSFER, sections=[]
    )
    transfer = services.referral_send(actor=case_worker, referral=transfer)
    done = services.referral_accept(actor=receiver, referral=transfer)
    assert done.status == Status.COMPLETED
    case.refresh_from_db()
    assert case.lead_agency_id == police_agency.pk
    active = CaseTeamMember.objects.filter(case=case, ended_at__isnull=True)
    assert [(m.user_id, m.role) for m in active] == [(receiver.pk, "lead_worker")]
    assert _events("case.transferred")


def test_external_transfer_is_handed_over_by_the_sender(
    case: Any, case_worker: Any, guardian: Any
) -> None:
    from sigap.geo.models import Region

    samarinda = Region.objects.get(code="64.72")
    transfer = services.referral_create(
        actor=case_worker,
        case=case,
        kind=Kind.TRANSFER,
        to_region=samarinda,
        external_recipient="Dinas Sosial Kabupaten Asal",
        reason="The child returns home to the family.",
        services=["return_home"],
        consent_basis=ConsentBasis.CONSENT,
        child_view=ChildView.AGREED,
        guardian=guardian,
    )
    assert transfer.is_external and transfer.to_agency is None
    transfer = services.referral_send(actor=case_worker, referral=transfer)
    done = services.referral_complete(
        actor=case_worker, referral=transfer, outcome="Handed over with letter 12/2026"
    )
    assert done.status == Status.COMPLETED


def test_package_signature_verifies_and_detects_tampering(tmp_path: Any) -> None:
    package = services.package_sign({"case": {"number": "SGP-6471-2026-000001"}})
    assert services.package_verify(package) == (True, "valid")
    package["payload"]["case"]["number"] = "SGP-6471-2026-000002"
    valid, why = services.package_verify(package)
    assert not valid and "altered" in why
    path = tmp_path / "p.json"
    import json

    path.write_text(json.dumps(package))
    with pytest.raises(CommandError, match="NOT VALID"):
        call_command("verify_transfer_package", str(path))
    path.write_text(json.dumps(services.package_sign({"case": {"number": "X"}})))
    call_command("verify_transfer_package", str(path))


# --- overdue --------------------------------------------------------------------------------------


def test_overdue_reminder_goes_once_to_both_agencies(
    sent: Any,
    police_officer: Any,
    case_worker: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    mail.outbox.clear()
    Referral.objects.filter(pk=sent.pk).update(respond_by=timezone.now() - timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("referral_reminders", stdout=StringIO())
    recipients = {address for m in mail.outbox for address in m.to}
    assert {police_officer.email, case_worker.email} <= recipients
    mail.outbox.clear()
    assert services.overdue_referrals_notify() == 0
    assert not mail.outbox


def test_overdue_task_runs_the_same_check(sent: Any) -> None:
    from sigap.referrals.tasks import check_overdue_referrals

    Referral.objects.filter(pk=sent.pk).update(respond_by=timezone.now() - timedelta(hours=1))
    result = check_overdue_referrals.enqueue()
    assert result.return_value == 1


# --- break-the-glass ------------------------------------------------------------------------------


@pytest.fixture
def police_supervisor(police_agency: Any) -> Any:
    from sigap.accounts.models import Role
    from sigap.accounts.tests.factories import user_with_role

    return user_with_role(Role.SUPERVISOR, police_agency, username="kanit")


def test_break_glass_without_reason_is_refused_and_audited(
    case: Any, police_supervisor: Any
) -> None:
    with pytest.raises(ValidationError) as exc:
        services.break_glass_open(actor=police_supervisor, case=case, reason="  ")
    assert "reason" in exc.value.message_dict
    assert not EmergencyAccess.objects.exists()
    assert _events("access.refused")


def test_break_glass_needs_an_emergency_role(case: Any, police_officer: Any) -> None:
    with pytest.raises(ValidationError):
        services.break_glass_open(actor=police_officer, case=case, reason="Child missing tonight")
    assert not EmergencyAccess.objects.exists()


def test_break_glass_notifies_owner_and_supervisors(
    case: Any,
    police_supervisor: Any,
    case_worker: Any,
    supervisor: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        access = services.break_glass_open(
            actor=police_supervisor, case=case, reason="Child found injured at 02:00, owner off"
        )
    assert access.expires_at - access.started_at == timedelta(hours=4)
    recipients = {address for m in mail.outbox for address in m.to}
    assert {case_worker.email, supervisor.email} <= recipients
    event = _events("case.break_glass")[0]
    assert event.summary["emergency_access"] == access.pk
    assert "reason" not in event.summary  # the reason stays in the access record


def test_break_glass_review_by_another_supervisor(
    case: Any, police_supervisor: Any, supervisor: Any
) -> None:
    access = services.break_glass_open(
        actor=police_supervisor, case=case, reason="Child found injured at 02:00"
    )
    with pytest.raises(ValidationError):
        services.break_glass_review(actor=police_supervisor, access=access, outcome="justified")
    with pytest.raises(ValidationError):
        services.break_glass_review(actor=supervisor, access=access, outcome="not_justified")
    reviewed = services.break_glass_review(actor=supervisor, access=access, outcome="justified")
    assert reviewed.reviewed_by == supervisor and reviewed.ended_at is not None


def test_other_regency_case_cannot_be_opened(
    other_agency: Any, police_supervisor: Any, regions: Any
) -> None:
    from sigap.accounts.models import Role
    from sigap.accounts.tests.factories import user_with_role

    worker = user_with_role(Role.CASE_WORKER, other_agency, username="samarinda")
    far_case = open_case(worker, other_agency)
    assert far_case.regency_code == "64.72"
    with pytest.raises(ValidationError):
        services.break_glass_open(
            actor=police_supervisor, case=far_case, reason="Not my city at all"
        )


def test_delivered_on_today_is_fine(accepted: Any, police_officer: Any) -> None:
    record = services.service_record_add(
        actor=police_officer,
        referral=accepted,
        service="bantuan_hukum",
        delivered_on=timezone.localdate(),
        provider="LBH",
        outcome="Advice given",
    )
    assert record.pk
