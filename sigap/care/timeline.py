"""The care pathway on the case timeline (the cases app's registry). One source, at most three
queries per case whatever its data: the rows of every care table in one UNION ALL, then the people
and the agencies they name. Psychologist notes appear without their content: the timeline is read
by everyone who sees the case, the notes only by the psychologist section's readers."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any, cast

from django.db import models
from django.db.models.functions import Cast, RowNumber
from django.utils import timezone
from django.utils.translation import gettext as _

from sigap.cases.timeline import TimelineEntry, register_timeline_source

if TYPE_CHECKING:
    from sigap.cases.models import Case


def _day(d: date) -> datetime:
    return datetime.combine(d, time(12, 0), tzinfo=timezone.get_current_timezone())


def _name(user: object) -> str:
    return getattr(user, "display_name", "") if user is not None else ""


# A UNION needs one column list for every table: each loaded field goes to a column of its type
# (the slots below, typed NULL where a table has fewer fields of that type, which PostgreSQL
# requires), and each row carries its table's index and its rank in the table's own ordering.
_SLOT_TYPES: dict[str, type[models.Field[Any, Any]]] = {
    "dt": models.DateTimeField,
    "day": models.DateField,
    "text": models.TextField,
    "id": models.BigIntegerField,
}


def _slot_type(field: models.Field[Any, Any]) -> str:
    if field.is_relation or isinstance(field, models.IntegerField):
        return "id"
    if isinstance(field, models.DateTimeField):
        return "dt"
    if isinstance(field, models.DateField):
        return "day"
    if isinstance(field, (models.CharField, models.TextField)):
        return "text"
    raise TypeError(f"no union slot for {field!r}")


def _slots(fields: Sequence[models.Field[Any, Any]]) -> dict[str, models.Field[Any, Any]]:
    """Each field's column: "dt0", "dt1", "text0"… in the order of `fields` within a type."""
    used = dict.fromkeys(_SLOT_TYPES, 0)
    slots = {}
    for f in fields:
        t = _slot_type(f)
        slots[f"{t}{used[t]}"] = f
        used[t] += 1
    return slots


def _rows_of(
    querysets: Sequence[tuple[models.QuerySet[Any], Sequence[str]]],
) -> list[list[Any]]:
    """The rows of every `(queryset, field names)` in one query, as model instances holding the
    primary key and those fields (foreign keys as their ids; any other field is deferred: reading
    it costs a query), each list in its model's Meta.ordering."""
    specs = []
    for qs, names in querysets:
        meta = qs.model._meta
        wanted = {meta.pk.name, *names}
        # Model.from_db takes the values in the model's field order.
        specs.append((qs, [f for f in meta.concrete_fields if f.name in wanted]))
    width = {
        t: max(sum(_slot_type(f) == t for f in fields) for _qs, fields in specs)
        for t in _SLOT_TYPES
    }
    branches = []
    for index, (qs, fields) in enumerate(specs):
        slots = _slots(fields)
        columns: dict[str, Any] = {
            "src": models.Value(index, output_field=models.IntegerField()),
            "rank": models.Window(RowNumber(), order_by=list(qs.model._meta.ordering)),
        }
        for t, field_class in _SLOT_TYPES.items():  # the same column order in every branch
            for i in range(width[t]):
                name = f"{t}{i}"
                columns[name] = (
                    models.F(slots[name].attname)
                    if name in slots
                    else Cast(models.Value(None), output_field=field_class())
                )
        branches.append(qs.order_by().values(**columns))
    found: list[list[tuple[int, Any]]] = [[] for _ in specs]
    for row in branches[0].union(*branches[1:], all=True):
        qs, fields = specs[row["src"]]
        slots = _slots(fields)
        obj = qs.model.from_db(qs.db, [f.attname for f in fields], [row[n] for n in slots])
        found[row["src"]].append((row["rank"], obj))
    lists = [[obj for _rank, obj in sorted(rows, key=lambda r: r[0])] for rows in found]
    _attach_related(lists, specs)
    return lists


def _attach_related(
    lists: list[list[Any]], specs: list[tuple[models.QuerySet[Any], list[models.Field[Any, Any]]]]
) -> None:
    """Fill the loaded foreign keys (what select_related would): one query per related model."""
    wanted: dict[type[models.Model], set[Any]] = {}
    keys = [[f for f in fields if isinstance(f, models.ForeignKey)] for _qs, fields in specs]
    for objs, fks in zip(lists, keys, strict=True):
        for fk in fks:
            ids = {getattr(o, fk.attname) for o in objs} - {None}
            if ids:
                wanted.setdefault(_target(fk), set()).update(ids)
    loaded = {model: model._base_manager.in_bulk(ids) for model, ids in wanted.items()}
    for objs, fks in zip(lists, keys, strict=True):
        for fk in fks:
            related = loaded.get(_target(fk), {})
            for o in objs:
                fk.set_cached_value(o, related.get(getattr(o, fk.attname)))


def _target(fk: models.ForeignKey[Any, Any]) -> type[models.Model]:
    return cast("type[models.Model]", fk.related_model)


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

    (
        arrangements,
        progress_notes,
        recommendations,
        education_records,
        follow_ups,
        interventions,
        commitments,
        repeats,
        legal_actions,
        tasks,
        reassignments,
    ) = _rows_of(
        [
            (
                CareArrangement.objects.filter(case=case),
                ["agency", "started_at", "started_by", "reason"]
                + ["ended_at", "ended_by", "destination", "end_reason"],
            ),
            (ProgressNote.objects.filter(case=case), ["noted_on", "author"]),
            (
                SchoolRecommendation.objects.filter(case=case),
                ["requested_at", "requested_by", "grounds"]
                + ["status", "decided_at", "decided_by", "comment"],
            ),
            (
                EducationRecord.objects.filter(case=case),
                ["created_at", "created_by", "school", "school_name", "grade"],
            ),
            (
                AttendanceFollowUp.objects.filter(record__case=case),
                ["checked_on", "checked_by", "attendance", "notes"],
            ),
            (
                FamilyIntervention.objects.filter(case=case),
                ["occurred_on", "recorded_by", "kind", "topic", "outcome"],
            ),
            (
                Commitment.objects.filter(case=case),
                ["signed_on", "recorded_by", "signed_by", "terms"]
                + ["status", "status_changed_at", "status_note"],
            ),
            (
                RepeatExploitation.objects.filter(case=case),
                ["occurred_on", "recorded_by", "description"],
            ),
            (
                LegalAction.objects.filter(case=case),
                ["created_at", "recorded_by", "target_name", "status", "police_case_number"],
            ),
            (
                CareTask.objects.filter(case=case),
                ["created_at", "kind", "title", "done_at", "done_by", "done_note"],
            ),
            (
                Reassignment.objects.filter(case=case),
                ["reassigned_at", "reassigned_by", "to_user", "reason"],
            ),
        ]
    )
    for s in arrangements:
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
    for n in progress_notes:
        yield TimelineEntry(
            at=_day(n.noted_on),
            kind="care.progress_note",
            title=_("Psychologist progress note"),
            actor=_name(n.author),
            icon="bi-journal-medical",
        )
    for r in recommendations:
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
    for e in education_records:
        yield TimelineEntry(
            at=e.created_at,
            kind="care.education.opened",
            title=_("Back to school: %(school)s, grade %(grade)s")
            % {"school": e.school_label, "grade": e.grade},
            actor=_name(e.created_by),
            icon="bi-backpack",
        )
    for f in follow_ups:
        yield TimelineEntry(
            at=_day(f.checked_on),
            kind="care.education.follow_up",
            title=_("School attendance: %(a)s") % {"a": f.get_attendance_display()},
            detail=f.notes,
            actor=_name(f.checked_by),
            icon="bi-calendar-check",
        )
    for i in interventions:
        yield TimelineEntry(
            at=_day(i.occurred_on),
            kind=f"care.family.{i.kind}",
            title=_("%(kind)s: %(topic)s") % {"kind": i.get_kind_display(), "topic": i.topic},
            detail=i.outcome,
            actor=_name(i.recorded_by),
            icon="bi-people",
        )
    for c in commitments:
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
    for x in repeats:
        yield TimelineEntry(
            at=_day(x.occurred_on),
            kind="care.family.repeat_exploitation",
            title=_("Exploited again"),
            detail=x.description,
            actor=_name(x.recorded_by),
            icon="bi-exclamation-octagon",
        )
    for a in legal_actions:
        yield TimelineEntry(
            at=a.created_at,
            kind="care.legal.added",
            title=_("Legal action against %(name)s: %(status)s")
            % {"name": a.target_name, "status": a.get_status_display()},
            detail=a.police_case_number,
            actor=_name(a.recorded_by),
            icon="bi-bank",
        )
    for t in tasks:
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
    for m in reassignments:
        yield TimelineEntry(
            at=m.reassigned_at,
            kind="care.case_reassigned",
            title=_("Reassigned to %(to)s") % {"to": _name(m.to_user)},
            detail=m.reason,
            actor=_name(m.reassigned_by),
            icon="bi-person-gear",
        )
