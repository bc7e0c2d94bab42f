"""The periodic check: email everyone with overdue tasks (at most once a day each). Run it daily
from cron or a systemd timer; safe to run twice."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from sigap.care.services import reminders_send


class Command(BaseCommand):
    help = "Queue one reminder email per person with overdue care tasks (once a day)."

    def handle(self, *args: Any, **options: Any) -> None:
        sent = reminders_send()
        self.stdout.write(f"{sent} reminder(s) queued.")
