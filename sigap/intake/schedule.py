"""Periodic jobs of the intake app (sigap.core.schedule)."""

from __future__ import annotations

from datetime import timedelta

from sigap.core.schedule import Job, register_job
from sigap.intake.tasks import check_overdue_reports

# Reports past their response deadline (an urgent one has an hour): notify every 5 minutes.
register_job(Job("intake.overdue_reports", check_overdue_reports, every=timedelta(minutes=5)))
