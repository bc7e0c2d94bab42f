"""Notify about reports past their response deadline; run it every few minutes (cron or a
systemd timer, see docs). Idempotent: a report is notified once per deadline. It also writes any
audit event of a public report still pending (normally written within seconds by a task)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from sigap.intake.ratelimit import prune_counters
from sigap.intake.services import overdue_reports_notify, public_reports_audit


class Command(BaseCommand):
    help = (
        "Notify assignees (or supervisors) of overdue reports, prune old rate counters and write "
        "pending audit events of public reports."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        notified = overdue_reports_notify()
        pruned = prune_counters()
        audited = public_reports_audit()
        self.stdout.write(
            f"{notified} overdue report(s) notified, {pruned} old counter(s) pruned, "
            f"{audited} pending audit event(s) written."
        )
