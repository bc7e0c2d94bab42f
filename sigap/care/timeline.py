"""The care pathway on the case timeline (the cases app's registry). One source, a constant number
of queries per case. Psychologist notes appear without their content: the timeline is read by
everyone who sees the case, the notes only by the psychologist section's readers."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _

from sigap.cases.timeline import TimelineEntry, register_timeline_source

if TYPE_CHECKING:
    from sigap.cases.models import Case


def _day(d: date) -> datetime:
    return datetime.combine(d, time(12, 0), tzinfo=timezone.get_current_timezone())


def _name(user: object) -> str:
    return getattr(user, "display_name", "") if user is not None else ""


@register_timeline_source
def care_events(case: Case) -> Iterable[TimelineEntry]:
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
        RecommendationStatus,
        RepeatExploitation,
        SchoolRecommendation,
    )

    for s in CareArrangement.objects.filter(case=case).select_related(
        "agency", "started_by", "ended_by"
    ):
        yield TimelineEntry(
            at=s.started_at,
            kind="care.shelter.admitted",
            title=_("Admitted to %(place)s") % {"place": s.agency},
            detail=s.reason,
            actor=_name(s.started_by),
            icon="bi-house-heart",
        )
        if s.ended_at is not None:
            yield TimelineEntry(
                at=s.ended_at,
                kind="care.shelter.discharged",
                title=_("Left %(place)s for: %(to)s") % {"place": s.agency, "to": s.destination},
                detail=s.end_reason,
                actor=_name(s.ended_by),
                icon="bi-box-arrow-right",
            )
    for n in ProgressNote.objects.filter(case=case).select_related("author"):
        yield TimelineEntry(
            at=_day(n.noted_on),
            kind="care.progress_note",
            title=_("Psychologist progress note"),
            actor=_name(n.author),
            icon="bi-journal-medical",
        )
    for r in SchoolRecommendation.objects.filter(case=case).select_related(
        "requested_by", "decided_by"
    ):
        yield TimelineEntry(
            at=r.requested_at,
            kind="care.school_recommendation.requested",
            title=_("Recommended: safe to return to school"),
            detail=r.grounds,
            actor=_name(r.requested_by),
            icon="bi-mortarboard",
        )
        if r.decided_at is not None:
            approved = r.status == RecommendationStatus.APPROVED
            yield TimelineEntry(
                at=r.decided_at,
                kind="care.school_recommendation." + ("approved" if approved else "rejected"),
                title=_("School return approved") if approved else _("School return rejected"),
                detail=r.comment,
                actor=_name(r.decided_by),
                icon="bi-check2-square" if approved else "bi-x-square",
            )
    for e in EducationRecord.objects.filter(case=case).select_related("school", "created_by"):
        yield TimelineEntry(
            at=e.created_at,
            kind="care.education.opened",
            title=_("Back to school: %(school)s, grade %(grade)s")
            % {"school": e.school_label, "grade": e.grade},
            actor=_name(e.created_by),
            icon="bi-backpack",
        )
    for f in AttendanceFollowUp.objects.filter(record__case=case).select_related("checked_by"):
        yield TimelineEntry(
            at=_day(f.checked_on),
            kind="care.education.follow_up",
            title=_("School attendance: %(a)s") % {"a": f.get_attendance_display()},
            detail=f.notes,
            actor=_name(f.checked_by),
            icon="bi-calendar-check",
        )
    for i in FamilyIntervention.objects.filter(case=case).select_related("recorded_by"):
        yield TimelineEntry(
            at=_day(i.occurred_on),
            kind=f"care.family.{i.kind}",
            title=_("%(kind)s: %(topic)s") % {"kind": i.get_kind_display(), "topic": i.topic},
            detail=i.outcome,
            actor=_name(i.recorded_by),
            icon="bi-people",
        )
    for c in Commitment.objects.filter(case=case).select_related("recorded_by"):
        yield TimelineEntry(
            at=_day(c.signed_on),
            kind="care.family.commitment",
            title=_("Written commitment signed by %(name)s") % {"name": c.signed_by},
            detail=c.terms,
            actor=_name(c.recorded_by),
            icon="bi-pen",
        )
        if c.status_changed_at is not None:
            yield TimelineEntry(
                at=c.status_changed_at,
                kind=f"care.family.commitment_{c.status}",
                title=_("Commitment: %(status)s") % {"status": c.get_status_display()},
                detail=c.status_note,
                icon="bi-pen",
            )
    for x in RepeatExploitation.objects.filter(case=case).select_related("recorded_by"):
        yield TimelineEntry(
            at=_day(x.occurred_on),
            kind="care.family.repeat_exploitation",
            title=_("Exploited again"),
            detail=x.description,
            actor=_name(x.recorded_by),
            icon="bi-exclamation-octagon",
        )
    for a in LegalAction.objects.filter(case=case).select_related("recorded_by"):
        yield TimelineEntry(
            at=a.created_at,
            kind="care.legal.added",
            title=_("Legal action against %(name)s: %(status)s")
            % {"name": a.target_name, "status": a.get_status_display()},
            detail=a.police_case_number,
            actor=_name(a.recorded_by),
            icon="bi-bank",
        )
    for t in CareTask.objects.filter(case=case).select_related("done_by"):
        yield TimelineEntry(
            at=t.created_at,
            kind=f"care.task.{t.kind}",
            title=_("Task: %(title)s") % {"title": t.title},
            icon="bi-list-task",
        )
        if t.done_at is not None:
            yield TimelineEntry(
                at=t.done_at,
                kind="care.task.done",
                title=_("Task done: %(title)s") % {"title": t.title},
                detail=t.done_note,
                actor=_name(t.done_by),
                icon="bi-check2",
            )
    for m in Reassignment.objects.filter(case=case).select_related(
        "from_user", "to_user", "reassigned_by"
    ):
        yield TimelineEntry(
            at=m.reassigned_at,
            kind="care.case_reassigned",
            title=_("Reassigned to %(to)s") % {"to": _name(m.to_user)},
            detail=m.reason,
            actor=_name(m.reassigned_by),
            icon="bi-person-gear",
        )
