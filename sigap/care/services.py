"""Writes of the care pathway. Each service checks its rules, runs in one transaction and writes its
audit event last, in the same transaction; bad input raises ValidationError naming the field and
writes nothing. Editable records carry a version: a stale one raises StaleVersion (cases).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from sigap.accounts.models import Agency, AgencyType, Role, User
from sigap.care import policies
from sigap.care.models import (
    INDICATOR_KEYS,
    INDICATOR_MAX,
    INDICATOR_MIN,
    INDICATORS,
    AgeGroup,
    ArrangementKind,
    ArrangementStatus,
    Attendance,
    AttendanceFollowUp,
    CareArrangement,
    CareTask,
    Commitment,
    CommitmentStatus,
    EducationRecord,
    EducationStatus,
    FamilyIntervention,
    InterventionKind,
    LegalAction,
    LegalStatus,
    LegalTarget,
    NoteSchedule,
    ProgressNote,
    Reassignment,
    RecommendationStatus,
    RepeatExploitation,
    SchoolRecommendation,
    ShelterCapacity,
    StatusError,
    TaskKind,
    TaskStatus,
    age_group_for,
    apply_status,
)
from sigap.cases import services as case_services
from sigap.cases.models import Case, CaseRole, CaseTeamMember, RiskLevel, Stage
from sigap.cases.services import StaleVersion
from sigap.children.models import Child, FamilyMember, Person, Sex
from sigap.core.audit import audit_log

# A clock a little fast on a phone must not refuse a time entered "now".
CLOCK_SLACK = timedelta(minutes=10)
RISK_ORDER = [RiskLevel.LOW, RiskLevel.MEDIUM, RiskLevel.HIGH, RiskLevel.CRITICAL]
DROP_OUT_TASK_DAYS = 3
REPEAT_TASK_DAYS = 1

__all__ = ["StaleVersion"]


def _when(value: datetime | date) -> str:
    if isinstance(value, datetime):
        return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")
    return formats.date_format(value, "DATE_FORMAT")


def _not_future_day(value: date | None, field: str) -> date:
    if value is None:
        raise ValidationError({field: _("Enter the date.")})
    if value > timezone.localdate():
        raise ValidationError({field: _("The date cannot be in the future.")})
    return value


def _not_future_time(value: datetime | None, field: str) -> datetime:
    now = timezone.now()
    if value is None:
        return now
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if value > now + CLOCK_SLACK:
        raise ValidationError({field: _("The time cannot be in the future.")})
    return value


def _required(errors: dict[str, str], field: str, value: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        errors[field] = message
    return value


def _raise(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationError(errors)


def _open_case(case: Case) -> None:
    if case.stage == Stage.CLOSURE:
        raise ValidationError(_("The case is closed: reopen it first."))


def _lead_worker_id(case: Case) -> int | None:
    return (
        CaseTeamMember.objects.filter(case=case, ended_at__isnull=True, role=CaseRole.LEAD_WORKER)
        .values_list("user_id", flat=True)
        .first()
    )


def _check_family_member(case: Case, member: FamilyMember | None) -> None:
    if member is not None and member.child_id != case.child_id:
        raise ValidationError({"family_member": _("Choose a family member of this child.")})


# --- shelter ------------------------------------------------------------------------------------


def shelter_occupancy(agency: Agency) -> dict[tuple[str, str], dict[str, int]]:
    """{(sex, age group): {"places": n, "occupied": m}} for every sex and age group."""
    places = {(c.sex, c.age_group): c.places for c in ShelterCapacity.objects.filter(agency=agency)}
    occupied = {
        (row["sex"], row["age_group"]): row["n"]
        for row in CareArrangement.objects.filter(
            agency=agency, kind=ArrangementKind.SHELTER, ended_at__isnull=True
        )
        .values("sex", "age_group")
        .annotate(n=Count("id"))
    }
    return {
        (sex, group): {
            "places": places.get((sex, group), 0),
            "occupied": occupied.get((sex, group), 0),
        }
        for sex in Sex.values
        for group in AgeGroup.values
    }


def _shelter_agency(case: Case, agency: Agency | None) -> Agency:
    agency = agency or case.lead_agency
    if agency.type != AgencyType.UPTD_PPA or not agency.is_active:
        raise ValidationError({"agency": _("The temporary shelter is run by a UPTD PPA.")})
    return agency


@transaction.atomic
def shelter_admit(
    *,
    actor: User,
    case: Case,
    reason: str,
    brought_by: str,
    admitted_at: datetime | None = None,
    belongings: str = "",
    age_group: str = "",
    override_reason: str = "",
    agency: Agency | None = None,
) -> CareArrangement:
    """Admit the child of `case` to the shelter. Refused when the child is staying somewhere
    already, and when the places for the child's sex and age group are taken, unless a supervisor
    of the shelter's agency admits over capacity with a reason."""
    _open_case(case)
    shelter = _shelter_agency(case, agency)
    child = case.child
    errors: dict[str, str] = {}
    reason = _required(errors, "reason", reason, _("Say why the child is admitted."))
    brought_by = _required(errors, "brought_by", brought_by, _("Say who brought the child."))
    admitted_at = _not_future_time(admitted_at, "admitted_at")
    group = age_group_for(child.age)
    if not group:
        if age_group not in AgeGroup.values:
            errors["age_group"] = _(
                "The child's age is not known: choose the age group for the shelter."
            )
        group = age_group
    _raise(errors)
    # Lock the shelter's capacity rows: admissions to one shelter happen one at a time, so two
    # people cannot both take the last place (SQLite serialises writers anyway).
    list(ShelterCapacity.objects.select_for_update().filter(agency=shelter))
    current = (
        CareArrangement.objects.filter(child=child, ended_at__isnull=True)
        .select_related("agency")
        .first()
    )
    if current is not None:
        raise ValidationError(
            _("%(child)s is already staying at %(place)s since %(since)s.")
            % {
                "child": child.full_name,
                "place": current.agency,
                "since": _when(current.started_at),
            }
        )
    overlapping = (
        CareArrangement.objects.filter(child=child, ended_at__gt=admitted_at)
        .order_by("-ended_at")
        .first()
    )
    if overlapping is not None and overlapping.ended_at is not None:
        raise ValidationError(
            {
                "admitted_at": _(
                    "The child was still staying at %(place)s until %(until)s: the admission must "
                    "be later."
                )
                % {"place": overlapping.agency, "until": _when(overlapping.ended_at)}
            }
        )
    counts = shelter_occupancy(shelter)[(child.sex, group)]
    full = counts["occupied"] >= counts["places"]
    override_reason = override_reason.strip()
    if full:
        label = _("%(sex)s, %(group)s") % {
            "sex": Sex(child.sex).label.lower(),
            "group": AgeGroup(group).label,
        }
        if not override_reason:
            raise ValidationError(
                _(
                    "The shelter is full for %(label)s: %(occupied)d of %(places)d places are "
                    "taken. A supervisor can admit over capacity with a reason."
                )
                % {"label": label, **counts}
            )
        if not actor.has_role(Role.SUPERVISOR, agency_id=shelter.pk):
            raise ValidationError(
                {"override_reason": _("Only a supervisor of the shelter can admit over capacity.")}
            )
    else:
        override_reason = ""
    stay = CareArrangement(
        kind=ArrangementKind.SHELTER,
        case=case,
        child=child,
        agency=shelter,
        regency_code=shelter.regency_code,
        started_at=admitted_at,
        reason=reason,
        brought_by=brought_by,
        belongings=belongings.strip(),
        sex=child.sex,
        age_group=group,
        capacity_override_reason=override_reason,
        started_by=actor,
    )
    stay.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            stay.save()
    except IntegrityError as exc:  # a concurrent admission of the same child
        raise ValidationError(_("This child is already staying somewhere.")) from exc
    audit_log(
        actor=actor,
        action="care.shelter.admitted",
        obj=stay,
        agency_id=case.lead_agency_id,
        extra={"case": str(case.pk), "over_capacity": bool(override_reason)},
    )
    return stay


@transaction.atomic
def shelter_discharge(
    *,
    actor: User,
    stay: CareArrangement,
    version: int,
    reason: str,
    destination: str,
    discharged_at: datetime | None = None,
) -> CareArrangement:
    fresh = CareArrangement.objects.select_for_update().get(pk=stay.pk)
    if fresh.version != version:
        raise StaleVersion(fresh)
    errors: dict[str, str] = {}
    reason = _required(errors, "reason", reason, _("Say why the child leaves the shelter."))
    destination = _required(errors, "destination", destination, _("Say where the child goes."))
    discharged_at = _not_future_time(discharged_at, "discharged_at")
    if discharged_at < fresh.started_at:
        errors["discharged_at"] = _(
            "The discharge cannot be before the admission (%(admitted)s)."
        ) % {"admitted": _when(fresh.started_at)}
    _raise(errors)
    try:
        apply_status(fresh, "arrangement", ArrangementStatus.ENDED)
    except StatusError as exc:
        raise ValidationError(_("The child has left the shelter already.")) from exc
    fresh.ended_at, fresh.ended_by = discharged_at, actor
    fresh.end_reason, fresh.destination = reason, destination
    fresh.version += 1
    fresh.save()
    audit_log(
        actor=actor,
        action="care.shelter.discharged",
        obj=fresh,
        agency_id=fresh.case.lead_agency_id,
        changes=["ended_at", "end_reason", "destination"],
        extra={"case": str(fresh.case_id)},
    )
    return fresh


@transaction.atomic
def shelter_capacity_set(
    *, actor: User, agency: Agency, places: dict[tuple[str, str], int]
) -> list[ShelterCapacity]:
    """Set the places per (sex, age group); missing pairs keep their value."""
    if not policies.capacity_manage(actor, agency):
        raise PermissionDenied
    errors: dict[str, str] = {}
    for (sex, group), n in places.items():
        if sex not in Sex.values or group not in AgeGroup.values:
            errors[f"{sex}_{group}"] = _("Unknown sex or age group.")
        elif n is None or not 0 <= int(n) <= 500:
            errors[f"{sex}_{group}"] = _("Enter a number of places from 0 to 500.")
    _raise(errors)
    changed = []
    rows = []
    for (sex, group), n in sorted(places.items()):
        row, created = ShelterCapacity.objects.get_or_create(
            agency=agency, sex=sex, age_group=group, defaults={"places": n, "updated_by": actor}
        )
        if not created and row.places != n:
            row.places, row.updated_by = n, actor
            row.save()
            changed.append(f"{sex}_{group}")
        elif created:
            changed.append(f"{sex}_{group}")
        rows.append(row)
    if changed:
        audit_log(
            actor=actor,
            action="care.shelter.capacity_set",
            obj=agency,
            agency_id=agency.pk,
            changes=changed,
        )
    return rows


# --- psychologist progress notes ------------------------------------------------------------------


def _check_indicators(values: dict[str, Any]) -> dict[str, int]:
    errors: dict[str, str] = {}
    clean: dict[str, int] = {}
    for key, label, _anchors in INDICATORS:
        value = values.get(key)
        try:
            number = int(value) if value not in (None, "") else None
        except (TypeError, ValueError):
            number = None
        if number is None or not INDICATOR_MIN <= number <= INDICATOR_MAX:
            errors[key] = _("Choose a value of %(label)s from %(min)d to %(max)d.") % {
                "label": str(label).lower(),
                "min": INDICATOR_MIN,
                "max": INDICATOR_MAX,
            }
        else:
            clean[key] = number
    _raise(errors)
    return clean


@transaction.atomic
def progress_note_add(
    *, actor: User, case: Case, noted_on: date | None, narrative: str, **indicators: Any
) -> ProgressNote:
    if not policies.writes_psych_notes(actor, case):
        raise PermissionDenied
    unknown = set(indicators) - set(INDICATOR_KEYS)
    if unknown:
        raise ValueError(f"Unknown indicators {sorted(unknown)}")
    errors: dict[str, str] = {}
    narrative = _required(errors, "narrative", narrative, _("Write what you observed."))
    try:
        noted_on = _not_future_day(noted_on, "noted_on")
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
    try:
        values = _check_indicators(indicators)
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
        values = {}
    _raise(errors)
    assert noted_on is not None
    Case.objects.select_for_update().filter(pk=case.pk).first()
    if ProgressNote.objects.filter(case=case, noted_on=noted_on).exists():
        raise ValidationError(
            {"noted_on": _("There is already a note for this day: open it to change it.")}
        )
    note = ProgressNote(case=case, noted_on=noted_on, narrative=narrative, author=actor, **values)
    note.full_clean(validate_constraints=False)
    note.save()
    audit_log(
        actor=actor,
        action="care.progress_note.added",
        obj=note,
        agency_id=case.lead_agency_id,
        extra={"case": str(case.pk), "noted_on": noted_on.isoformat()},
    )
    return note


@transaction.atomic
def progress_note_update(
    *, actor: User, note: ProgressNote, version: int, narrative: str, **indicators: Any
) -> ProgressNote:
    """The author corrects a note (the date stays: a note for another day is a new note)."""
    fresh = ProgressNote.objects.select_for_update().select_related("case").get(pk=note.pk)
    if fresh.author_id != actor.pk or not policies.writes_psych_notes(actor, fresh.case):
        raise PermissionDenied
    if fresh.version != version:
        raise StaleVersion(fresh)
    errors: dict[str, str] = {}
    narrative = _required(errors, "narrative", narrative, _("Write what you observed."))
    try:
        values = _check_indicators(indicators)
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
        values = {}
    _raise(errors)
    changed = [k for k, v in values.items() if getattr(fresh, k) != v]
    if fresh.narrative != narrative:
        changed.append("narrative")
    if not changed:
        return fresh
    for key, value in values.items():
        setattr(fresh, key, value)
    fresh.narrative = narrative
    fresh.version += 1
    fresh.save()
    audit_log(
        actor=actor,
        action="care.progress_note.updated",
        obj=fresh,
        agency_id=fresh.case.lead_agency_id,
        changes=changed,
        extra={"case": str(fresh.case_id)},
    )
    return fresh


def progress_notes_record_view(*, actor: User, case: Case, via: str = "html") -> None:
    """Every read of the psychologist's section is audited."""
    audit_log(
        actor=actor,
        action="care.progress_notes.view",
        obj=case,
        agency_id=case.lead_agency_id,
        extra={"via": via},
    )


@transaction.atomic
def note_schedule_set(*, actor: User, case: Case, interval_days: int) -> NoteSchedule:
    if not policies.writes_psych_notes(actor, case):
        raise PermissionDenied
    if interval_days is None or not 1 <= int(interval_days) <= 90:
        raise ValidationError({"interval_days": _("Enter a number of days from 1 to 90.")})
    schedule, _created = NoteSchedule.objects.update_or_create(
        case=case, defaults={"interval_days": int(interval_days), "updated_by": actor}
    )
    audit_log(
        actor=actor,
        action="care.note_schedule.set",
        obj=case,
        agency_id=case.lead_agency_id,
        changes=["interval_days"],
    )
    return schedule


# --- safe return to school ---------------------------------------------------------------------------


@transaction.atomic
def recommendation_request(*, actor: User, case: Case, grounds: str) -> SchoolRecommendation:
    _open_case(case)
    if not policies.recommend(actor, case):
        raise PermissionDenied
    grounds = grounds.strip()
    if not grounds:
        raise ValidationError({"grounds": _("Give the grounds for the recommendation.")})
    Case.objects.select_for_update().filter(pk=case.pk).first()
    if (
        SchoolRecommendation.objects.filter(case=case)
        .filter(status=RecommendationStatus.REQUESTED)
        .exists()
    ):
        raise ValidationError(
            _("A recommendation for this case is already waiting for a supervisor.")
        )
    rec = SchoolRecommendation(
        case=case, grounds=grounds, requested_by=actor, requested_at=timezone.now()
    )
    rec.full_clean(validate_constraints=False)
    rec.save()
    audit_log(
        actor=actor,
        action="care.school_recommendation.requested",
        obj=rec,
        agency_id=case.lead_agency_id,
        extra={"case": str(case.pk)},
    )
    return rec


@transaction.atomic
def recommendation_decide(
    *, actor: User, recommendation: SchoolRecommendation, approve: bool, comment: str = ""
) -> SchoolRecommendation:
    """A supervisor of the lead agency approves or rejects; nobody decides their own."""
    fresh = (
        SchoolRecommendation.objects.select_for_update()
        .select_related("case")
        .get(pk=recommendation.pk)
    )
    if fresh.status != RecommendationStatus.REQUESTED:
        raise ValidationError(_("This recommendation has been decided already."))
    if fresh.requested_by_id == actor.pk:
        raise ValidationError(
            _("You cannot approve your own recommendation: another supervisor has to.")
        )
    if not actor.has_role(Role.SUPERVISOR, agency_id=fresh.case.lead_agency_id):
        raise PermissionDenied
    comment = comment.strip()
    if not approve and not comment:
        raise ValidationError({"comment": _("Say why the recommendation is rejected.")})
    apply_status(
        fresh,
        "recommendation",
        RecommendationStatus.APPROVED if approve else RecommendationStatus.REJECTED,
    )
    fresh.decided_by, fresh.decided_at, fresh.comment = actor, timezone.now(), comment
    fresh.save()
    audit_log(
        actor=actor,
        action="care.school_recommendation.approved"
        if approve
        else "care.school_recommendation.rejected",
        obj=fresh,
        agency_id=fresh.case.lead_agency_id,
        extra={"case": str(fresh.case_id)},
    )
    return fresh


def approved_recommendation(case: Case) -> SchoolRecommendation | None:
    return (
        SchoolRecommendation.objects.filter(case=case)
        .filter(status=RecommendationStatus.APPROVED)
        .order_by("-decided_at", "-id")
        .first()
    )


@transaction.atomic
def education_open(
    *,
    actor: User,
    case: Case,
    grade: str,
    started_on: date | None,
    school: Agency | None = None,
    school_name: str = "",
    follow_up_interval_days: int = 14,
) -> EducationRecord:
    """Open the child's education record; needs an approved school-return recommendation."""
    _open_case(case)
    recommendation = approved_recommendation(case)
    if recommendation is None:
        raise ValidationError(
            _(
                "An education record needs a recommendation that the child is safe to return to "
                "school, approved by a supervisor. Request it first."
            )
        )
    errors: dict[str, str] = {}
    grade = _required(errors, "grade", grade, _("Enter the grade or class."))
    school_name = school_name.strip()
    if school is not None:
        if school.type != AgencyType.SCHOOL:
            errors["school"] = _("Choose a school.")
        school_name = ""
    elif not school_name:
        errors["school"] = _("Choose the school from the list or write its name.")
    if started_on is None:
        errors["started_on"] = _("Enter the start date.")
    elif started_on > timezone.localdate() + timedelta(days=366):
        errors["started_on"] = _("The start date is more than a year away.")
    if follow_up_interval_days is None or not 7 <= int(follow_up_interval_days) <= 90:
        errors["follow_up_interval_days"] = _("Follow up every 7 to 90 days.")
    _raise(errors)
    assert started_on is not None
    Case.objects.select_for_update().filter(pk=case.pk).first()
    current = EducationRecord.objects.filter(
        child_id=case.child_id, status=EducationStatus.ATTENDING
    ).first()
    if current is not None:
        raise ValidationError(
            _("The child already attends %(school)s: record a follow-up there.")
            % {"school": current.school_label}
        )
    record = EducationRecord(
        case=case,
        child_id=case.child_id,
        recommendation=recommendation,
        school=school,
        school_name=school_name,
        grade=grade,
        started_on=started_on,
        follow_up_interval_days=int(follow_up_interval_days),
        next_follow_up_on=started_on + timedelta(days=int(follow_up_interval_days)),
        created_by=actor,
    )
    record.full_clean(validate_constraints=False)
    record.save()
    audit_log(
        actor=actor,
        action="care.education.opened",
        obj=record,
        agency_id=case.lead_agency_id,
        extra={"case": str(case.pk)},
    )
    return record


def _raise_task(
    *, case: Case, kind: str, title: str, due_on: date, assignee_id: int | None
) -> CareTask:
    return CareTask.objects.create(
        case=case,
        kind=kind,
        title=title[:300],
        assignee_id=assignee_id,
        agency_id=case.lead_agency_id,
        due_on=due_on,
    )


@transaction.atomic
def follow_up_add(
    *,
    actor: User,
    record: EducationRecord,
    checked_on: date | None,
    attendance: str,
    notes: str = "",
) -> AttendanceFollowUp:
    """Record how the child attends school. "Dropped out" closes the record as dropped out and
    raises a task for the lead worker (or the supervisors when the case has none); attending
    again after a drop-out reopens it."""
    fresh = EducationRecord.objects.select_for_update().select_related("case").get(pk=record.pk)
    _open_case(fresh.case)
    errors: dict[str, str] = {}
    if attendance not in Attendance.values:
        errors["attendance"] = _("Choose how the child attends.")
    try:
        checked_on = _not_future_day(checked_on, "checked_on")
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if checked_on is not None and "checked_on" not in errors and checked_on < fresh.started_on:
        errors["checked_on"] = _("The follow-up cannot be before the start at school (%(d)s).") % {
            "d": _when(fresh.started_on)
        }
    _raise(errors)
    assert checked_on is not None
    if fresh.status == EducationStatus.COMPLETED:
        raise ValidationError(_("This education record is closed."))
    dropped = attendance == Attendance.DROPPED_OUT
    target = EducationStatus.DROPPED_OUT if dropped else EducationStatus.ATTENDING
    if fresh.status == EducationStatus.DROPPED_OUT and dropped:
        raise ValidationError({"attendance": _("The drop-out is recorded already.")})
    if fresh.status != target:
        apply_status(fresh, "education", target)
    fresh.next_follow_up_on = (
        None if dropped else checked_on + timedelta(days=fresh.follow_up_interval_days)
    )
    fresh.version += 1
    fresh.save()
    follow_up = AttendanceFollowUp.objects.create(
        record=fresh,
        checked_on=checked_on,
        attendance=attendance,
        notes=notes.strip(),
        checked_by=actor,
    )
    if dropped:
        _raise_task(
            case=fresh.case,
            kind=TaskKind.DROPPED_OUT,
            title=_(
                "%(child)s dropped out of %(school)s again: visit the family and plan the next step"
            )
            % {"child": fresh.case.child.full_name, "school": fresh.school_label},
            due_on=timezone.localdate() + timedelta(days=DROP_OUT_TASK_DAYS),
            assignee_id=_lead_worker_id(fresh.case),
        )
    audit_log(
        actor=actor,
        action="care.education.follow_up",
        obj=fresh,
        agency_id=fresh.case.lead_agency_id,
        extra={"case": str(fresh.case_id), "attendance": attendance},
    )
    return follow_up


# --- parents and family ------------------------------------------------------------------------------


@transaction.atomic
def family_intervention_add(
    *,
    actor: User,
    case: Case,
    kind: str,
    occurred_on: date | None,
    participants: str,
    topic: str,
    attended: bool = True,
    outcome: str = "",
    facilitator: str = "",
    family_member: FamilyMember | None = None,
) -> FamilyIntervention:
    _open_case(case)
    errors: dict[str, str] = {}
    if kind not in InterventionKind.values:
        errors["kind"] = _("Choose the kind of intervention.")
    participants = _required(errors, "participants", participants, _("Say who took part."))
    topic = _required(errors, "topic", topic, _("Enter the topic."))
    try:
        occurred_on = _not_future_day(occurred_on, "occurred_on")
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
    _raise(errors)
    assert occurred_on is not None
    _check_family_member(case, family_member)
    item = FamilyIntervention(
        case=case,
        kind=kind,
        occurred_on=occurred_on,
        participants=participants,
        topic=topic,
        attended=attended,
        outcome=outcome.strip(),
        facilitator=facilitator.strip(),
        family_member=family_member,
        recorded_by=actor,
    )
    item.full_clean()
    item.save()
    audit_log(
        actor=actor,
        action="care.family.intervention",
        obj=item,
        agency_id=case.lead_agency_id,
        extra={"case": str(case.pk), "kind": kind},
    )
    return item


@transaction.atomic
def commitment_add(
    *,
    actor: User,
    case: Case,
    signed_by: str,
    signed_on: date | None,
    terms: str,
    review_on: date | None = None,
    family_member: FamilyMember | None = None,
) -> Commitment:
    _open_case(case)
    errors: dict[str, str] = {}
    signed_by = _required(errors, "signed_by", signed_by, _("Enter who signed."))
    terms = _required(errors, "terms", terms, _("Write the terms of the commitment."))
    try:
        signed_on = _not_future_day(signed_on, "signed_on")
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if review_on is not None and signed_on is not None and review_on < signed_on:
        errors["review_on"] = _("The check cannot be before the signature.")
    _raise(errors)
    assert signed_on is not None
    _check_family_member(case, family_member)
    commitment = Commitment(
        case=case,
        signed_by=signed_by,
        signed_on=signed_on,
        terms=terms,
        review_on=review_on,
        family_member=family_member,
        recorded_by=actor,
    )
    commitment.full_clean()
    commitment.save()
    audit_log(
        actor=actor,
        action="care.family.commitment",
        obj=commitment,
        agency_id=case.lead_agency_id,
        extra={"case": str(case.pk)},
    )
    return commitment


@transaction.atomic
def commitment_set_status(
    *, actor: User, commitment: Commitment, version: int, status: str, note: str = ""
) -> Commitment:
    fresh = Commitment.objects.select_for_update().select_related("case").get(pk=commitment.pk)
    if fresh.version != version:
        raise StaleVersion(fresh)
    note = note.strip()
    if status == CommitmentStatus.BROKEN and not note:
        raise ValidationError({"note": _("Say how the commitment was broken.")})
    try:
        old = apply_status(fresh, "commitment", status)
    except StatusError as exc:
        raise ValidationError({"status": exc.message}) from exc
    fresh.status_note, fresh.status_changed_at = note, timezone.now()
    fresh.version += 1
    fresh.save()
    audit_log(
        actor=actor,
        action="care.family.commitment_status",
        obj=fresh,
        agency_id=fresh.case.lead_agency_id,
        changes=["status"],
        extra={"case": str(fresh.case_id), "from": old, "to": status},
    )
    return fresh


def _raised(level: str) -> str:
    index = RISK_ORDER.index(RiskLevel(level)) if level in RiskLevel.values else 1
    return RISK_ORDER[min(index + 1, len(RISK_ORDER) - 1)]


@transaction.atomic
def repeat_exploitation_record(
    *, actor: User, case: Case, occurred_on: date | None, description: str
) -> RepeatExploitation:
    """The child exploited again. After a written commitment (signed on or before that day and
    not already broken) the commitment is broken, the case's risk level goes up one step (through
    the cases service, so it has its history) and the supervisors get a task."""
    _open_case(case)
    errors: dict[str, str] = {}
    description = _required(errors, "description", description, _("Describe what happened."))
    try:
        occurred_on = _not_future_day(occurred_on, "occurred_on")
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
    _raise(errors)
    assert occurred_on is not None
    fresh_case = Case.objects.select_for_update().select_related("child").get(pk=case.pk)
    commitment = (
        Commitment.objects.select_for_update()
        .filter(
            case=fresh_case,
            signed_on__lte=occurred_on,
            status__in=[CommitmentStatus.IN_FORCE, CommitmentStatus.KEPT],
        )
        .order_by("-signed_on", "-id")
        .first()
    )
    repeat = RepeatExploitation(
        case=fresh_case,
        occurred_on=occurred_on,
        description=description,
        commitment=commitment,
        recorded_by=actor,
    )
    if commitment is not None:
        apply_status(commitment, "commitment", CommitmentStatus.BROKEN)
        commitment.status_note = _("Exploitation repeated on %(day)s.") % {
            "day": _when(occurred_on)
        }
        commitment.status_changed_at = timezone.now()
        commitment.version += 1
        commitment.save()
        old_level = fresh_case.risk_level
        new_level = _raised(old_level)
        repeat.risk_from, repeat.risk_to = old_level, new_level
        if new_level != old_level:
            case_services.case_change_risk(
                actor=actor,
                case=fresh_case,
                version=fresh_case.version,
                risk_level=new_level,
                reason=_(
                    "Exploitation repeated on %(day)s after the written commitment signed by "
                    "%(signer)s on %(signed)s."
                )
                % {
                    "day": _when(occurred_on),
                    "signer": commitment.signed_by,
                    "signed": _when(commitment.signed_on),
                },
            )
        _raise_task(
            case=fresh_case,
            kind=TaskKind.REPEAT_EXPLOITATION,
            title=_(
                "%(child)s was exploited again after the family's commitment: review the case "
                "and the legal steps"
            )
            % {"child": fresh_case.child.full_name},
            due_on=timezone.localdate() + timedelta(days=REPEAT_TASK_DAYS),
            assignee_id=None,
        )
    repeat.save()
    audit_log(
        actor=actor,
        action="care.family.repeat_exploitation",
        obj=repeat,
        agency_id=fresh_case.lead_agency_id,
        extra={
            "case": str(fresh_case.pk),
            "after_commitment": commitment is not None,
            "risk_to": repeat.risk_to,
        },
    )
    return repeat


TERMINAL_LEGAL = {LegalStatus.CONVICTED, LegalStatus.ACQUITTED, LegalStatus.STOPPED}


def _check_police(agency: Agency | None) -> None:
    if agency is not None and agency.type != AgencyType.POLICE_PPA:
        raise ValidationError({"police_agency": _("Choose a police unit.")})


@transaction.atomic
def legal_action_add(
    *,
    actor: User,
    case: Case,
    target: str,
    target_name: str,
    allegation: str,
    person: Person | None = None,
    police_agency: Agency | None = None,
    reported_on: date | None = None,
    police_case_number: str = "",
) -> LegalAction:
    errors: dict[str, str] = {}
    if target not in LegalTarget.values:
        errors["target"] = _("Choose against whom.")
    if person is not None and not target_name.strip():
        target_name = person.full_name
    target_name = _required(errors, "target_name", target_name, _("Enter the name."))
    allegation = _required(errors, "allegation", allegation, _("Describe the allegation."))
    if reported_on is not None:
        try:
            _not_future_day(reported_on, "reported_on")
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
    _raise(errors)
    _check_police(police_agency)
    if person is not None and person.regency_code != case.regency_code:
        raise ValidationError({"person": _("Choose a person recorded in this city.")})
    action = LegalAction(
        case=case,
        target=target,
        target_name=target_name,
        allegation=allegation,
        person=person,
        police_agency=police_agency,
        reported_on=reported_on,
        police_case_number=police_case_number.strip(),
        status=LegalStatus.REPORTED if reported_on else LegalStatus.PREPARING,
        recorded_by=actor,
    )
    action.full_clean()
    action.save()
    audit_log(
        actor=actor,
        action="care.legal.added",
        obj=action,
        agency_id=case.lead_agency_id,
        extra={"case": str(case.pk), "target": target, "status": action.status},
    )
    return action


@transaction.atomic
def legal_action_update(
    *,
    actor: User,
    action: LegalAction,
    version: int,
    status: str,
    reported_on: date | None = None,
    police_agency: Agency | None = None,
    police_case_number: str = "",
    outcome: str = "",
) -> LegalAction:
    fresh = LegalAction.objects.select_for_update().select_related("case").get(pk=action.pk)
    if fresh.version != version:
        raise StaleVersion(fresh)
    errors: dict[str, str] = {}
    if reported_on is not None:
        try:
            _not_future_day(reported_on, "reported_on")
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
    old = fresh.status
    if status != old:
        try:
            apply_status(fresh, "legal", status)
        except StatusError as exc:
            errors["status"] = exc.message
    if (
        fresh.status not in (LegalStatus.PREPARING, LegalStatus.STOPPED)
        and reported_on is None
        and fresh.reported_on is None
    ):
        errors["reported_on"] = _("Enter the date it was reported to the police.")
    if fresh.status in TERMINAL_LEGAL and not (outcome.strip() or fresh.outcome):
        errors["outcome"] = _("Describe the outcome.")
    _raise(errors)
    _check_police(police_agency)
    changed = ["status"] if status != old else []
    for field, value in (
        ("reported_on", reported_on),
        ("police_agency", police_agency),
        ("police_case_number", police_case_number.strip()),
        ("outcome", outcome.strip()),
    ):
        if value not in (None, "") and getattr(fresh, field) != value:
            setattr(fresh, field, value)
            changed.append(field)
    if not changed:
        return fresh
    fresh.version += 1
    fresh.save()
    audit_log(
        actor=actor,
        action="care.legal.updated",
        obj=fresh,
        agency_id=fresh.case.lead_agency_id,
        changes=changed,
        extra={"case": str(fresh.case_id), "from": old, "to": fresh.status},
    )
    return fresh


# --- tasks and caseloads ------------------------------------------------------------------------------


@transaction.atomic
def task_complete(*, actor: User, task: CareTask, note: str = "") -> CareTask:
    fresh = CareTask.objects.select_for_update().get(pk=task.pk)
    if not policies.task_complete(actor, fresh):
        if fresh.status == TaskStatus.DONE:
            raise ValidationError(_("This task is done already."))
        raise PermissionDenied
    apply_status(fresh, "task", TaskStatus.DONE)
    fresh.done_at, fresh.done_by, fresh.done_note = timezone.now(), actor, note.strip()
    fresh.save()
    audit_log(
        actor=actor,
        action="care.task.done",
        obj=fresh,
        agency_id=fresh.agency_id,
        extra={"case": str(fresh.case_id), "kind": fresh.kind},
    )
    return fresh


@transaction.atomic
def case_reassign(*, actor: User, case: Case, to_user: User, reason: str) -> Reassignment:
    """A supervisor of the lead agency gives the case to another lead worker, with a reason. The
    team change goes through the cases service (the previous lead stays on the team as
    co-worker)."""
    if not actor.has_role(Role.SUPERVISOR, agency_id=case.lead_agency_id):
        raise PermissionDenied
    _open_case(case)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the case is reassigned.")})
    Case.objects.select_for_update().filter(pk=case.pk).first()
    team = list(CaseTeamMember.objects.filter(case=case, ended_at__isnull=True))
    lead = next((m for m in team if m.role == CaseRole.LEAD_WORKER), None)
    if lead is not None and lead.user_id == to_user.pk:
        raise ValidationError({"to_user": _("This person is the lead worker already.")})
    existing = next((m for m in team if m.user_id == to_user.pk), None)
    if existing is not None:
        case_services.team_member_end(actor=actor, member=existing)
    case_services.team_member_add(actor=actor, case=case, user=to_user, role=CaseRole.LEAD_WORKER)
    # Open tasks of the previous lead worker on this case follow the case.
    if lead is not None:
        CareTask.objects.filter(case=case, status=TaskStatus.OPEN, assignee_id=lead.user_id).update(
            assignee=to_user
        )
    item = Reassignment.objects.create(
        case=case,
        from_user_id=lead.user_id if lead else None,
        to_user=to_user,
        reason=reason,
        reassigned_by=actor,
        reassigned_at=timezone.now(),
    )
    audit_log(
        actor=actor,
        action="care.case_reassigned",
        obj=case,
        agency_id=case.lead_agency_id,
        changes=["lead_worker"],
        extra={"from": lead.user_id if lead else None, "to": to_user.pk, "reassignment": item.pk},
    )
    return item


# --- reminders ------------------------------------------------------------------------------------------


def _enqueue_email(subject: str, body: str, to: list[str]) -> Any:
    from sigap.core.tasks import send_email

    def enqueue() -> None:
        send_email.enqueue(subject=subject, body=body, to=to)

    return enqueue


def reminders_send(*, today: date | None = None) -> int:
    """Email everyone with overdue tasks, once a day at most (ReminderLog). The email names how
    many tasks are overdue and links to the tasks page: no child's name leaves the system by
    email. Returns the number of reminders queued."""
    from django.conf import settings
    from django.urls import reverse

    from sigap.care.deadlines import overdue_by_person
    from sigap.care.models import ReminderLog

    today = today or timezone.localdate()
    counts = {uid: n for uid, n in overdue_by_person(today=today).items() if n > 0}
    already = set(
        ReminderLog.objects.filter(sent_on=today, user_id__in=list(counts)).values_list(
            "user_id", flat=True
        )
    )
    link = f"{settings.SIGAP_BASE_URL.rstrip('/')}{reverse('care:tasks')}"
    sent = 0
    for user in User.objects.filter(pk__in=list(counts), is_active=True).exclude(email=""):
        if user.pk in already:
            continue
        with transaction.atomic():
            ReminderLog.objects.create(user=user, sent_on=today, overdue=counts[user.pk])
            body = _(
                "Hello %(name)s,\n\nYou have %(count)d overdue task(s) in Sigap.\n"
                "See them here:\n%(link)s\n"
            ) % {"name": user.display_name, "count": counts[user.pk], "link": link}
            subject = _("Sigap: %(count)d overdue task(s)") % {"count": counts[user.pk]}
            to = [user.email]
            transaction.on_commit(_enqueue_email(subject, body, to))
            audit_log(
                actor=None,
                action="care.reminder.sent",
                obj=user,
                extra={"overdue": counts[user.pk]},
            )
        sent += 1
    return sent


# --- records of the same child -----------------------------------------------------------------


def _move_reason(reason: str) -> str:
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError({"reason": _("Say why the record moves to another child record.")})
    return reason


@transaction.atomic
def care_arrangement_move_to_child(
    *, actor: User, arrangement: CareArrangement, child: Child, version: int, reason: str
) -> CareArrangement:
    """Re-point a care arrangement to another record of the same child, e.g. when two records
    are merged (sigap.dedupe moves the child's cases first, then their arrangements, keeps the
    record of the move and moves it back on undo). Refused when the arrangement is open and
    `child` already stays somewhere (one open arrangement per child). `reason` goes to the
    audit event."""
    reason = _move_reason(reason)
    fresh = (
        CareArrangement.objects.select_for_update(of=("self",))
        .select_related("case", "agency")
        .get(pk=arrangement.pk)
    )
    if fresh.version != version:
        raise StaleVersion(fresh)
    if fresh.child_id == child.pk:
        raise ValidationError({"child": _("The record already belongs to this child record.")})
    if fresh.ended_at is None:
        clash = (
            CareArrangement.objects.filter(child=child, ended_at__isnull=True)
            .exclude(pk=fresh.pk)
            .select_related("agency")
            .first()
        )
        if clash is not None:
            raise ValidationError(
                {
                    "child": _(
                        "%(name)s is staying at %(place)s, and this record of the child is "
                        "staying at %(other)s: discharge one of the two stays first."
                    )
                    % {"name": child.full_name, "place": clash.agency, "other": fresh.agency}
                }
            )
    old_child = fresh.child_id
    fresh.child = child
    fresh.version += 1
    fresh.save(update_fields=["child", "version", "updated_at"])
    audit_log(
        actor=actor,
        action="care.arrangement.child_moved",
        obj=fresh,
        agency_id=fresh.case.lead_agency_id,
        changes=["child"],
        extra={"from": str(old_child), "to": str(child.pk), "reason": reason[:200]},
    )
    return fresh


@transaction.atomic
def education_record_move_to_child(
    *, actor: User, record: EducationRecord, child: Child, version: int, reason: str
) -> EducationRecord:
    """Re-point an education record to another record of the same child (as
    care_arrangement_move_to_child; a child may have several education records)."""
    reason = _move_reason(reason)
    fresh = (
        EducationRecord.objects.select_for_update(of=("self",))
        .select_related("case")
        .get(pk=record.pk)
    )
    if fresh.version != version:
        raise StaleVersion(fresh)
    if fresh.child_id == child.pk:
        raise ValidationError({"child": _("The record already belongs to this child record.")})
    old_child = fresh.child_id
    fresh.child = child
    fresh.version += 1
    fresh.save(update_fields=["child", "version", "updated_at"])
    audit_log(
        actor=actor,
        action="care.education.child_moved",
        obj=fresh,
        agency_id=fresh.case.lead_agency_id,
        changes=["child"],
        extra={"from": str(old_child), "to": str(child.pk), "reason": reason[:200]},
    )
    return fresh
