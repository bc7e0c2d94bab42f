"""The rules of the care services: each bad input gets a clear message and writes nothing."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from sigap.care import deadlines, services
from sigap.care.models import (
    AgeGroup,
    CareArrangement,
    CareTask,
    Commitment,
    CommitmentStatus,
    EducationRecord,
    EducationStatus,
    LegalStatus,
    ProgressNote,
    Reassignment,
    RecommendationStatus,
    ReminderLog,
    SchoolRecommendation,
    TaskKind,
    TaskStatus,
)
from sigap.cases.models import CaseRole, CaseTeamMember, RiskChange
from sigap.cases.services import StaleVersion
from sigap.cases.tests.factories import make_child, open_case
from sigap.core.models import AuditEvent

INDICATORS = {"mood": 3, "behaviour": 3, "sleep": 2, "appetite": 4, "social": 2, "trauma": 2}


def _admit(case: Any, actor: Any, **kwargs: Any) -> CareArrangement:
    args = {"reason": "Street at night", "brought_by": "Satpol PP"} | kwargs
    return services.shelter_admit(actor=actor, case=case, **args)


def _note(case: Any, psychologist: Any, day: date, **kwargs: Any) -> ProgressNote:
    values = INDICATORS | kwargs
    return services.progress_note_add(
        actor=psychologist, case=case, noted_on=day, narrative="Calmer today.", **values
    )


# --- shelter ------------------------------------------------------------------------------------


def test_admit_records_stay_and_audit(case, case_worker):
    stay = _admit(case, case_worker, belongings="Bag")
    assert stay.is_active and stay.age_group == AgeGroup.FROM_6 and stay.sex == "male"
    assert AuditEvent.objects.filter(
        action="care.shelter.admitted", object_id=str(stay.pk)
    ).exists()


def test_admit_child_already_in_shelter_is_refused(stay, case, case_worker):
    with pytest.raises(ValidationError, match="already staying"):
        _admit(case, case_worker)
    assert CareArrangement.objects.count() == 1


def test_admit_in_the_future_is_refused(case, case_worker):
    with pytest.raises(ValidationError) as exc:
        _admit(case, case_worker, admitted_at=timezone.now() + timedelta(days=1))
    assert "admitted_at" in exc.value.message_dict
    assert not CareArrangement.objects.exists()


def test_admit_requires_reason_and_who_brought(case, case_worker):
    with pytest.raises(ValidationError) as exc:
        services.shelter_admit(actor=case_worker, case=case, reason=" ", brought_by="")
    assert set(exc.value.message_dict) == {"reason", "brought_by"}


def test_admit_during_earlier_stay_is_refused(stay, case, case_worker):
    services.shelter_discharge(
        actor=case_worker, stay=stay, version=stay.version, reason="Home", destination="Family"
    )
    with pytest.raises(ValidationError) as exc:
        _admit(case, case_worker, admitted_at=stay.started_at + timedelta(hours=1))
    assert "admitted_at" in exc.value.message_dict


def test_admit_unknown_age_needs_age_group(home_agency, intake_officer, case_worker, capacity):
    child = make_child(home_agency, intake_officer, birth_date=None)
    case = open_case(case_worker, home_agency, child)
    with pytest.raises(ValidationError) as exc:
        _admit(case, case_worker)
    assert "age_group" in exc.value.message_dict
    stay = _admit(case, case_worker, age_group=AgeGroup.FROM_13)
    assert stay.age_group == AgeGroup.FROM_13


def _fill_boys_6_12(home_agency, intake_officer, case_worker, n=2):
    for _i in range(n):
        other = open_case(case_worker, home_agency, make_child(home_agency, intake_officer))
        _admit(other, case_worker)


def test_admit_when_full_is_refused_with_counts(case, case_worker, home_agency, intake_officer):
    _fill_boys_6_12(home_agency, intake_officer, case_worker)
    with pytest.raises(ValidationError, match="2 of 2 places"):
        _admit(case, case_worker)
    # A worker cannot override.
    with pytest.raises(ValidationError) as exc:
        _admit(case, case_worker, override_reason="No other place tonight")
    assert "override_reason" in exc.value.message_dict
    assert CareArrangement.objects.filter(case=case).count() == 0


def test_supervisor_overrides_capacity_with_reason(
    case, supervisor, case_worker, home_agency, intake_officer
):
    _fill_boys_6_12(home_agency, intake_officer, case_worker)
    stay = _admit(case, supervisor, override_reason="No other safe place tonight")
    assert stay.capacity_override_reason
    event = AuditEvent.objects.get(action="care.shelter.admitted", object_id=str(stay.pk))
    assert event.summary["over_capacity"] is True


def test_other_sex_or_age_group_is_not_full(case, case_worker, home_agency, intake_officer):
    _fill_boys_6_12(home_agency, intake_officer, case_worker)
    girl = open_case(
        case_worker, home_agency, make_child(home_agency, intake_officer, sex="female")
    )
    assert _admit(girl, case_worker).sex == "female"


def test_no_capacity_configured_means_full(home_agency, intake_officer, case_worker):
    case = open_case(case_worker, home_agency, make_child(home_agency, intake_officer))
    with pytest.raises(ValidationError, match="0 of 0"):
        _admit(case, case_worker)


def test_admit_to_a_closed_case_is_refused(case, case_worker):
    case.stage = "closure"
    with pytest.raises(ValidationError, match="closed"):
        _admit(case, case_worker)


def test_discharge_before_admission_is_refused(stay, case_worker):
    with pytest.raises(ValidationError) as exc:
        services.shelter_discharge(
            actor=case_worker,
            stay=stay,
            version=stay.version,
            reason="Home",
            destination="Family",
            discharged_at=stay.started_at - timedelta(minutes=1),
        )
    assert "discharged_at" in exc.value.message_dict
    stay.refresh_from_db()
    assert stay.is_active


def test_discharge_twice_and_stale_version(stay, case_worker):
    done = services.shelter_discharge(
        actor=case_worker, stay=stay, version=stay.version, reason="Home", destination="Family"
    )
    assert done.status == "ended" and done.ended_by == case_worker
    with pytest.raises(StaleVersion):
        services.shelter_discharge(
            actor=case_worker, stay=stay, version=stay.version, reason="x", destination="y"
        )
    with pytest.raises(ValidationError, match="left the shelter already"):
        services.shelter_discharge(
            actor=case_worker, stay=done, version=done.version, reason="x", destination="y"
        )


def test_days_of_stay_counts_admission_day(stay):
    assert stay.days_of_stay(timezone.localdate()) == 5


def test_capacity_set_by_supervisor_only(home_agency, supervisor, case_worker):
    services.shelter_capacity_set(
        actor=supervisor, agency=home_agency, places={("male", "6-12"): 4}
    )
    assert services.shelter_occupancy(home_agency)[("male", "6-12")]["places"] == 4
    with pytest.raises(PermissionDenied):
        services.shelter_capacity_set(
            actor=case_worker, agency=home_agency, places={("male", "6-12"): 9}
        )
    with pytest.raises(ValidationError):
        services.shelter_capacity_set(
            actor=supervisor, agency=home_agency, places={("male", "6-12"): -1}
        )


# --- progress notes ---------------------------------------------------------------------------------


def test_note_added_and_audited(case, psychologist):
    note = _note(case, psychologist, timezone.localdate())
    assert note.mood == 3
    event = AuditEvent.objects.get(action="care.progress_note.added")
    assert "narrative" not in str(event.summary) and "Calmer" not in str(event.summary)


def test_note_in_the_future_is_refused(case, psychologist):
    with pytest.raises(ValidationError) as exc:
        _note(case, psychologist, timezone.localdate() + timedelta(days=1))
    assert "noted_on" in exc.value.message_dict
    assert not ProgressNote.objects.exists()


@pytest.mark.parametrize("value", [0, 6, -1, "x", None])
def test_indicator_outside_scale_is_refused(case, psychologist, value):
    with pytest.raises(ValidationError) as exc:
        _note(case, psychologist, timezone.localdate(), mood=value)
    assert list(exc.value.message_dict) == ["mood"]
    assert not ProgressNote.objects.exists()


def test_one_note_per_day(case, psychologist):
    _note(case, psychologist, timezone.localdate())
    with pytest.raises(ValidationError, match="already a note"):
        _note(case, psychologist, timezone.localdate())


@pytest.mark.parametrize("who", ["case_worker", "supervisor", "outsider", "intake_officer"])
def test_only_team_psychologist_writes_notes(case, who, request):
    with pytest.raises(PermissionDenied):
        _note(case, request.getfixturevalue(who), timezone.localdate())


def test_note_update_by_author_with_version(case, psychologist):
    note = _note(case, psychologist, timezone.localdate())
    updated = services.progress_note_update(
        actor=psychologist,
        note=note,
        version=note.version,
        narrative="Better",
        **INDICATORS | {"mood": 5},
    )
    assert updated.mood == 5 and updated.version == 2
    with pytest.raises(StaleVersion):
        services.progress_note_update(
            actor=psychologist, note=note, version=1, narrative="x", **INDICATORS
        )


def test_days_without_note_in_shelter(stay, case, psychologist):
    from sigap.care.selectors import notes_section_for

    today = timezone.localdate()
    _note(case, psychologist, today - timedelta(days=4))
    _note(case, psychologist, today - timedelta(days=2))
    section = notes_section_for(case=case)
    assert section.days_without_note == [
        today - timedelta(days=3),
        today - timedelta(days=1),
        today,
    ]
    assert section.chart["labels"][0] == (today - timedelta(days=4)).isoformat()
    assert [d["key"] for d in section.chart["datasets"]][0] == "mood"


def test_note_schedule_range(case, psychologist):
    with pytest.raises(ValidationError):
        services.note_schedule_set(actor=psychologist, case=case, interval_days=0)
    assert (
        services.note_schedule_set(actor=psychologist, case=case, interval_days=14).interval_days
        == 14
    )


# --- school -------------------------------------------------------------------------------------


def test_recommendation_and_approval(case, psychologist, supervisor):
    rec = services.recommendation_request(actor=psychologist, case=case, grounds="Stable")
    with pytest.raises(ValidationError, match="already waiting"):
        services.recommendation_request(actor=psychologist, case=case, grounds="Again")
    done = services.recommendation_decide(actor=supervisor, recommendation=rec, approve=True)
    assert done.status == RecommendationStatus.APPROVED and done.decided_by == supervisor


def test_nobody_approves_own_recommendation(case, supervisor, case_worker):
    CaseTeamMember.objects.filter(case=case, role=CaseRole.LEAD_WORKER).update(user=supervisor)
    case.__dict__.pop("_sigap_access", None)
    rec = services.recommendation_request(actor=supervisor, case=case, grounds="Stable")
    with pytest.raises(ValidationError, match="own"):
        services.recommendation_decide(actor=supervisor, recommendation=rec, approve=True)


def test_case_worker_cannot_decide(case, psychologist, case_worker):
    rec = services.recommendation_request(actor=psychologist, case=case, grounds="Stable")
    with pytest.raises(PermissionDenied):
        services.recommendation_decide(actor=case_worker, recommendation=rec, approve=True)


def test_reject_needs_comment(case, psychologist, supervisor):
    rec = services.recommendation_request(actor=psychologist, case=case, grounds="Stable")
    with pytest.raises(ValidationError) as exc:
        services.recommendation_decide(actor=supervisor, recommendation=rec, approve=False)
    assert "comment" in exc.value.message_dict


def test_recommendation_needs_grounds_and_recommender(case, psychologist, intake_officer):
    with pytest.raises(ValidationError):
        services.recommendation_request(actor=psychologist, case=case, grounds=" ")
    with pytest.raises(PermissionDenied):
        services.recommendation_request(actor=intake_officer, case=case, grounds="x")


def test_education_record_needs_approved_recommendation(case, case_worker, psychologist):
    with pytest.raises(ValidationError, match="approved by a supervisor"):
        services.education_open(
            actor=case_worker,
            case=case,
            school_name="SDN 1",
            grade="4",
            started_on=timezone.localdate(),
        )
    services.recommendation_request(actor=psychologist, case=case, grounds="Stable")
    with pytest.raises(ValidationError, match="approved by a supervisor"):
        services.education_open(
            actor=case_worker,
            case=case,
            school_name="SDN 1",
            grade="4",
            started_on=timezone.localdate(),
        )
    assert not EducationRecord.objects.exists()


def test_education_record_school_rules(case, case_worker, approved_recommendation, police_agency):
    with pytest.raises(ValidationError) as exc:
        services.education_open(actor=case_worker, case=case, grade="", started_on=None)
    assert {"school", "grade", "started_on"} <= set(exc.value.message_dict)
    with pytest.raises(ValidationError) as exc:
        services.education_open(
            actor=case_worker,
            case=case,
            school=police_agency,
            grade="4",
            started_on=timezone.localdate(),
        )
    assert "school" in exc.value.message_dict
    record = services.education_open(
        actor=case_worker,
        case=case,
        school_name="SDN 1",
        grade="4",
        started_on=timezone.localdate(),
    )
    assert record.next_follow_up_on == timezone.localdate() + timedelta(days=14)
    with pytest.raises(ValidationError, match="already attends"):
        services.education_open(
            actor=case_worker,
            case=case,
            school_name="SDN 2",
            grade="4",
            started_on=timezone.localdate(),
        )


def test_drop_out_raises_task_and_reenrolment(case, case_worker, approved_recommendation):
    today = timezone.localdate()
    record = services.education_open(
        actor=case_worker,
        case=case,
        school_name="SDN 1",
        grade="4",
        started_on=today - timedelta(days=20),
    )
    services.follow_up_add(
        actor=case_worker, record=record, checked_on=today - timedelta(days=5), attendance="regular"
    )
    record.refresh_from_db()
    assert record.next_follow_up_on == today - timedelta(days=5) + timedelta(days=14)
    services.follow_up_add(
        actor=case_worker, record=record, checked_on=today, attendance="dropped_out"
    )
    record.refresh_from_db()
    assert record.status == EducationStatus.DROPPED_OUT and record.next_follow_up_on is None
    task = CareTask.objects.get(kind=TaskKind.DROPPED_OUT)
    assert task.assignee == case_worker
    with pytest.raises(ValidationError):
        services.follow_up_add(
            actor=case_worker, record=record, checked_on=today, attendance="dropped_out"
        )
    services.follow_up_add(actor=case_worker, record=record, checked_on=today, attendance="regular")
    record.refresh_from_db()
    assert record.status == EducationStatus.ATTENDING


def test_follow_up_dates(case, case_worker, approved_recommendation):
    today = timezone.localdate()
    record = services.education_open(
        actor=case_worker, case=case, school_name="SDN 1", grade="4", started_on=today
    )
    for day in (today + timedelta(days=1), today - timedelta(days=1)):
        with pytest.raises(ValidationError) as exc:
            services.follow_up_add(
                actor=case_worker, record=record, checked_on=day, attendance="regular"
            )
        assert "checked_on" in exc.value.message_dict


# --- parents and family -------------------------------------------------------------------------------


def test_family_intervention_rules(case, psychologist, home_agency, intake_officer):
    from sigap.children.tests.factories import FamilyMemberFactory

    item = services.family_intervention_add(
        actor=psychologist,
        case=case,
        kind="parenting",
        occurred_on=timezone.localdate(),
        participants="Mother",
        topic="Positive discipline",
        outcome="Agreed to daily school check",
    )
    assert item.attended
    with pytest.raises(ValidationError) as exc:
        services.family_intervention_add(
            actor=psychologist,
            case=case,
            kind="x",
            occurred_on=timezone.localdate() + timedelta(days=1),
            participants="",
            topic="",
        )
    assert {"kind", "occurred_on", "participants", "topic"} <= set(exc.value.message_dict)
    stranger: Any = FamilyMemberFactory(child=make_child(home_agency, intake_officer))
    with pytest.raises(ValidationError) as exc:
        services.family_intervention_add(
            actor=psychologist,
            case=case,
            kind="counselling",
            occurred_on=timezone.localdate(),
            participants="Father",
            topic="Anger",
            family_member=stranger,
        )
    assert "family_member" in exc.value.message_dict


def test_commitment_status_transitions(case, case_worker):
    c = services.commitment_add(
        actor=case_worker,
        case=case,
        signed_by="Ibu Sari",
        signed_on=timezone.localdate(),
        terms="No street work",
    )
    kept = services.commitment_set_status(
        actor=case_worker, commitment=c, version=c.version, status="kept"
    )
    assert kept.status == CommitmentStatus.KEPT
    with pytest.raises(ValidationError) as exc:
        services.commitment_set_status(
            actor=case_worker, commitment=kept, version=kept.version, status="in_force"
        )
    assert "status" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.commitment_set_status(
            actor=case_worker, commitment=kept, version=kept.version, status="broken"
        )
    assert "note" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.commitment_add(
            actor=case_worker,
            case=case,
            signed_by="x",
            signed_on=timezone.localdate(),
            terms="y",
            review_on=timezone.localdate() - timedelta(days=1),
        )
    assert "review_on" in exc.value.message_dict


def test_repeat_after_commitment_raises_risk_and_supervisor_task(case, case_worker, supervisor):
    c = services.commitment_add(
        actor=case_worker,
        case=case,
        signed_by="Ibu Sari",
        signed_on=timezone.localdate() - timedelta(days=3),
        terms="No street work",
    )
    repeat = services.repeat_exploitation_record(
        actor=case_worker,
        case=case,
        occurred_on=timezone.localdate(),
        description="Selling at the crossroads",
    )
    case.refresh_from_db()
    c.refresh_from_db()
    assert case.risk_level == "high" and repeat.risk_to == "high"
    assert c.status == CommitmentStatus.BROKEN
    assert RiskChange.objects.filter(case=case, to_level="high").exists()
    task = CareTask.objects.get(kind=TaskKind.REPEAT_EXPLOITATION)
    assert task.assignee is None and task.agency_id == case.lead_agency_id
    assert any(t.care_task_id == task.pk for t in deadlines.tasks_for(supervisor))


def test_repeat_without_commitment_changes_no_risk(case, case_worker):
    services.repeat_exploitation_record(
        actor=case_worker, case=case, occurred_on=timezone.localdate(), description="Begging"
    )
    case.refresh_from_db()
    assert case.risk_level == "medium" and not CareTask.objects.exists()


def test_repeat_at_critical_stays_critical(case, case_worker):
    from sigap.cases.services import case_change_risk

    case = case_change_risk(
        actor=case_worker, case=case, version=case.version, risk_level="critical", reason="x"
    )
    services.commitment_add(
        actor=case_worker, case=case, signed_by="A", signed_on=timezone.localdate(), terms="t"
    )
    services.repeat_exploitation_record(
        actor=case_worker, case=case, occurred_on=timezone.localdate(), description="d"
    )
    case.refresh_from_db()
    assert case.risk_level == "critical" and CareTask.objects.count() == 1


def test_legal_action_lifecycle(case, case_worker, police_agency, home_agency):
    action = services.legal_action_add(
        actor=case_worker,
        case=case,
        target="parent",
        target_name="Bapak Joko",
        allegation="Sent the child to beg",
        police_agency=police_agency,
    )
    assert action.status == LegalStatus.PREPARING
    with pytest.raises(ValidationError) as exc:
        services.legal_action_update(
            actor=case_worker, action=action, version=action.version, status="reported"
        )
    assert "reported_on" in exc.value.message_dict
    action = services.legal_action_update(
        actor=case_worker,
        action=action,
        version=action.version,
        status="reported",
        reported_on=timezone.localdate(),
        police_case_number="LP/B/1/V/2026",
    )
    with pytest.raises(ValidationError) as exc:
        services.legal_action_update(
            actor=case_worker, action=action, version=action.version, status="convicted"
        )
    assert "status" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.legal_action_add(
            actor=case_worker,
            case=case,
            target="organiser",
            target_name="X",
            allegation="Y",
            police_agency=home_agency,
        )
    assert "police_agency" in exc.value.message_dict


# --- tasks, caseloads, reassignment, reminders ---------------------------------------------------------------


def test_tasks_note_gap_in_shelter_for_psychologist(stay, case, psychologist, case_worker):
    tasks = deadlines.tasks_for(psychologist)
    note_tasks = [t for t in tasks if t.kind == "progress_note"]
    assert len(note_tasks) == 1
    assert note_tasks[0].due_on == timezone.localtime(stay.started_at).date()
    assert deadlines.open_task_count(psychologist) >= 1
    assert not [t for t in deadlines.tasks_for(case_worker) if t.kind == "progress_note"]


def test_note_today_moves_the_next_due_to_tomorrow(stay, case, psychologist):
    _note(case, psychologist, timezone.localdate())
    psychologist.__dict__.pop("_care_tasks", None)
    [task] = [t for t in deadlines.tasks_for(psychologist) if t.kind == "progress_note"]
    assert task.due_on == timezone.localdate() + timedelta(days=1)


def test_after_discharge_notes_follow_interval(stay, case, psychologist, case_worker):
    services.shelter_discharge(
        actor=case_worker, stay=stay, version=stay.version, reason="Home", destination="Family"
    )
    services.note_schedule_set(actor=psychologist, case=case, interval_days=10)
    [task] = [t for t in deadlines.tasks_for(psychologist) if t.kind == "progress_note"]
    assert task.due_on == timezone.localdate() + timedelta(days=10)


def test_approvals_are_tasks_for_supervisors_not_the_requester(case, psychologist, supervisor):
    services.recommendation_request(actor=psychologist, case=case, grounds="Stable")
    [task] = [t for t in deadlines.tasks_for(supervisor) if t.kind == "school_recommendation"]
    assert task.due_on == timezone.localdate() + timedelta(days=3)
    assert not [t for t in deadlines.tasks_for(psychologist) if t.kind == "school_recommendation"]


def test_plan_actions_and_review_for_lead_worker(case, case_worker, supervisor):
    from sigap.cases.tests.factories import advance

    advance(case, "implementation", case_worker, supervisor)
    kinds = {t.kind for t in deadlines.tasks_for(case_worker)}
    assert {"plan_action", "case_review"} <= kinds


def test_outsider_has_no_tasks(case, outsider, stay):
    assert deadlines.tasks_for(outsider) == []
    assert deadlines.open_task_count(outsider) == 0


def test_task_complete(case, case_worker, supervisor):
    task = services._raise_task(
        case=case, kind="dropped_out", title="Visit", due_on=timezone.localdate(), assignee_id=None
    )
    with pytest.raises(PermissionDenied):
        services.task_complete(actor=case_worker, task=task)
    done = services.task_complete(actor=supervisor, task=task, note="Visited")
    assert done.status == TaskStatus.DONE
    with pytest.raises(ValidationError):
        services.task_complete(actor=supervisor, task=done)


def test_caseload_and_reassign(case, case_worker, supervisor, home_agency, stay):
    from sigap.accounts.models import Role
    from sigap.accounts.tests.factories import user_with_role

    load = deadlines.caseload_for(supervisor)
    row = next(w for w in load.workers if w.user == case_worker)
    assert row.open_cases == 1
    other = user_with_role(Role.CASE_WORKER, home_agency, username="pekerja2")
    with pytest.raises(ValidationError) as exc:
        services.case_reassign(actor=supervisor, case=case, to_user=other, reason=" ")
    assert "reason" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        services.case_reassign(actor=case_worker, case=case, to_user=other, reason="Leave")
    item = services.case_reassign(
        actor=supervisor, case=case, to_user=other, reason="Maternity leave"
    )
    assert item.from_user == case_worker and Reassignment.objects.count() == 1
    lead = CaseTeamMember.objects.get(case=case, role=CaseRole.LEAD_WORKER, ended_at__isnull=True)
    assert lead.user == other
    event = AuditEvent.objects.get(action="care.case_reassigned")
    assert event.summary["changed"] == ["lead_worker"] and "Maternity" not in str(event.summary)
    with pytest.raises(ValidationError):
        services.case_reassign(actor=supervisor, case=case, to_user=other, reason="again")
    # Back to the previous lead, who is a co-worker now.
    services.case_reassign(actor=supervisor, case=case, to_user=case_worker, reason="Back")


def test_reassign_to_someone_without_a_role_is_refused(case, supervisor, outsider):
    with pytest.raises(ValidationError) as exc:
        services.case_reassign(actor=supervisor, case=case, to_user=outsider, reason="x")
    assert "user" in exc.value.message_dict


def test_reminders_once_a_day_without_child_names(
    stay, case, psychologist, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        sent = services.reminders_send(today=timezone.localdate() + timedelta(days=1))
    assert sent >= 1
    assert ReminderLog.objects.filter(user=psychologist).exists()
    message = next(m for m in mail.outbox if psychologist.email in m.to)
    assert case.child.full_name not in message.body and "/pendampingan/tugas/" in message.body
    assert services.reminders_send(today=timezone.localdate() + timedelta(days=1)) == 0


def test_school_recommendation_constraint_model(case, psychologist):
    services.recommendation_request(actor=psychologist, case=case, grounds="a")
    assert SchoolRecommendation.objects.filter(status="requested").count() == 1
    assert Commitment.objects.count() == 0
