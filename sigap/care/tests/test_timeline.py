"""The care source of the case timeline: what it shows for every care table, in what order, and
that it costs the same few queries whatever the case holds."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sigap.care import services
from sigap.care.models import (
    AttendanceFollowUp,
    CareArrangement,
    CareTask,
    Commitment,
    EducationRecord,
    FamilyIntervention,
    LegalAction,
    ProgressNote,
    Reassignment,
    RepeatExploitation,
    SchoolRecommendation,
)
from sigap.care.timeline import care_events
from sigap.cases.models import Case
from sigap.cases.timeline import TimelineEntry

INDICATORS = {"mood": 3, "behaviour": 4, "sleep": 2, "appetite": 4, "social": 3, "trauma": 2}


def _who(user: Any) -> str:
    assert user is not None
    return str(user.display_name)


def _noon(d: Any) -> datetime:
    return datetime.combine(d, time(12, 0), tzinfo=timezone.get_current_timezone())


def _fill_every_table(
    case: Case, stay: Any, case_worker: Any, psychologist: Any, supervisor: Any, police: Any
) -> None:
    """Two or more rows in most care tables (so their order is checked), some with the second
    event (discharged, decided, status changed, done)."""
    from sigap.accounts.models import Role
    from sigap.accounts.tests.factories import user_with_role

    today = timezone.localdate()
    services.shelter_discharge(
        actor=case_worker, stay=stay, version=stay.version, reason="Home", destination="Family"
    )
    for days_ago, words in ((3, "Calmer"), (1, "Sleeping well")):
        services.progress_note_add(
            actor=psychologist,
            case=case,
            noted_on=today - timedelta(days=days_ago),
            narrative=words,
            **INDICATORS,
        )
    rejected = services.recommendation_request(actor=psychologist, case=case, grounds="Early")
    services.recommendation_decide(
        actor=supervisor, recommendation=rejected, approve=False, comment="Wait a week"
    )
    approved = services.recommendation_request(actor=psychologist, case=case, grounds="Stable")
    services.recommendation_decide(actor=supervisor, recommendation=approved, approve=True)
    services.recommendation_request(actor=psychologist, case=case, grounds="Pending one")
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
    # Dropping out raises a care task.
    services.follow_up_add(
        actor=case_worker, record=record, checked_on=today, attendance="dropped_out", notes="Left"
    )
    for topic in ("Positive discipline", "School every day"):
        services.family_intervention_add(
            actor=psychologist,
            case=case,
            kind="parenting",
            occurred_on=today,
            participants="Mother",
            topic=topic,
            outcome="Agreed",
        )
    kept = services.commitment_add(
        actor=case_worker, case=case, signed_by="Ibu Sari", signed_on=today, terms="No street work"
    )
    services.commitment_set_status(
        actor=case_worker, commitment=kept, version=kept.version, status="kept"
    )
    services.commitment_add(
        actor=case_worker,
        case=case,
        signed_by="Bapak Joko",
        signed_on=today - timedelta(days=2),
        terms="Walks the child to school",
    )
    services.repeat_exploitation_record(
        actor=case_worker, case=case, occurred_on=today, description="Begging at the crossroads"
    )
    services.legal_action_add(
        actor=case_worker,
        case=case,
        target="parent",
        target_name="Bapak Joko",
        allegation="Sent the child to beg",
        police_agency=police,
    )
    task = services._raise_task(
        case=case, kind="dropped_out", title="Visit", due_on=today, assignee_id=None
    )
    services.task_complete(actor=supervisor, task=task, note="Visited")
    other = user_with_role(Role.CASE_WORKER, stay.agency, username="pekerja2")
    services.case_reassign(actor=supervisor, case=case, to_user=other, reason="Maternity leave")


def _expected(case: Case) -> list[TimelineEntry]:
    """The entries, built from the rows: each table in turn, each in its own order (newest first
    but tasks by due day), a row's first event followed by its second."""
    out: list[TimelineEntry] = []
    add = out.append
    for s in CareArrangement.objects.filter(case=case).order_by("-started_at", "-id"):
        add(
            TimelineEntry(
                s.started_at,
                "care.shelter.admitted",
                f"Admitted to {s.agency}",
                s.reason,
                _who(s.started_by),
                "bi-house-heart",
            )
        )
        if s.ended_at:
            add(
                TimelineEntry(
                    s.ended_at,
                    "care.shelter.discharged",
                    f"Left {s.agency} for: {s.destination}",
                    s.end_reason,
                    _who(s.ended_by),
                    "bi-box-arrow-right",
                )
            )
    for n in ProgressNote.objects.filter(case=case).order_by("-noted_on", "-id"):
        add(
            TimelineEntry(
                _noon(n.noted_on),
                "care.progress_note",
                "Psychologist progress note",
                "",  # never the note's words
                _who(n.author),
                "bi-journal-medical",
            )
        )
    for r in SchoolRecommendation.objects.filter(case=case).order_by("-requested_at", "-id"):
        add(
            TimelineEntry(
                r.requested_at,
                "care.school_recommendation.requested",
                "Recommended: safe to return to school",
                r.grounds,
                _who(r.requested_by),
                "bi-mortarboard",
            )
        )
        if r.decided_at:
            ok = r.status == "approved"
            add(
                TimelineEntry(
                    r.decided_at,
                    "care.school_recommendation." + ("approved" if ok else "rejected"),
                    "School return approved" if ok else "School return rejected",
                    r.comment,
                    _who(r.decided_by),
                    "bi-check2-square" if ok else "bi-x-square",
                )
            )
    for e in EducationRecord.objects.filter(case=case).order_by("-started_on", "-id"):
        add(
            TimelineEntry(
                e.created_at,
                "care.education.opened",
                f"Back to school: {e.school_name}, grade {e.grade}",
                "",
                _who(e.created_by),
                "bi-backpack",
            )
        )
    for f in AttendanceFollowUp.objects.filter(record__case=case).order_by("-checked_on", "-id"):
        add(
            TimelineEntry(
                _noon(f.checked_on),
                "care.education.follow_up",
                f"School attendance: {f.get_attendance_display()}",
                f.notes,
                _who(f.checked_by),
                "bi-calendar-check",
            )
        )
    for i in FamilyIntervention.objects.filter(case=case).order_by("-occurred_on", "-id"):
        add(
            TimelineEntry(
                _noon(i.occurred_on),
                f"care.family.{i.kind}",
                f"{i.get_kind_display()}: {i.topic}",
                i.outcome,
                _who(i.recorded_by),
                "bi-people",
            )
        )
    for c in Commitment.objects.filter(case=case).order_by("-signed_on", "-id"):
        add(
            TimelineEntry(
                _noon(c.signed_on),
                "care.family.commitment",
                f"Written commitment signed by {c.signed_by}",
                c.terms,
                _who(c.recorded_by),
                "bi-pen",
            )
        )
        if c.status_changed_at:
            add(
                TimelineEntry(
                    c.status_changed_at,
                    f"care.family.commitment_{c.status}",
                    f"Commitment: {c.get_status_display()}",
                    c.status_note,
                    "",
                    "bi-pen",
                )
            )
    for x in RepeatExploitation.objects.filter(case=case).order_by("-occurred_on", "-id"):
        add(
            TimelineEntry(
                _noon(x.occurred_on),
                "care.family.repeat_exploitation",
                "Exploited again",
                x.description,
                _who(x.recorded_by),
                "bi-exclamation-octagon",
            )
        )
    for a in LegalAction.objects.filter(case=case).order_by("-created_at", "-id"):
        add(
            TimelineEntry(
                a.created_at,
                "care.legal.added",
                f"Legal action against {a.target_name}: {a.get_status_display()}",
                a.police_case_number,
                _who(a.recorded_by),
                "bi-bank",
            )
        )
    for t in CareTask.objects.filter(case=case).order_by("due_on", "id"):
        add(
            TimelineEntry(
                t.created_at, f"care.task.{t.kind}", f"Task: {t.title}", icon="bi-list-task"
            )
        )
        if t.done_at:
            add(
                TimelineEntry(
                    t.done_at,
                    "care.task.done",
                    f"Task done: {t.title}",
                    t.done_note,
                    _who(t.done_by),
                    "bi-check2",
                )
            )
    for m in Reassignment.objects.filter(case=case).order_by("-reassigned_at", "-id"):
        add(
            TimelineEntry(
                m.reassigned_at,
                "care.case_reassigned",
                f"Reassigned to {_who(m.to_user)}",
                m.reason,
                _who(m.reassigned_by),
                "bi-person-gear",
            )
        )
    return out


@pytest.fixture
def full_case(case, stay, case_worker, psychologist, supervisor, police_agency) -> Case:
    _fill_every_table(case, stay, case_worker, psychologist, supervisor, police_agency)
    return Case.objects.get(pk=case.pk)


def test_every_care_table_shows_on_the_timeline(full_case):
    tables = [
        CareArrangement,
        ProgressNote,
        SchoolRecommendation,
        EducationRecord,
        FamilyIntervention,
        Commitment,
        RepeatExploitation,
        LegalAction,
        CareTask,
        Reassignment,
    ]
    assert all(t._default_manager.filter(case=full_case).exists() for t in tables)
    assert AttendanceFollowUp.objects.filter(record__case=full_case).count() == 2
    # Several rows in one table: their order is the table's own.
    assert FamilyIntervention.objects.filter(case=full_case).count() == 2
    assert CareTask.objects.filter(case=full_case).count() >= 2

    entries = list(care_events(full_case))

    assert entries == _expected(full_case)
    kinds = {e.kind for e in entries}
    assert {
        "care.shelter.discharged",
        "care.school_recommendation.approved",
        "care.school_recommendation.rejected",
        "care.task.done",
    } <= kinds
    assert any(k.startswith("care.family.commitment_") for k in kinds)  # a status changed
    assert not any(e.detail in ("Calmer", "Sleeping well") for e in entries)


def _queries(case: Case) -> int:
    case = Case.objects.get(pk=case.pk)
    with CaptureQueriesContext(connection) as ctx:
        list(care_events(case))
    return len(ctx.captured_queries)


def test_care_timeline_costs_at_most_three_queries(
    case, stay, case_worker, psychologist, home_agency, intake_officer
):
    """One query for a case without care records, three (the rows; their people; their agencies)
    however many records it has, in however many tables."""
    from sigap.cases.tests.factories import make_child, open_case

    empty = open_case(case_worker, home_agency, make_child(home_agency, intake_officer))
    assert _queries(empty) == 1
    assert _queries(case) == 3  # the stay: its agency and its people
    for d in range(3):
        services.progress_note_add(
            actor=psychologist,
            case=case,
            noted_on=timezone.localdate() - timedelta(days=d),
            narrative="n",
            **INDICATORS,
        )
    assert _queries(case) == 3


def test_full_case_costs_three_queries(full_case, psychologist):
    assert _queries(full_case) == 3
    for _ in range(2):
        services.family_intervention_add(
            actor=psychologist,
            case=full_case,
            kind="parenting",
            occurred_on=timezone.localdate(),
            participants="p",
            topic="t",
        )
    assert _queries(full_case) == 3
