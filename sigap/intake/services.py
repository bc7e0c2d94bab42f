"""Writes for reports, outreach operations, triage and notifications.

Every service runs in one transaction and writes its audit event in it (last step). Emails are
queued with transaction.on_commit, so nothing is sent for a write that rolled back.
"""

from __future__ import annotations

import functools
import logging
import threading
import time as monotonic_clock
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DatabaseError, IntegrityError, connection, connections, router, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sigap.accounts.models import Agency, Membership, Role, User
from sigap.core import context
from sigap.core.audit import audit_log, audit_log_many
from sigap.core.models import ActorKind
from sigap.core.tasks import send_email
from sigap.geo.models import Region
from sigap.intake import tracking
from sigap.intake.images import CleanImage, max_photos
from sigap.intake.models import (
    AgeGroup,
    Category,
    Channel,
    CloseReason,
    Notification,
    OutreachOperation,
    Report,
    ReportPhoto,
    Status,
    report_photo_path,
)

logger = logging.getLogger(__name__)

NIGHT_START = time(22, 0)
NIGHT_END = time(5, 0)
VERY_YOUNG_AGE = 5
MAX_FUTURE = timedelta(minutes=15)  # phone clocks drift; anything later is a typing mistake
# Indonesia's extent with a margin: Sabang to Merauke, Miangas to Rote.
LAT_RANGE = (Decimal("-11.5"), Decimal("6.5"))
LON_RANGE = (Decimal("94.5"), Decimal("141.5"))


# --- shared checks --------------------------------------------------------------------------------


def is_night(moment: datetime) -> bool:
    local = timezone.localtime(moment).time()
    return local >= NIGHT_START or local < NIGHT_END


def check_position(latitude: Decimal | None, longitude: Decimal | None) -> None:
    if latitude is None and longitude is None:
        return
    if latitude is None or longitude is None:
        raise ValidationError({"latitude": _("Give both latitude and longitude, or neither.")})
    if not (LAT_RANGE[0] <= latitude <= LAT_RANGE[1] and LON_RANGE[0] <= longitude <= LON_RANGE[1]):
        raise ValidationError({"latitude": _("This position is outside Indonesia.")})


def check_kelurahan(region: Region | None, regency_code: str, field: str = "kelurahan") -> None:
    if region is None:
        return
    if region.level != Region.Level.VILLAGE or not region.code.startswith(regency_code + "."):
        raise ValidationError({field: _("Choose a kelurahan or desa in this city.")})


def check_seen_at(seen_at: datetime, field: str = "seen_at") -> None:
    if seen_at > timezone.now() + MAX_FUTURE:
        raise ValidationError({field: _("This time is in the future.")})


def _new_tracking_code() -> str:
    # 60 random bits: a clash is ~10^-6 after a billion reports; the unique index catches it.
    return tracking.new_code()


def _save_photos(report: Report, photos: Sequence[CleanImage], names: list[str]) -> None:
    """Write the files through the storage API and their rows; `names` collects what was
    written so the caller can remove the files if the transaction fails afterwards."""
    rows = []
    for photo in photos:
        name = default_storage.save(
            report_photo_path(None, f"x.{photo.extension}"), ContentFile(photo.content)
        )
        names.append(name)
        rows.append(
            ReportPhoto(
                report=report,
                file=name,
                content_type=photo.content_type,
                width=photo.width,
                height=photo.height,
                size=len(photo.content),
            )
        )
    ReportPhoto.objects.bulk_create(rows)


def _remove_files(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)


@dataclass
class ReportDetails:
    """The fields every channel shares (the public form, the API, the staff form)."""

    category: str
    description: str
    landmark: str
    seen_at: datetime
    children_count: int = 1
    age_group: str = AgeGroup.UNKNOWN
    kelurahan: Region | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    immediate_danger: bool = False
    is_anonymous: bool = True
    reporter_name: str = ""
    reporter_phone: str = ""
    reporter_email: str = ""
    reporter_address: str = ""
    reporter_relation: str = ""


def _build_report(
    details: ReportDetails, *, channel: str, regency_code: str, **extra: Any
) -> Report:
    if not details.description.strip():
        raise ValidationError({"description": _("Describe what you saw.")})
    check_position(details.latitude, details.longitude)
    check_kelurahan(details.kelurahan, regency_code)
    check_seen_at(details.seen_at)
    no_contact = not (details.reporter_phone or details.reporter_email)
    if not details.is_anonymous and no_contact and channel in {Channel.WEB, Channel.API}:
        message = _("Give a phone number or an email, or choose to stay anonymous.")
        raise ValidationError({"reporter_phone": message})
    report = Report(
        tracking_code=_new_tracking_code(),
        channel=channel,
        regency_code=regency_code,
        category=details.category,
        children_count=details.children_count,
        age_group=details.age_group,
        kelurahan=details.kelurahan,
        landmark=details.landmark.strip(),
        latitude=details.latitude,
        longitude=details.longitude,
        seen_at=details.seen_at,
        description=details.description.strip(),
        immediate_danger=details.immediate_danger,
        is_anonymous=details.is_anonymous,
        reporter_name="" if details.is_anonymous else details.reporter_name.strip(),
        reporter_phone="" if details.is_anonymous else details.reporter_phone.strip(),
        reporter_email="" if details.is_anonymous else details.reporter_email.strip(),
        reporter_address="" if details.is_anonymous else details.reporter_address.strip(),
        reporter_relation=details.reporter_relation,
        **extra,
    )
    # The reporter's answers give a first priority; the screening confirms or changes it.
    report.very_young = report.very_young or details.age_group == AgeGroup.UNDER_5
    report.out_at_night = report.out_at_night or is_night(details.seen_at)
    report.trafficking_signs = report.trafficking_signs or details.category == Category.TRAFFICKING
    report.apply_priority()
    return report


# --- public reports ---------------------------------------------------------------------------------


def public_report_submit(
    *,
    details: ReportDetails,
    photos: Sequence[CleanImage] = (),
    channel: str = Channel.WEB,
    submitter_hash: str = "",
    submission_key: str | None = None,
) -> Report:
    """Store a report from the public web form or API. With a `submission_key` (the signed form
    token), a second submission of the same form returns the first report instead of a copy.

    The busiest write of the system, so it does the least that keeps every guarantee:
    - Without photos the report is one INSERT, which in autocommit is its own transaction: it is
      committed before this returns, with no BEGIN, savepoint or COMMIT round trips. With photos,
      the report, its photo rows and files are written in one transaction.
    - The audit event (actor: anonymous) is not written here. The report is stored marked
      `audit_pending`, in the same statement, and `public_reports_audit` writes the events of all
      pending reports in batches, from a background task this schedules (at most one per process
      every AUDIT_DELAY_SECONDS) and from the periodic `check_overdue_reports`. So a stored report
      always gets its event, and a flood of anonymous reports neither waits for the audit chain's
      lock, which serialises every audited write of the city (24 reports/s with the event in the
      request, see docs/benchmarks.md), nor queues one task per report (a task costs the worker
      more CPU than the whole request)."""
    if channel not in {Channel.WEB, Channel.API}:
        raise ValueError("public reports come from the web form or the API")
    if submission_key:
        existing = Report.objects.filter(submission_key=submission_key).first()
        if existing is not None:
            return existing
    if len(photos) > max_photos():
        raise ValidationError({"photos": _("Attach at most %(n)d photos.") % {"n": max_photos()}})
    report = _build_report(
        details,
        channel=channel,
        regency_code=settings.SIGAP_HOME_REGENCY,
        submitter_hash=submitter_hash,
        submission_key=submission_key or None,
        audit_pending=True,
        submission_request_id=context.current().request_id,
    )
    # The service built every value itself and checked the regions it was given; uniqueness and
    # the check constraint are the database's (one query each saved on the busiest write).
    report.full_clean(
        exclude=["due_at", "stage_changed_at", "kelurahan"],
        validate_unique=False,
        validate_constraints=False,
    )
    if photos:
        names: list[str] = []
        try:
            with transaction.atomic():
                existing = _insert(report)
                if existing is not None:
                    return existing
                _save_photos(report, photos, names)
        except BaseException:
            _remove_files(names)
            raise
    else:
        existing = _insert(report)
        if existing is not None:
            return existing
    _schedule_audit()
    return report


# --- the audit events of public reports ------------------------------------------------------------

AUDIT_DELAY_SECONDS = 2.0
AUDIT_BATCH_SIZE = 250  # events per transaction (and chain lock) of public_reports_audit
_audit_scheduled: dict[str, float | None] = {"at": None}
_audit_schedule_lock = threading.Lock()


def _schedule_audit() -> None:
    """Make sure a run of `public_reports_audit` follows the report just stored.

    With a backend that runs tasks later (the database worker), the run is enqueued to start
    AUDIT_DELAY_SECONDS from now, and this process enqueues no other in that time: every report
    it stores meanwhile is committed before that run starts and is covered by it. With a backend
    that runs tasks at once (tests), it runs now. A failure to enqueue is logged, not raised: the
    report is stored and pending, and the periodic check_overdue_reports writes its event."""
    from sigap.intake.tasks import audit_public_reports

    task = audit_public_reports
    if task.get_backend().supports_defer:
        now = monotonic_clock.monotonic()
        with _audit_schedule_lock:
            last = _audit_scheduled["at"]
            if last is not None and now - last < AUDIT_DELAY_SECONDS:
                return
            _audit_scheduled["at"] = now
        task = task.using(run_after=timezone.now() + timedelta(seconds=AUDIT_DELAY_SECONDS))
    try:
        with transaction.atomic():
            task.enqueue()
    except DatabaseError:
        _audit_scheduled["at"] = None
        logger.exception("Could not schedule the audit events of public reports")


def public_reports_audit(*, batch_size: int = AUDIT_BATCH_SIZE) -> int:
    """Write the audit event of every public report still pending; return how many.

    Each batch is one transaction that writes the events (one lock of the chain for all) and
    clears the reports' mark, so an event is written exactly once; concurrent runs skip the rows
    another run holds (PostgreSQL). The event keeps the request id of the submission; it has no
    address (the report keeps only a keyed hash of it)."""
    written = 0
    token = context.activate(context.RequestContext())  # no address, whoever runs this
    try:
        while True:
            with transaction.atomic():
                rows = list(
                    Report.objects.select_for_update(skip_locked=True)
                    .filter(audit_pending=True)
                    .order_by("created_at")
                    .values_list("id", "channel", "submission_request_id")[:batch_size]
                )
                if not rows:
                    return written
                audit_log_many(
                    {
                        "actor": None,
                        "actor_kind": ActorKind.ANONYMOUS,
                        "action": "report.public_submit",
                        "object_type": "intake.report",
                        "object_id": str(report_id),
                        "extra": {"channel": channel},
                        "request_id": request_id,
                    }
                    for report_id, channel, request_id in rows
                )
                Report.objects.filter(pk__in=[row[0] for row in rows]).update(audit_pending=False)
            written += len(rows)
    finally:
        context.deactivate(token)


def _insert(report: Report) -> Report | None:
    """Insert a new report; draw another tracking code on the (2^-60) chance of a clash. Returns
    the report already stored under the same submission key, if a second tap raced this one.
    Inside a transaction the insert gets a savepoint, so a clash does not poison it."""
    for _attempt in range(3):
        try:
            if connection.in_atomic_block:
                with transaction.atomic():
                    _insert_row(report)
            else:
                _insert_row(report)
            return None
        except IntegrityError:
            if report.submission_key:
                existing = Report.objects.filter(submission_key=report.submission_key).first()
                if existing is not None:
                    return existing
            report.tracking_code = tracking.new_code()
    raise RuntimeError("Could not store the report under a fresh tracking code")


@functools.cache
def _report_columns(using: str) -> list[tuple[Any, str]]:
    quote = connections[using].ops.quote_name
    return [(field, quote(str(field.column))) for field in Report._meta.concrete_fields]


def _insert_row(report: Report) -> None:
    """INSERT the report's non-NULL columns: what report.save(force_insert=True) stores, for a
    third of its CPU. Django's generic insert compiler spends ~0.8 ms on the 58 columns of a
    report, and with more than 50 parameters psycopg parses the statement afresh each time;
    leaving out the NULL columns (about 20 on a public report) lets it reuse the parse. A report
    has no save() override, no signal receiver and no database default (a test compares the row
    with one stored by save())."""
    using = router.db_for_write(Report, instance=report) or "default"
    conn = connections[using]
    columns: list[str] = []
    values: list[Any] = []
    for field, column in _report_columns(using):
        value = field.pre_save(report, True)  # sets created_at and updated_at
        if value is not None:
            columns.append(column)
            values.append(field.get_db_prep_save(value, conn))
    sql = (
        f"INSERT INTO {conn.ops.quote_name(Report._meta.db_table)} "  # noqa: S608
        f"({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
    )
    with conn.cursor() as cursor:
        cursor.execute(sql, values)
    report._state.adding = False
    report._state.db = using


def public_status(*, code: str) -> Report | None:
    """The report a tracking code names (following merges), for the public status page."""
    report = (
        Report.objects.filter(tracking_code=code)
        .only("id", "status", "stage_changed_at", "merged_into")
        .first()
    )
    seen = 0
    while report is not None and report.merged_into_id is not None and seen < 5:
        report = (
            Report.objects.filter(pk=report.merged_into_id)
            .only("id", "status", "stage_changed_at", "merged_into")
            .first()
        )
        seen += 1
    return report


# --- staff intake -----------------------------------------------------------------------------------


def _actor_agency(actor: User, regency_code: str | None = None) -> Agency:
    roles = (Role.INTAKE_OFFICER, Role.SUPERVISOR, Role.CASE_WORKER, Role.PARTNER_OFFICER)
    for m in actor.active_memberships:
        if m.role in roles and regency_code in (None, m.agency.regency_code):
            return m.agency
    raise ValidationError(_("You have no role in an agency that records reports here."))


@transaction.atomic
def staff_report_record(
    *,
    actor: User,
    details: ReportDetails,
    channel: str,
    photos: Sequence[CleanImage] = (),
    child_name: str = "",
    child_sex: str = "",
    child_age: int | None = None,
) -> Report:
    """A report taken by an intake officer (hotline, SAPA 129, walk-in, school, police...)."""
    if channel in {Channel.WEB, Channel.API, Channel.OUTREACH}:
        raise ValidationError({"channel": _("Choose how the report arrived.")})
    agency = _actor_agency(actor)
    report = _build_report(
        details,
        channel=channel,
        regency_code=agency.regency_code,
        recorded_by=actor,
        recorded_by_agency=agency,
        child_name=child_name.strip(),
        child_sex=child_sex,
        child_age=child_age,
        very_young=child_age is not None and child_age < VERY_YOUNG_AGE,
    )
    report.full_clean(exclude=["due_at", "stage_changed_at"])
    report.save(force_insert=True)
    names: list[str] = []
    try:
        _save_photos(report, photos, names)
        audit_log(
            actor=actor,
            action="report.recorded",
            obj=report,
            agency_id=agency.pk,
            extra={"channel": channel},
        )
    except BaseException:
        _remove_files(names)
        raise
    return report


# --- outreach ---------------------------------------------------------------------------------------


@transaction.atomic
def outreach_create(
    *,
    actor: User,
    date: date,
    start_time: time,
    end_time: time,
    area: str,
    team: str,
    district: Region | None = None,
    agencies: Iterable[Agency] = (),
    notes: str = "",
) -> OutreachOperation:
    agency = _actor_agency(actor)
    if district is not None and (
        district.level != Region.Level.DISTRICT
        or not district.code.startswith(agency.regency_code + ".")
    ):
        raise ValidationError({"district": _("Choose a kecamatan in this city.")})
    if date > timezone.localdate() + timedelta(days=1):
        raise ValidationError({"date": _("Record an operation once it has taken place.")})
    operation = OutreachOperation(
        date=date,
        start_time=start_time,
        end_time=end_time,
        area=area.strip(),
        team=team.strip(),
        district=district,
        notes=notes.strip(),
        regency_code=agency.regency_code,
        agency=agency,
        created_by=actor,
    )
    operation.full_clean()
    operation.save()
    operation.agencies.set(list(agencies))
    audit_log(actor=actor, action="outreach.created", obj=operation, agency_id=agency.pk)
    return operation


def outreach_found_at(operation: OutreachOperation, found: time) -> datetime:
    """The moment a child was found: on the operation's date, or the next day when the time is
    before the start (an operation from 22:00 to 03:00 finds a child at 01:30 the next day)."""
    day = operation.date
    if found < operation.start_time and operation.end_time < operation.start_time:
        day = day + timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, found))


@transaction.atomic
def outreach_child_add(
    *,
    actor: User,
    operation: OutreachOperation,
    child_name: str,
    child_age: int | None,
    child_sex: str,
    activity: str,
    found_time: time,
    location: str,
    kelurahan: Region | None = None,
    origin_region: Region | None = None,
    origin_text: str = "",
    accompanying_adult: str = "",
    notes: str = "",
) -> Report:
    """One child found in an outreach operation becomes one report in the triage queue."""
    child_name = child_name.strip()
    if not child_name:
        raise ValidationError({"child_name": _("Write the name or nickname the child gave.")})
    if child_age is not None and not 0 <= child_age <= 17:
        raise ValidationError({"child_age": _("A child is 0 to 17 years old.")})
    check_kelurahan(kelurahan, operation.regency_code)
    found_at = outreach_found_at(operation, found_time)
    check_seen_at(found_at, "found_time")
    agency = _actor_agency(actor, operation.regency_code)
    age_group = AgeGroup.UNKNOWN
    if child_age is not None:
        age_group = (
            AgeGroup.UNDER_5
            if child_age < 5
            else AgeGroup.AGE_5_12
            if child_age <= 12
            else AgeGroup.AGE_13_17
        )
    activity_label = dict(_activity_choices()).get(activity, "")
    description = notes.strip() or _("Found during outreach: %(activity)s.") % {
        "activity": activity_label or _("activity not recorded")
    }
    report = Report(
        tracking_code=_new_tracking_code(),
        channel=Channel.OUTREACH,
        regency_code=operation.regency_code,
        category=Category.STREET,
        children_count=1,
        age_group=age_group,
        kelurahan=kelurahan,
        landmark=location.strip() or operation.area,
        seen_at=found_at,
        description=description,
        is_anonymous=False,
        reporter_name=operation.team[:150],
        reporter_relation="official",
        child_name=child_name,
        child_sex=child_sex,
        child_age=child_age,
        activity=activity,
        origin_region=origin_region,
        origin_text=origin_text.strip(),
        accompanying_adult=accompanying_adult.strip(),
        outreach=operation,
        recorded_by=actor,
        recorded_by_agency=agency,
        very_young=child_age is not None and child_age < VERY_YOUNG_AGE,
        out_at_night=is_night(found_at),
    )
    report.apply_priority()
    report.full_clean(exclude=["due_at", "stage_changed_at"])
    report.save(force_insert=True)
    audit_log(
        actor=actor,
        action="outreach.child_added",
        obj=report,
        agency_id=agency.pk,
        extra={"outreach": str(operation.pk)},
    )
    return report


def _activity_choices() -> list[tuple[str, str]]:
    from sigap.intake.models import Activity

    return [(str(v), str(label)) for v, label in Activity.choices]


# --- triage -----------------------------------------------------------------------------------------


def _check_version(report: Report, version: int | None) -> None:
    if version is not None and version != report.version:
        raise ValidationError(
            _(
                "Someone else changed this report while you were working on it. "
                "Reload the page to see their change, then try again."
            ),
            code="stale",
        )


def _lock(report: Report) -> Report:
    """Re-read the report under a row lock, so two officers cannot record outcomes at once."""
    return Report.objects.select_for_update().get(pk=report.pk)


def _touch(report: Report, fields: list[str]) -> None:
    report.version += 1
    report.save(update_fields=[*fields, "version", "updated_at"])


@transaction.atomic
def report_screen(
    *,
    actor: User,
    report: Report,
    immediate_danger: bool,
    injury: bool,
    very_young: bool,
    out_at_night: bool,
    trafficking_signs: bool,
    version: int | None = None,
) -> Report:
    """Record the screening answers; they set the priority and the response deadline."""
    report = _lock(report)
    _check_version(report, version)
    if not report.is_open:
        raise ValidationError(_("This report already has an outcome."))
    report.immediate_danger = immediate_danger
    report.injury = injury
    report.very_young = very_young
    report.out_at_night = out_at_night
    report.trafficking_signs = trafficking_signs
    old_priority = report.priority
    report.apply_priority()
    report.screened_at = timezone.now()
    report.screened_by = actor
    fields = [
        "immediate_danger",
        "injury",
        "very_young",
        "out_at_night",
        "trafficking_signs",
        "priority",
        "due_at",
        "screened_at",
        "screened_by",
    ]
    if report.status == Status.RECEIVED:
        report.transition_to(Status.IN_TRIAGE)
        fields += ["status", "stage_changed_at"]
    if report.priority != old_priority:
        # A new deadline deserves a new overdue warning.
        report.overdue_notified_at = None
        fields.append("overdue_notified_at")
    _touch(report, fields)
    audit_log(
        actor=actor,
        action="report.screened",
        obj=report,
        agency_id=_agency_id(actor, report),
        changes=fields,
        extra={"priority": report.priority},
    )
    return report


def assignable_officers(*, regency_code: str) -> Any:
    """Active intake officers and supervisors of the agencies in a regency."""
    return (
        User.objects.filter(
            is_active=True,
            memberships__is_active=True,
            memberships__role__in=[Role.INTAKE_OFFICER, Role.SUPERVISOR],
            memberships__agency__regency_code=regency_code,
            memberships__agency__is_active=True,
        )
        .distinct()
        .order_by("full_name", "username")
    )


@transaction.atomic
def report_assign(
    *, actor: User, report: Report, assignee: User, version: int | None = None
) -> Report:
    report = _lock(report)
    _check_version(report, version)
    if not report.is_open:
        raise ValidationError(_("This report already has an outcome."))
    if not assignable_officers(regency_code=report.regency_code).filter(pk=assignee.pk).exists():
        raise ValidationError(
            {"assignee": _("Choose an intake officer or supervisor of this city.")}
        )
    if report.assigned_to_id == assignee.pk:
        return report
    report.assigned_to = assignee
    report.assigned_at = timezone.now()
    fields = ["assigned_to", "assigned_at"]
    if report.status == Status.RECEIVED:
        report.transition_to(Status.IN_TRIAGE)
        fields += ["status", "stage_changed_at"]
    _touch(report, fields)
    if assignee.pk != actor.pk:
        notify(
            recipient=assignee,
            text=_("Report %(ref)s has been assigned to you (respond by %(due)s).")
            % {
                "ref": report.reference,
                "due": timezone.localtime(report.due_at).strftime("%d-%m-%Y %H:%M"),
            },
            link=reverse("intake:report_detail", kwargs={"pk": report.pk}),
            email_subject=_("Report assigned to you"),
        )
    audit_log(
        actor=actor,
        action="report.assigned",
        obj=report,
        agency_id=_agency_id(actor, report),
        changes=fields,
        extra={"assignee": assignee.pk},
    )
    return report


def _agency_id(actor: User, report: Report) -> int | None:
    for m in actor.active_memberships:
        if m.agency.regency_code == report.regency_code:
            return m.agency_id
    return None


def _record_outcome(report: Report, actor: User, status: str, note: str) -> list[str]:
    report.transition_to(status)
    report.outcome_at = timezone.now()
    report.outcome_by = actor
    report.outcome_note = note.strip()
    return ["status", "stage_changed_at", "outcome_at", "outcome_by", "outcome_note"]


@transaction.atomic
def report_close(
    *, actor: User, report: Report, reason: str, note: str = "", version: int | None = None
) -> Report:
    report = _lock(report)
    _check_version(report, version)
    if reason not in CloseReason.values:
        raise ValidationError({"reason": _("Choose why the report is closed.")})
    fields = _record_outcome(report, actor, Status.CLOSED, note)
    report.close_reason = reason
    fields.append("close_reason")
    report.full_clean(exclude=["due_at"])
    _touch(report, fields)
    audit_log(
        actor=actor,
        action="report.closed",
        obj=report,
        agency_id=_agency_id(actor, report),
        changes=fields,
        extra={"reason": reason},
    )
    return report


@transaction.atomic
def report_refer(
    *, actor: User, report: Report, agency: Agency, note: str = "", version: int | None = None
) -> Report:
    report = _lock(report)
    _check_version(report, version)
    if not agency.is_active:
        raise ValidationError({"agency": _("This agency is no longer active.")})
    if any(m.agency_id == agency.pk for m in actor.active_memberships):
        raise ValidationError({"agency": _("Choose another agency than your own.")})
    fields = _record_outcome(report, actor, Status.REFERRED, note)
    report.referred_to = agency
    fields.append("referred_to")
    report.full_clean(exclude=["due_at"])
    _touch(report, fields)
    link = reverse("intake:report_detail", kwargs={"pk": report.pk})
    receivers = (
        Membership.objects.filter(
            agency=agency,
            is_active=True,
            user__is_active=True,
            role__in=[Role.INTAKE_OFFICER, Role.SUPERVISOR, Role.PARTNER_OFFICER],
        )
        .select_related("user")
        .order_by("user_id")
    )
    seen: set[int] = set()
    for membership in receivers:
        if membership.user_id in seen:
            continue
        seen.add(membership.user_id)
        notify(
            recipient=membership.user,
            text=_("Report %(ref)s has been referred to %(agency)s.")
            % {"ref": report.reference, "agency": agency.name},
            link=link,
            email_subject=_("A report has been referred to your agency"),
        )
    audit_log(
        actor=actor,
        action="report.referred",
        obj=report,
        agency_id=_agency_id(actor, report),
        changes=fields,
        extra={"referred_to": agency.pk},
    )
    return report


@transaction.atomic
def report_merge(
    *, actor: User, report: Report, into: Report, version: int | None = None
) -> Report:
    """Mark `report` as a duplicate of `into`; its tracking page then follows `into`."""
    report = _lock(report)
    _check_version(report, version)
    if into.pk == report.pk:
        raise ValidationError({"into": _("A report cannot be merged into itself.")})
    if into.regency_code != report.regency_code:
        raise ValidationError({"into": _("Choose a report of the same city.")})
    if into.status == Status.MERGED:
        raise ValidationError(
            {"into": _("That report was itself merged; choose the one it went into.")}
        )
    fields = _record_outcome(report, actor, Status.MERGED, "")
    report.merged_into = into
    fields.append("merged_into")
    report.full_clean(exclude=["due_at"])
    _touch(report, fields)
    audit_log(
        actor=actor,
        action="report.merged",
        obj=report,
        agency_id=_agency_id(actor, report),
        changes=fields,
        extra={"into": str(into.pk)},
    )
    return report


# --- opening a case ----------------------------------------------------------------------------------

PRIORITY_RISK = {"urgent": "critical", "high": "high", "normal": "medium"}


def case_agency_for(actor: User, report: Report) -> Agency | None:
    """The agency of the actor in the report's city that may lead a case."""
    from sigap.cases.policies import OPENING_ROLES

    for m in actor.active_memberships:
        if m.role in OPENING_ROLES and m.agency.regency_code == report.regency_code:
            return m.agency
    return None


@transaction.atomic
def report_open_case(
    *,
    actor: User,
    report: Report,
    child: Any = None,
    full_name: str = "",
    sex: str = "",
    estimated_age: int | None = None,
    summary: str = "",
    version: int | None = None,
) -> Report:
    """Open a case from a report: for an existing child (`child`, chosen from the possible
    duplicates) or for a child registered now (`full_name`, `sex`, `estimated_age`). The
    children and cases services check their own rules and write their own audit events."""
    from sigap.cases.services import case_open
    from sigap.children.services import child_register

    report = _lock(report)
    _check_version(report, version)
    if not report.is_open:
        raise ValidationError(_("This report already has an outcome."))
    agency = case_agency_for(actor, report)
    if agency is None:
        raise ValidationError(_("You have no role in this city that can open a case."))
    if child is None:
        if not full_name.strip():
            raise ValidationError({"full_name": _("Write the child's name (or nickname).")})
        child = child_register(
            actor=actor,
            agency=agency,
            full_name=full_name.strip(),
            sex=sex,
            estimated_age=estimated_age,
            kelurahan=report.kelurahan,
            origin_region=report.origin_region,
        )
    case = case_open(
        actor=actor,
        child=child,
        lead_agency=agency,
        summary=summary.strip() or report.description[:1000],
        risk_level=PRIORITY_RISK.get(report.priority, "medium"),
    )
    fields = _record_outcome(report, actor, Status.CASE_OPENED, "")
    report.child = child
    report.case = case
    fields += ["child", "case"]
    _touch(report, fields)
    audit_log(
        actor=actor,
        action="report.case_opened",
        obj=report,
        agency_id=agency.pk,
        changes=fields,
        extra={"case": case.number},
    )
    return report


# --- notifications ----------------------------------------------------------------------------------


def notify(*, recipient: User, text: str, link: str = "", email_subject: str = "") -> Notification:
    """Store an in-app notification and, when the person has an email and a subject is given,
    queue the email once the transaction commits. Called inside the caller's transaction."""
    notification = Notification.objects.create(recipient=recipient, text=text[:300], link=link)
    _forget_unread_count(recipient.pk)
    if email_subject and recipient.email:
        url = f"{settings.SIGAP_BASE_URL.rstrip('/')}{link}" if link else ""
        body = f"{text}\n\n{url}\n" if url else f"{text}\n"
        to = [recipient.email]
        transaction.on_commit(lambda: send_email.enqueue(subject=email_subject, body=body, to=to))
    return notification


@transaction.atomic
def notification_mark_read(*, actor: User, notification: Notification | None = None) -> int:
    """Mark one notification (or, with none given, all of the actor's) as read."""
    unread = Notification.objects.filter(recipient=actor, read_at__isnull=True)
    if notification is not None:
        unread = unread.filter(pk=notification.pk)
    _forget_unread_count(actor.pk)
    return unread.update(read_at=timezone.now())


def _forget_unread_count(user_id: int) -> None:
    """The bell's count is cached (context_processors.py); drop it once this change commits."""
    key = f"sigap:unread-notifications:{user_id}"
    transaction.on_commit(lambda: cache.delete(key))


def overdue_reports_notify(*, now: datetime | None = None) -> int:
    """Notify about every open report past its deadline that has not been notified yet: the
    assignee, or when nobody is assigned, the supervisors of the city. Idempotent."""
    now = now or timezone.now()
    count = 0
    overdue = (
        Report.objects.filter(
            status__in=[Status.RECEIVED, Status.IN_TRIAGE],
            due_at__lt=now,
            overdue_notified_at__isnull=True,
        )
        .select_related("assigned_to")
        .order_by("due_at")
    )
    for report in overdue.iterator(chunk_size=200):
        with transaction.atomic():
            claimed = Report.objects.filter(pk=report.pk, overdue_notified_at__isnull=True).update(
                overdue_notified_at=now
            )
            if not claimed:
                continue
            recipients: list[User]
            if report.assigned_to is not None and report.assigned_to.is_active:
                recipients = [report.assigned_to]
            else:
                recipients = list(
                    User.objects.filter(
                        is_active=True,
                        memberships__is_active=True,
                        memberships__role=Role.SUPERVISOR,
                        memberships__agency__regency_code=report.regency_code,
                    ).distinct()
                )
            for user in recipients:
                notify(
                    recipient=user,
                    text=_("Report %(ref)s is overdue: it needed a response by %(due)s.")
                    % {
                        "ref": report.reference,
                        "due": timezone.localtime(report.due_at).strftime("%d-%m-%Y %H:%M"),
                    },
                    link=reverse("intake:report_detail", kwargs={"pk": report.pk}),
                    email_subject=_("Overdue report"),
                )
            audit_log(
                actor=None,
                action="report.overdue_notified",
                obj=report,
                extra={"recipients": len(recipients)},
            )
            count += 1
    return count


# --- records of the same child -------------------------------------------------------------------


@transaction.atomic
def report_move_to_child(
    *, actor: User, report: Report, child: Any, version: int, reason: str
) -> Report:
    """Re-point the child a report is linked to to another record of the same child, e.g. when
    two records are merged (sigap.dedupe keeps the record of the move and moves it back on
    undo). The report keeps its outcome and its case. `reason` goes to the audit event."""
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError({"reason": _("Say why the report moves to another child record.")})
    report = _lock(report)
    _check_version(report, version)
    if report.child_id == child.pk:
        raise ValidationError({"child": _("The report is already linked to this record.")})
    old_child = report.child_id
    report.child = child
    _touch(report, ["child"])
    audit_log(
        actor=actor,
        action="report.child_moved",
        obj=report,
        agency_id=_agency_id(actor, report),
        changes=["child"],
        extra={"from": str(old_child), "to": str(child.pk), "reason": reason[:200]},
    )
    return report
