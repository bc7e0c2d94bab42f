"""The periodic check: notify both agencies about referrals past their answer deadline (once per
referral). Run it every 15 minutes from cron or a systemd timer; safe to run twice."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from sigap.referrals.services import overdue_referrals_notify


class Command(BaseCommand):
    help = "Notify both agencies about every referral not answered by its deadline (once each)."

    def handle(self, *args: Any, **options: Any) -> None:
        sent = overdue_referrals_notify()
        self.stdout.write(f"{sent} overdue referral(s) notified.")
