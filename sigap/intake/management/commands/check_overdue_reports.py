"""Notify about reports past their response deadline; run it every few minutes (cron or a
systemd timer, see docs). Idempotent: a report is notified once per deadline."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from sigap.intake.ratelimit import prune_counters
from sigap.intake.services import overdue_reports_notify


class Command(BaseCommand):
    help = "Notify assignees (or supervisors) of overdue reports and prune old rate counters."

    def handle(self, *args: Any, **options: Any) -> None:
        notified = overdue_reports_notify()
        pruned = prune_counters()
        self.stdout.write(f"{notified} overdue report(s) notified, {pruned} old counter(s) pruned.")
