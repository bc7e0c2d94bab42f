"""Referral and break-the-glass events on the case timeline (cases owns the registry).

Each source costs one query whatever the number of referrals."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

from sigap.cases.timeline import TimelineEntry, register_timeline_source
from sigap.referrals.models import EmergencyAccess, Kind, Status, StatusChange

_ICONS: dict[str, str] = {
    Status.SENT: "bi-send",
    Status.ACCEPTED: "bi-check2-circle",
    Status.DECLINED: "bi-x-circle",
    Status.IN_PROGRESS: "bi-play-circle",
    Status.COMPLETED: "bi-flag",
    Status.CANCELLED: "bi-slash-circle",
    Status.REVOKED: "bi-shield-x",
}


@register_timeline_source
def referral_events(case: Any) -> Iterable[TimelineEntry]:
    changes = StatusChange.objects.filter(referral__case=case).select_related(
        "referral", "referral__to_agency", "changed_by"
    )
    for change in changes:
        r = change.referral
        to = str(r.to_agency) if r.to_agency_id else r.external_recipient
        what = _("Transfer") if r.kind == Kind.TRANSFER else _("Referral")
        yield TimelineEntry(
            at=change.changed_at,
            kind=f"referral.{change.to_status}",
            title=_("%(what)s to %(to)s: %(status)s")
            % {"what": what, "to": to, "status": Status(change.to_status).label},
            detail=", ".join(r.service_labels()),
            actor=change.changed_by.display_name,
            icon=_ICONS.get(change.to_status, "bi-arrow-left-right"),
        )


@register_timeline_source
def emergency_events(case: Any) -> Iterable[TimelineEntry]:
    for access in EmergencyAccess.objects.filter(case=case).select_related("user", "agency"):
        yield TimelineEntry(
            at=access.started_at,
            kind="case.break_glass",
            title=_("Emergency access by %(agency)s") % {"agency": access.agency},
            detail=access.reason,
            actor=access.user.display_name,
            icon="bi-unlock",
        )
