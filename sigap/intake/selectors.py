"""Reads of reports, outreach operations and notifications, always scoped to the reader."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from sigap.accounts.models import CHILD_DATA_ROLES, User
from sigap.core.access import can
from sigap.core.audit import audit_log
from sigap.geo.models import Region
from sigap.intake.models import (
    OPEN_STATUSES,
    Notification,
    OutreachOperation,
    Report,
    ReportPhoto,
)
from sigap.intake.policies import TRIAGE_ROLES, outreach_regencies, regencies_with_role

QUEUE_RELATED = ("assigned_to", "kelurahan__parent", "outreach")


def _visible_reports(user: User) -> QuerySet[Report]:
    regencies = regencies_with_role(user, *TRIAGE_ROLES)
    partner_agencies = {m.agency_id for m in user.active_memberships if m.role in CHILD_DATA_ROLES}
    return Report.objects.filter(
        Q(regency_code__in=regencies)
        | Q(assigned_to=user)
        | Q(referred_to_id__in=partner_agencies)
        | Q(outreach__isnull=False, regency_code__in=outreach_regencies(user))
    )


def report_list_for(*, user: User, filters: dict[str, Any]) -> QuerySet[Report]:
    """The triage queue: the reports of the user's cities, most urgent deadline first.

    Filters: status ("open" by default, "all", or one Status), priority, channel, category,
    assigned ("me", "none"), overdue (truthy), kelurahan (code), q (staff reference L-XXXXXXXX).
    """
    regencies = regencies_with_role(user, *TRIAGE_ROLES)
    reports = Report.objects.filter(regency_code__in=regencies)
    status = filters.get("status") or "open"
    if status == "open":
        reports = reports.filter(status__in=OPEN_STATUSES)
    elif status != "all":
        reports = reports.filter(status=status)
    for name in ("priority", "channel", "category"):
        if filters.get(name):
            reports = reports.filter(**{name: filters[name]})
    assigned = filters.get("assigned")
    if assigned == "me":
        reports = reports.filter(assigned_to=user)
    elif assigned == "none":
        reports = reports.filter(assigned_to__isnull=True)
    if filters.get("overdue"):
        reports = reports.filter(status__in=OPEN_STATUSES, due_at__lt=timezone.now())
    if filters.get("kelurahan"):
        reports = reports.filter(kelurahan_id=filters["kelurahan"])
    if filters.get("outreach"):
        reports = reports.filter(outreach_id=filters["outreach"])
    q = (filters.get("q") or "").strip().upper().removeprefix("L-")
    if q:
        reports = reports.filter(id__startswith=_uuid_prefix(q)) if _is_hex(q) else reports.none()
    order = ["due_at", "created_at"] if status == "open" else ["-created_at"]
    return reports.select_related(*QUEUE_RELATED).order_by(*order)


def queue_reference(q: str) -> str:
    """The staff reference a queue search names ("l-1a2b", "1A2B" → "L-1A2B"), or "" when the
    term is no reference (someone typed a name)."""
    text = (q or "").strip().upper().removeprefix("L-")
    return "L-" + text if _is_hex(text) else ""


def _is_hex(text: str) -> bool:
    return 0 < len(text) <= 32 and all(c in "0123456789ABCDEF" for c in text)


def _uuid_prefix(text: str) -> str:
    # UUIDs are stored as 32 hex digits without dashes on SQLite and as uuid on PostgreSQL; a
    # prefix of up to 8 hex digits has no dash in either form.
    return text.lower()[:8]


def report_get_for(*, user: User, pk: Any, audit: bool = True) -> Report:
    """One report the user may see (Http404 otherwise); the read is audited."""
    report = (
        _visible_reports(user)
        .select_related(
            "assigned_to",
            "kelurahan__parent",
            "origin_region",
            "outreach",
            "referred_to",
            "merged_into",
            "screened_by",
            "outcome_by",
            "recorded_by",
            "recorded_by_agency",
            "child",
        )
        .filter(pk=pk)
        .first()
    )
    if report is None or not can(user, "intake.view", report):
        raise Http404
    if audit:
        audit_log(
            actor=user, action="report.viewed", obj=report, agency_id=_agency_id(user, report)
        )
    return report


def report_reporter_for(*, user: User, report: Report) -> Report:
    """The sensitive reporter section: policy intake.view_reporter, and an audit event."""
    if not can(user, "intake.view_reporter", report):
        raise Http404
    audit_log(
        actor=user,
        action="report.reporter_viewed",
        obj=report,
        agency_id=_agency_id(user, report),
    )
    return report


def report_photo_get_for(*, user: User, report_pk: Any, photo_pk: Any) -> ReportPhoto:
    report = report_get_for(user=user, pk=report_pk, audit=False)
    photo = ReportPhoto.objects.filter(report=report, pk=photo_pk).first()
    if photo is None:
        raise Http404
    audit_log(
        actor=user,
        action="report.photo_viewed",
        obj=report,
        agency_id=_agency_id(user, report),
        extra={"photo": str(photo.pk)},
    )
    return photo


def _agency_id(user: User, report: Report) -> int | None:
    for m in user.active_memberships:
        if m.agency.regency_code == report.regency_code or m.agency_id == report.referred_to_id:
            return m.agency_id
    return None


def merge_candidates_for(*, user: User, report: Report, limit: int = 50) -> list[Report]:
    """Other open reports of the same city from the last 30 days: same kelurahan first."""
    since = report.created_at - timedelta(days=30)
    candidates = (
        report_list_for(user=user, filters={"status": "open"})
        .exclude(pk=report.pk)
        .filter(created_at__gte=since)
    )
    rows = list(candidates.order_by("-created_at")[:limit])
    rows.sort(key=lambda r: (r.kelurahan_id != report.kelurahan_id, -r.created_at.timestamp()))
    return rows


def home_villages() -> list[tuple[str, list[tuple[str, str]]]]:
    """The kelurahan of the home regency grouped by kecamatan, for the public picker (one query)."""
    home = settings.SIGAP_HOME_REGENCY
    villages = (
        Region.objects.filter(level=Region.Level.VILLAGE, code__startswith=home + ".")
        .select_related("parent")
        .order_by("parent__name", "name")
    )
    groups: dict[str, list[tuple[str, str]]] = {}
    for village in villages:
        district = village.parent.name if village.parent else ""
        groups.setdefault(district, []).append((village.code, village.name))
    return list(groups.items())


def home_districts() -> QuerySet[Region]:
    home = settings.SIGAP_HOME_REGENCY
    return Region.objects.filter(level=Region.Level.DISTRICT, parent_id=home).order_by("name")


def outreach_list_for(*, user: User, filters: dict[str, Any]) -> QuerySet[OutreachOperation]:
    operations = OutreachOperation.objects.filter(regency_code__in=outreach_regencies(user))
    if filters.get("date_from"):
        operations = operations.filter(date__gte=filters["date_from"])
    if filters.get("date_to"):
        operations = operations.filter(date__lte=filters["date_to"])
    if filters.get("q"):
        operations = operations.filter(
            Q(area__icontains=filters["q"]) | Q(team__icontains=filters["q"])
        )
    return operations.select_related("district", "agency").order_by("-date", "-start_time")


def outreach_get_for(*, user: User, pk: Any) -> OutreachOperation:
    operation = (
        OutreachOperation.objects.filter(regency_code__in=outreach_regencies(user))
        .select_related("district", "agency", "created_by")
        .filter(pk=pk)
        .first()
    )
    if operation is None:
        raise Http404
    return operation


def outreach_reports(*, operation: OutreachOperation) -> QuerySet[Report]:
    return operation.reports.select_related("kelurahan", "origin_region", "assigned_to").order_by(
        "seen_at", "created_at"
    )


def notification_list_for(*, user: User, unread_only: bool = False) -> QuerySet[Notification]:
    notifications = Notification.objects.filter(recipient=user)
    if unread_only:
        notifications = notifications.filter(read_at__isnull=True)
    return notifications.order_by("-created_at", "-id")


def unread_notification_count(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
