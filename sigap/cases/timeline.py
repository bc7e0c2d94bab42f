"""One timeline per case, open to later domains.

A source is a function `fn(case) -> iterable of TimelineEntry`. `cases` registers its own sources
below (opened, stage changes, risk changes, approvals, assessments, plans, notes); shelter,
referrals and placements register theirs from their AppConfig.ready():

    from sigap.cases.timeline import TimelineEntry, register_timeline_source

    @register_timeline_source
    def referral_events(case):
        for r in Referral.objects.filter(case=case).select_related("to_agency"):
            yield TimelineEntry(at=r.sent_at, kind="referral.sent", title=..., actor=...)

A source must cost a constant number of queries (no query per entry: use select_related), so the
case page's query count does not grow with the case's history. Entries carry text only, already
translated; the page decides how to show them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from sigap.cases.models import Case


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # dotted, e.g. "case.stage_changed", "referral.sent"
    title: str
    detail: str = ""
    actor: str = ""
    icon: str = "bi-dot"


TimelineSource = Callable[["Case"], Iterable[TimelineEntry]]
_sources: list[TimelineSource] = []


def register_timeline_source(fn: TimelineSource) -> TimelineSource:
    """Add a source of timeline entries (idempotent; usable as a decorator)."""
    if fn not in _sources:
        _sources.append(fn)
    return fn


def timeline_sources() -> list[TimelineSource]:
    return list(_sources)


def case_timeline(case: Case, *, limit: int | None = None) -> list[TimelineEntry]:
    """Every source's entries for `case`, newest first."""
    entries = [entry for source in _sources for entry in source(case)]
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:limit] if limit is not None else entries


def _rows(case: Case, relation: str, *related: str) -> list[Any]:
    """The rows of `case.<relation>`: the prefetched ones when the page loaded them already
    (selectors.case_detail_for), else one query with `related` joined."""
    cache = getattr(case, "_prefetched_objects_cache", {})
    if relation in cache:
        return list(cache[relation])
    return list(getattr(case, relation).select_related(*related))


def _day(d: date) -> datetime:
    return datetime.combine(d, time(12, 0), tzinfo=timezone.get_current_timezone())


def _name(user: object) -> str:
    return getattr(user, "display_name", "") if user is not None else ""


# --- built-in sources ---------------------------------------------------------------------------


@register_timeline_source
def case_opened(case: Case) -> Iterable[TimelineEntry]:
    yield TimelineEntry(
        at=case.opened_at,
        kind="case.opened",
        title=_("Case opened"),
        detail=case.number,
        actor=_name(case.created_by),
        icon="bi-folder-plus",
    )


@register_timeline_source
def stage_changes(case: Case) -> Iterable[TimelineEntry]:
    from sigap.cases.models import ClosureReason, Stage

    reasons = dict(ClosureReason.choices)
    for change in _rows(case, "stage_changes", "changed_by"):
        reopened = change.from_stage == Stage.CLOSURE
        detail = change.reason
        if change.to_stage == Stage.CLOSURE:
            detail = str(reasons.get(change.reason, change.reason))
        yield TimelineEntry(
            at=change.changed_at,
            kind="case.reopened" if reopened else "case.stage_changed",
            title=(_("Reopened: %(stage)s") if reopened else _("Moved to %(stage)s"))
            % {"stage": Stage(change.to_stage).label},
            detail=detail,
            actor=_name(change.changed_by),
            icon="bi-arrow-counterclockwise" if reopened else "bi-signpost-split",
        )


@register_timeline_source
def risk_changes(case: Case) -> Iterable[TimelineEntry]:
    from sigap.cases.models import RiskLevel

    for change in _rows(case, "risk_changes", "changed_by"):
        yield TimelineEntry(
            at=change.changed_at,
            kind="case.risk_changed",
            title=_("Risk level: %(level)s") % {"level": RiskLevel(change.to_level).label},
            detail=change.reason,
            actor=_name(change.changed_by),
            icon="bi-exclamation-triangle",
        )


@register_timeline_source
def approvals(case: Case) -> Iterable[TimelineEntry]:
    from sigap.cases.models import ApprovalStatus

    for a in _rows(case, "approvals", "requested_by", "decided_by"):
        yield TimelineEntry(
            at=a.requested_at,
            kind="approval.requested",
            title=_("Approval requested: %(kind)s") % {"kind": a.get_kind_display()},
            detail=a.get_closure_reason_display() if a.closure_reason else a.request_note,
            actor=_name(a.requested_by),
            icon="bi-hourglass-split",
        )
        if a.decided_at is not None:
            approved = a.status == ApprovalStatus.APPROVED
            yield TimelineEntry(
                at=a.decided_at,
                kind="approval.approved" if approved else "approval.rejected",
                title=(_("Approved: %(kind)s") if approved else _("Rejected: %(kind)s"))
                % {"kind": a.get_kind_display()},
                detail=a.comment,
                actor=_name(a.decided_by),
                icon="bi-check2-square" if approved else "bi-x-square",
            )


@register_timeline_source
def assessments(case: Case) -> Iterable[TimelineEntry]:
    for a in _rows(case, "assessments", "created_by", "completed_by"):
        yield TimelineEntry(
            at=a.created_at,
            kind="case.assessment_started",
            title=_("Assessment started"),
            actor=_name(a.created_by),
            icon="bi-clipboard",
        )
        if a.completed_at is not None:
            yield TimelineEntry(
                at=a.completed_at,
                kind="case.assessment_completed",
                title=_("Assessment completed (total score %(score)d)") % {"score": a.total_score},
                actor=_name(a.completed_by),
                icon="bi-clipboard-check",
            )


@register_timeline_source
def plans(case: Case) -> Iterable[TimelineEntry]:
    for p in _rows(case, "plans", "created_by"):
        yield TimelineEntry(
            at=p.created_at,
            kind="case.plan_created",
            title=_("Case plan started"),
            detail=p.goals,
            actor=_name(p.created_by),
            icon="bi-list-check",
        )


@register_timeline_source
def notes(case: Case) -> Iterable[TimelineEntry]:
    # The case page loaded the newest notes already (selectors.case_detail_for), as many as its
    # timeline can show; elsewhere (the API's longer timeline) every note, in one query.
    recent = case.__dict__.get("recent_notes")
    rows = recent if recent is not None else case.notes.select_related("author")
    for n in rows:
        yield TimelineEntry(
            at=_day(n.occurred_on),
            kind=f"case.note.{n.kind}",
            title=n.get_kind_display(),
            detail=n.text,
            actor=_name(n.author),
            icon="bi-chat-left-text",
        )


BUILTIN_SOURCES: tuple[TimelineSource, ...] = (
    case_opened,
    stage_changes,
    risk_changes,
    approvals,
    assessments,
    plans,
    notes,
)
