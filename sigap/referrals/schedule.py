"""Periodic jobs of the referrals app (sigap.core.schedule)."""

from __future__ import annotations

from datetime import timedelta

from sigap.core.schedule import Job, register_job
from sigap.referrals.tasks import check_overdue_referrals

# Both agencies hear of a referral past its answer deadline (once per referral).
register_job(Job("referrals.overdue", check_overdue_referrals, every=timedelta(hours=1)))
