"""Periodic jobs of the care app (sigap.core.schedule)."""

from __future__ import annotations

from sigap.care.tasks import send_reminders
from sigap.core.schedule import Job, register_job

# Overdue care tasks: one email per person each morning (at most one a day in any case).
register_job(Job("care.reminders", send_reminders, at="SIGAP_CARE_REMINDERS_AT"))
