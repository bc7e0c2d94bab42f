"""Background work of the referrals app (django-tasks)."""

from __future__ import annotations

from django_tasks import task

from sigap.referrals.services import overdue_referrals_notify


@task()
def check_overdue_referrals() -> int:
    """The same as `manage.py referral_reminders`, for a scheduler that enqueues tasks."""
    return overdue_referrals_notify()
