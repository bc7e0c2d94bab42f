"""Reads of agencies, memberships and the audit trail, scoped to the reader."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from sigap.accounts.models import Agency, Membership, Role, User
from sigap.core.models import AuditEvent


def agency_list(*, q: str = "", type: str = "", active_only: bool = True) -> QuerySet[Agency]:
    agencies = Agency.objects.all()
    if active_only:
        agencies = agencies.filter(is_active=True)
    if q:
        agencies = agencies.filter(Q(name__icontains=q) | Q(short_name__icontains=q))
    if type:
        agencies = agencies.filter(type=type)
    return agencies.order_by("name")


def agencies_managed_by(*, user: User) -> QuerySet[Agency]:
    """The agencies whose people this user may manage."""
    if user.is_system_admin:
        return Agency.objects.filter(is_active=True).order_by("name")
    return Agency.objects.filter(
        pk__in=user.agency_ids_with_role(Role.AGENCY_ADMIN), is_active=True
    ).order_by("name")


def membership_list_for(
    *, user: User, q: str = "", role: str = "", active: str = "1", agency_id: int | None = None
) -> QuerySet[Membership]:
    memberships = Membership.objects.select_related("user", "agency")
    if not user.is_system_admin:
        memberships = memberships.filter(agency_id__in=user.agency_ids_with_role(Role.AGENCY_ADMIN))
    if agency_id is not None:
        memberships = memberships.filter(agency_id=agency_id)
    if q:
        memberships = memberships.filter(
            Q(user__username__icontains=q)
            | Q(user__full_name__icontains=q)
            | Q(user__email__icontains=q)
        )
    if role:
        memberships = memberships.filter(role=role)
    if active in {"0", "1"}:
        memberships = memberships.filter(is_active=active == "1")
    return memberships.order_by("agency__name", "user__full_name", "user__username", "role")


def membership_get_for(*, user: User, pk: int) -> Membership | None:
    return membership_list_for(user=user, active="").filter(pk=pk).first()


def audit_event_list_for(*, user: User, filters: dict[str, Any]) -> QuerySet[AuditEvent]:
    """System admins see every event; agency admins the events recorded for their agencies."""
    events = AuditEvent.objects.all()
    if not user.is_system_admin:
        events = events.filter(agency_id__in=user.agency_ids_with_role(Role.AGENCY_ADMIN))
    if filters.get("actor"):
        events = events.filter(actor_label__icontains=filters["actor"])
    if filters.get("action"):
        events = events.filter(action__startswith=filters["action"])
    if filters.get("object_type"):
        events = events.filter(object_type=filters["object_type"])
    if filters.get("object_id"):
        events = events.filter(object_id=filters["object_id"])
    tz = timezone.get_current_timezone()
    date_from: date | None = filters.get("date_from")
    date_to: date | None = filters.get("date_to")
    if date_from:
        events = events.filter(occurred_at__gte=datetime.combine(date_from, time.min, tzinfo=tz))
    if date_to:
        events = events.filter(occurred_at__lte=datetime.combine(date_to, time.max, tzinfo=tz))
    return events.order_by("-id")
