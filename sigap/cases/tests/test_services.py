from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from sigap.accounts.models import Role
from sigap.accounts.tests.factories import AgencyFactory, user_with_role
from sigap.cases import services
from sigap.cases.models import (
    TRANSITIONS,
    ApprovalStatus,
    Case,
    CaseCounter,
    CaseRole,
    CaseTeamMember,
    Gate,
    PlanStatus,
    RiskChange,
    Stage,
    StageChange,
    TransitionError,
)
from sigap.cases.services import StaleVersion
from sigap.cases.tests.factories import (
    advance,
    approved_plan,
    close,
    complete_assessment,
    make_child,
    make_person,
    open_case,
)
from sigap.core.models import AuditEvent

pytestmark = pytest.mark.django_db


# --- numbering ------------------------------------------------------------------------------------


def test_case_number_format_and_sequence(case_worker, home_agency):
    year = timezone.localdate().year
    first = open_case(case_worker, home_agency)
    second = open_case(case_worker, home_agency)
    assert first.number == f"SGP-6471-{year}-000001"
    assert second.number == f"SGP-6471-{year}-000002"
    assert (second.regency_code, second.year, second.sequence) == ("64.71", year, 2)


def test_numbers_are_per_regency(case_worker, home_agency, outsider, other_agency):
    year = timezone.localdate().year
    open_case(case_worker, home_agency)
    other = open_case(outsider, other_agency)
    assert other.number == f"SGP-6472-{year}-000001"


def test_numbers_are_per_year(case_worker, home_agency):
    CaseCounter.objects.create(regency_code="64.71", year=2000, last_sequence=41)
    case = open_case(case_worker, home_agency)
    assert case.sequence == 1


def test_failed_open_leaves_no_gap(case_worker, home_agency, child):
    open_case(case_worker, home_agency)
    with pytest.raises(ValidationError):
        open_case(case_worker, home_agency, child, ampk_categories=["zz"])
    assert open_case(case_worker, home_agency, child).sequence == 2


def test_rolled_back_transaction_gives_the_number_back(case_worker, home_agency):
    with pytest.raises(RuntimeError), transaction.atomic():
        open_case(case_worker, home_agency)
        raise RuntimeError
    assert open_case(case_worker, home_agency).sequence == 1


# --- opening ----------------------------------------------------------------------------------------


def test_case_worker_opening_becomes_lead_worker(case, case_worker):
    member = CaseTeamMember.objects.get(case=case)
    assert (member.user, member.role) == (case_worker, CaseRole.LEAD_WORKER)
    assert RiskChange.objects.get(case=case).to_level == "high"
    event = AuditEvent.objects.get(action="case.opened")
    assert event.object_id == str(case.pk)
    assert "On the street" not in str(event.summary)


def test_intake_officer_opens_without_lead_worker(intake_officer, home_agency, child):
    case = open_case(intake_officer, home_agency, child)
    assert not case.team.exists()
    assert case.created_by == intake_officer


def test_intake_officer_can_name_the_lead_worker(intake_officer, case_worker, home_agency, child):
    case = open_case(intake_officer, home_agency, child, lead_worker=case_worker)
    assert case.team.get().user == case_worker


def test_lead_worker_must_work_at_the_lead_agency(intake_officer, outsider, home_agency, child):
    with pytest.raises(ValidationError) as exc:
        open_case(intake_officer, home_agency, child, lead_worker=outsider)
    assert "user" in exc.value.message_dict
    assert not Case.objects.exists()


def test_cannot_open_for_an_agency_without_a_role_there(case_worker, other_agency, child):
    with pytest.raises(ValidationError) as exc:
        services.case_open(actor=case_worker, child=child, lead_agency=other_agency)
    assert "lead_agency" in exc.value.message_dict


@pytest.mark.parametrize("role", [Role.ANALYST, Role.PSYCHOLOGIST, Role.AGENCY_ADMIN])
def test_roles_that_cannot_open_cases(role, home_agency, child):
    user = user_with_role(role, home_agency)
    with pytest.raises(ValidationError):
        services.case_open(actor=user, child=child, lead_agency=home_agency)


def test_one_open_case_per_child_and_agency(case, case_worker, home_agency, child, supervisor):
    with pytest.raises(ValidationError) as exc:
        open_case(case_worker, home_agency, child)
    assert case.number in str(exc.value)
    close(case, case_worker, supervisor, reason="duplicate")
    assert open_case(case_worker, home_agency, child).sequence == 2


def test_categories_are_stored_and_validated(case_worker, home_agency):
    case = open_case(
        case_worker,
        home_agency,
        ampk_categories=["d", "h", "d"],
        violence_types=["exploitation"],
        root_causes=["family_economy", "faulty_parenting"],
    )
    assert case.ampk_codes == ["d", "h"]
    assert case.violence_types == ["exploitation"]
    assert case.root_causes == ["family_economy", "faulty_parenting"]
    with pytest.raises(ValidationError) as exc:
        open_case(case_worker, home_agency, violence_types=["bad"])
    assert "violence_types" in exc.value.message_dict


# --- editing and versions ---------------------------------------------------------------------------


def test_case_update_bumps_version_and_audits_field_names(case, case_worker):
    updated = services.case_update(
        actor=case_worker,
        case=case,
        version=case.version,
        exploitation_activity="selling",
        exploitation_places="Simpang Rapak",
        ampk_categories=["d"],
    )
    assert updated.version == case.version + 1
    assert updated.ampk_codes == ["d"]
    event = AuditEvent.objects.get(action="case.updated")
    assert set(event.summary["changed"]) == {
        "exploitation_activity",
        "exploitation_places",
        "ampk_categories",
    }
    assert "Simpang" not in str(event.summary)


def test_stale_case_update_changes_nothing(case, case_worker):
    services.case_update(actor=case_worker, case=case, version=case.version, summary="first")
    with pytest.raises(StaleVersion) as exc:
        services.case_update(
            actor=case_worker,
            case=case,
            version=case.version,
            summary="second",
            ampk_categories=["a"],
        )
    assert isinstance(exc.value.current, Case)
    assert exc.value.current.summary == "first"
    case.refresh_from_db()
    assert case.summary == "first"
    assert case.ampk_codes == []


def test_review_interval_is_checked(case, case_worker):
    with pytest.raises(ValidationError) as exc:
        services.case_update(
            actor=case_worker, case=case, version=case.version, review_interval_days=3
        )
    assert "review_interval_days" in exc.value.message_dict or exc.value.messages


def test_risk_change_needs_reason_and_keeps_history(case, case_worker):
    with pytest.raises(ValidationError) as exc:
        services.case_change_risk(
            actor=case_worker, case=case, version=case.version, risk_level="low", reason=" "
        )
    assert "reason" in exc.value.message_dict
    changed = services.case_change_risk(
        actor=case_worker,
        case=case,
        version=case.version,
        risk_level="critical",
        reason="Organiser seen",
    )
    assert changed.risk_level == "critical"
    history = list(RiskChange.objects.filter(case=case).values_list("from_level", "to_level"))
    assert history == [("high", "critical"), ("", "high")]


def test_stale_risk_change_is_refused(case, case_worker):
    with pytest.raises(StaleVersion):
        services.case_change_risk(
            actor=case_worker, case=case, version=case.version + 1, risk_level="low", reason="x"
        )
    assert RiskChange.objects.filter(case=case).count() == 1


# --- workflow -----------------------------------------------------------------------------------------


def test_transition_table_shape():
    assert set(TRANSITIONS) == set(Stage.values)
    assert TRANSITIONS[Stage.REVIEW] >= {Stage.PLANNING, Stage.IMPLEMENTATION}
    assert TRANSITIONS[Stage.CLOSURE] == {Stage.ASSESSMENT}


@pytest.mark.parametrize(
    ("target"), [Stage.PLANNING, Stage.IMPLEMENTATION, Stage.REVIEW, "nonsense"]
)
def test_moves_outside_the_table_are_refused(case, case_worker, target):
    with pytest.raises(TransitionError) as exc:
        services.case_transition(actor=case_worker, case=case, to=target)
    assert exc.value.gate is None
    case.refresh_from_db()
    assert case.stage == Stage.INTAKE
    assert not StageChange.objects.exists()


def test_leaving_assessment_needs_a_completed_assessment(case, case_worker):
    case = services.case_transition(actor=case_worker, case=case, to=Stage.ASSESSMENT)
    services.assessment_create(actor=case_worker, case=case, safety_score=2)  # a draft
    with pytest.raises(TransitionError) as exc:
        services.case_transition(actor=case_worker, case=case, to=Stage.PLANNING)
    assert exc.value.gate == Gate.COMPLETED_ASSESSMENT
    assert "completed assessment" in exc.value.message
    draft = case.assessments.get()
    services.assessment_update(
        actor=case_worker,
        assessment=draft,
        version=draft.version,
        complete=True,
        health_score=0,
        education_score=1,
        family_score=2,
        psychosocial_score=1,
        legal_score=0,
    )
    case = services.case_transition(actor=case_worker, case=case, to=Stage.PLANNING)
    assert case.stage == Stage.PLANNING


def test_implementation_needs_an_approved_plan(case, case_worker, supervisor):
    case = advance(case, Stage.PLANNING, case_worker, supervisor)
    plan = services.plan_create(actor=case_worker, case=case, goals="Back to school")
    with pytest.raises(TransitionError) as exc:
        services.case_transition(actor=case_worker, case=case, to=Stage.IMPLEMENTATION)
    assert exc.value.gate == Gate.APPROVED_PLAN
    services.plan_action_add(
        actor=case_worker,
        plan=plan,
        description="Enrol at SDN 001",
        responsible_agency=case.lead_agency,
        responsible_person="Pak Guru",
        due_on=date(2030, 7, 1),
    )
    plan.refresh_from_db()
    approval = services.plan_submit(actor=case_worker, plan=plan, version=plan.version)
    with pytest.raises(TransitionError):  # submitted is not approved
        services.case_transition(actor=case_worker, case=case, to=Stage.IMPLEMENTATION)
    services.approval_decide(actor=supervisor, approval=approval, approve=True)
    case = services.case_transition(actor=case_worker, case=case, to=Stage.IMPLEMENTATION)
    assert case.next_review_on == timezone.localdate() + timedelta(days=90)


def test_review_goes_back_to_planning_and_a_new_plan_needs_approval(case, case_worker, supervisor):
    case = advance(case, Stage.REVIEW, case_worker, supervisor)
    case = services.case_transition(actor=case_worker, case=case, to=Stage.PLANNING)
    new = services.plan_create(actor=case_worker, case=case, goals="Revised")
    assert new.actions.count() == 1  # the unfinished action carried over
    with pytest.raises(TransitionError) as exc:
        services.case_transition(actor=case_worker, case=case, to=Stage.IMPLEMENTATION)
    assert exc.value.gate == Gate.APPROVED_PLAN


def test_review_can_return_to_implementation(case, case_worker, supervisor):
    case = advance(case, Stage.REVIEW, case_worker, supervisor)
    case = services.case_transition(actor=case_worker, case=case, to=Stage.IMPLEMENTATION)
    assert case.stage == Stage.IMPLEMENTATION


def test_closure_needs_a_reason_and_an_approval(case, case_worker, supervisor):
    with pytest.raises(TransitionError) as exc:
        services.case_transition(actor=case_worker, case=case, to=Stage.CLOSURE, reason="bored")
    assert exc.value.gate == Gate.CLOSURE_REASON
    with pytest.raises(TransitionError) as exc:
        services.case_transition(actor=case_worker, case=case, to=Stage.CLOSURE, reason="died")
    assert exc.value.gate == Gate.CLOSURE_APPROVAL
    approval = services.closure_request(actor=case_worker, case=case, reason="lost_contact")
    services.approval_decide(actor=supervisor, approval=approval, approve=True)
    with pytest.raises(TransitionError) as exc:  # approved for another reason
        services.case_transition(actor=case_worker, case=case, to=Stage.CLOSURE, reason="died")
    assert exc.value.gate == Gate.CLOSURE_APPROVAL
    case = services.case_transition(
        actor=case_worker, case=case, to=Stage.CLOSURE, reason="lost_contact"
    )
    assert case.stage == Stage.CLOSURE
    assert case.closure_reason == "lost_contact"
    assert case.closed_at is not None
    approval.refresh_from_db()
    assert approval.used_at is not None


def test_reopening_needs_a_reason_and_a_new_closure_approval(case, case_worker, supervisor):
    case = close(case, case_worker, supervisor)
    with pytest.raises(TransitionError) as exc:
        services.case_transition(actor=case_worker, case=case, to=Stage.ASSESSMENT, reason=" ")
    assert exc.value.gate == Gate.REOPEN_REASON
    case = services.case_transition(
        actor=case_worker, case=case, to=Stage.ASSESSMENT, reason="Back on the street"
    )
    assert (case.stage, case.closed_at, case.closure_reason) == (Stage.ASSESSMENT, None, "")
    assert AuditEvent.objects.filter(action="case.reopened").count() == 1
    with pytest.raises(TransitionError) as exc:
        services.case_transition(
            actor=case_worker, case=case, to=Stage.CLOSURE, reason="reintegrated"
        )
    assert exc.value.gate == Gate.CLOSURE_APPROVAL


def test_stale_transition_is_refused(case, case_worker):
    with pytest.raises(StaleVersion):
        services.case_transition(
            actor=case_worker, case=case, to=Stage.ASSESSMENT, version=case.version - 1
        )
    case.refresh_from_db()
    assert case.stage == Stage.INTAKE


def test_transition_records_history_and_audit(case, case_worker):
    services.case_transition(actor=case_worker, case=case, to=Stage.ASSESSMENT, reason="ok")
    change = StageChange.objects.get()
    assert (change.from_stage, change.to_stage, change.changed_by) == (
        Stage.INTAKE,
        Stage.ASSESSMENT,
        case_worker,
    )
    event = AuditEvent.objects.get(action="case.stage_changed")
    assert event.summary["to"] == "assessment"


# --- approvals -------------------------------------------------------------------------------------------


def test_nobody_approves_their_own_request(case, supervisor):
    approval = services.closure_request(actor=supervisor, case=case, reason="duplicate")
    with pytest.raises(ValidationError) as exc:
        services.approval_decide(actor=supervisor, approval=approval, approve=True)
    assert "another supervisor" in str(exc.value)
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.REQUESTED


def test_only_a_supervisor_of_the_lead_agency_decides(case, case_worker, outsider, other_agency):
    approval = services.closure_request(actor=case_worker, case=case, reason="duplicate")
    other_supervisor = user_with_role(Role.SUPERVISOR, other_agency)
    for user in (case_worker, outsider, other_supervisor):
        with pytest.raises(PermissionDenied):
            services.approval_decide(actor=user, approval=approval, approve=True)


def test_rejection_needs_a_comment_and_returns_the_plan_to_draft(case, case_worker, supervisor):
    case = advance(case, Stage.PLANNING, case_worker, supervisor)
    plan = services.plan_create(actor=case_worker, case=case, goals="g")
    services.plan_action_add(
        actor=case_worker,
        plan=plan,
        description="a",
        responsible_agency=case.lead_agency,
        responsible_person="p",
        due_on=date(2030, 1, 1),
    )
    plan.refresh_from_db()
    approval = services.plan_submit(actor=case_worker, plan=plan, version=plan.version)
    with pytest.raises(ValidationError) as exc:
        services.approval_decide(actor=supervisor, approval=approval, approve=False)
    assert "comment" in exc.value.message_dict
    services.approval_decide(
        actor=supervisor, approval=approval, approve=False, comment="Add school"
    )
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT
    with pytest.raises(ValidationError):  # decided already
        services.approval_decide(actor=supervisor, approval=approval, approve=True)


def test_one_open_closure_request_at_a_time(case, case_worker):
    services.closure_request(actor=case_worker, case=case, reason="duplicate")
    with pytest.raises(ValidationError):
        services.closure_request(actor=case_worker, case=case, reason="died")


def test_closure_request_needs_a_valid_reason(case, case_worker):
    with pytest.raises(ValidationError) as exc:
        services.closure_request(actor=case_worker, case=case, reason="")
    assert "reason" in exc.value.message_dict


# --- assessments and plans ---------------------------------------------------------------------------


def test_completing_an_assessment_needs_every_score(case, case_worker):
    with pytest.raises(ValidationError) as exc:
        services.assessment_create(actor=case_worker, case=case, complete=True, safety_score=1)
    assert "health_score" in exc.value.message_dict
    assert not case.assessments.exists()


def test_scores_are_on_the_scale(case, case_worker):
    with pytest.raises(ValidationError) as exc:
        services.assessment_create(actor=case_worker, case=case, safety_score=7)
    assert "safety_score" in exc.value.message_dict


def test_completed_assessment_is_frozen(case, case_worker):
    assessment = complete_assessment(case, case_worker)
    with pytest.raises(ValidationError):
        services.assessment_update(
            actor=case_worker, assessment=assessment, version=assessment.version, safety_score=0
        )


def test_stale_assessment_update_is_refused(case, case_worker):
    draft = services.assessment_create(actor=case_worker, case=case, safety_notes="a")
    services.assessment_update(
        actor=case_worker, assessment=draft, version=draft.version, safety_notes="b"
    )
    with pytest.raises(StaleVersion):
        services.assessment_update(
            actor=case_worker, assessment=draft, version=draft.version, safety_notes="c"
        )


def test_an_action_without_an_owner_is_refused(case, case_worker):
    plan = services.plan_create(actor=case_worker, case=case, goals="g")
    with pytest.raises(ValidationError) as exc:
        services.plan_action_add(
            actor=case_worker,
            plan=plan,
            description="Visit",
            responsible_agency=None,
            responsible_person="",
            due_on=date(2030, 1, 1),
        )
    errors = exc.value.message_dict
    assert "needs an owner" in errors["responsible_agency"][0]
    assert "needs an owner" in errors["responsible_person"][0]
    assert not plan.actions.exists()


def test_plan_submit_needs_an_action_and_only_draft_plans_change(case, case_worker, supervisor):
    plan = services.plan_create(actor=case_worker, case=case, goals="g")
    with pytest.raises(ValidationError):
        services.plan_submit(actor=case_worker, plan=plan, version=plan.version)
    with pytest.raises(ValidationError):  # a second plan while this one is a draft
        services.plan_create(actor=case_worker, case=case, goals="again")


def test_approved_plan_goals_are_locked_but_action_status_moves(case, case_worker, supervisor):
    plan = approved_plan(case, case_worker, supervisor)
    assert plan.status == PlanStatus.APPROVED
    with pytest.raises(ValidationError):
        services.plan_update(actor=case_worker, plan=plan, version=plan.version, goals="x")
    action = plan.actions.get()
    done = services.plan_action_set_status(
        actor=case_worker, action=action, version=action.version, status="done"
    )
    assert done.status == "done"
    with pytest.raises(StaleVersion):
        services.plan_action_set_status(
            actor=case_worker, action=action, version=action.version, status="cancelled"
        )


# --- team, people, notes ----------------------------------------------------------------------------


def test_team_add_checks_agency_roles(case, case_worker, psychologist, analyst, supervisor):
    services.team_member_add(actor=supervisor, case=case, user=psychologist, role="psychologist")
    with pytest.raises(ValidationError):
        services.team_member_add(actor=supervisor, case=case, user=analyst, role="other")
    with pytest.raises(ValidationError):  # already on the team
        services.team_member_add(actor=supervisor, case=case, user=case_worker, role="co_worker")


def test_new_lead_worker_demotes_the_previous_one(case, case_worker, home_agency, supervisor):
    other = user_with_role(Role.CASE_WORKER, home_agency)
    services.team_member_add(actor=supervisor, case=case, user=other, role="lead_worker")
    active = dict(
        CaseTeamMember.objects.filter(case=case, ended_at__isnull=True).values_list("user", "role")
    )
    assert active == {other.pk: "lead_worker", case_worker.pk: "co_worker"}


def test_link_person_once(case, case_worker):
    person = make_person(case.lead_agency, case_worker)
    services.case_person_link(actor=case_worker, case=case, person=person, role="organiser")
    with pytest.raises(ValidationError):
        services.case_person_link(actor=case_worker, case=case, person=person, role="other")


def test_notes_refuse_future_dates_and_other_authors(case, case_worker, supervisor):
    with pytest.raises(ValidationError) as exc:
        services.note_add(
            actor=case_worker,
            case=case,
            kind="home_visit",
            occurred_on=timezone.localdate() + timedelta(days=1),
            text="x",
        )
    assert "occurred_on" in exc.value.message_dict
    note = services.note_add(
        actor=case_worker, case=case, kind="home_visit", occurred_on=date(2026, 1, 5), text="Visit"
    )
    with pytest.raises(PermissionDenied):
        services.note_update(
            actor=supervisor,
            note=note,
            version=note.version,
            kind="other",
            occurred_on=date(2026, 1, 5),
            text="y",
        )
    updated = services.note_update(
        actor=case_worker,
        note=note,
        version=note.version,
        kind="phone_call",
        occurred_on=date(2026, 1, 5),
        text="Call",
    )
    assert updated.version == 2


def test_closed_case_cannot_be_edited(case, case_worker, supervisor):
    case = close(case, case_worker, supervisor)
    with pytest.raises(ValidationError):
        services.case_update(actor=case_worker, case=case, version=case.version, summary="x")


def test_cases_of_another_agency_are_separate(case_worker, home_agency):
    agency: Any = AgencyFactory()
    child = make_child(home_agency, case_worker)
    worker = user_with_role(Role.CASE_WORKER, agency)
    open_case(case_worker, home_agency, child)
    assert open_case(worker, agency, child).lead_agency == agency
