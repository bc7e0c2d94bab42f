"""Background work of the intake app (django-tasks)."""

from __future__ import annotations

from django_tasks import task

from sigap.core import context
from sigap.core.audit import audit_log
from sigap.core.models import ActorKind
from sigap.intake.ratelimit import prune_counters
from sigap.intake.services import overdue_reports_notify, public_reports_audit


@task()
def audit_public_reports() -> int:
    """The audit events of the public reports stored since the last run (scheduled by
    services.public_report_submit, at most one run per process every few seconds)."""
    return public_reports_audit()


@task()
def audit_public_report(*, report_id: str, channel: str, request_id: str) -> None:
    """One report's event, as queued by earlier versions (one task per report); kept so that tasks
    already in a queue still run. New reports use audit_public_reports."""
    with_context = context.RequestContext(request_id=request_id)
    token = context.activate(with_context)
    try:
        audit_log(
            actor=None,
            actor_kind=ActorKind.ANONYMOUS,
            action="report.public_submit",
            object_type="intake.report",
            object_id=report_id,
            extra={"channel": channel},
        )
    finally:
        context.deactivate(token)


@task()
def check_overdue_reports() -> int:
    """The same as `manage.py check_overdue_reports`, for a scheduler that enqueues tasks."""
    notified = overdue_reports_notify()
    prune_counters()
    public_reports_audit()
    return notified
