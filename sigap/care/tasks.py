"""Background work of the care app (django-tasks)."""

from __future__ import annotations

from django_tasks import task

from sigap.care.services import reminders_send


@task()
def send_reminders() -> int:
    """The same as `manage.py care_reminders`, for the scheduler (daily): one email per person
    with overdue care tasks. Returns how many were queued."""
    return reminders_send()
