"""Background work of the intake app (django-tasks)."""

from __future__ import annotations

from django_tasks import task

from sigap.core import context
from sigap.core.audit import audit_log
from sigap.core.models import ActorKind
from sigap.intake.ratelimit import prune_counters
from sigap.intake.services import overdue_reports_notify


@task()
def audit_public_report(*, report_id: str, channel: str, request_id: str) -> None:
    """The audit event of an anonymous public report, queued with the report (see
    services.public_report_submit); it keeps the request id of the submission."""
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
    return notified
