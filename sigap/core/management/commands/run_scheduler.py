"""The scheduler process: every few seconds, enqueue the periodic jobs that are due (the worker,
`manage.py db_worker`, runs them). `--once` checks once and exits, for tests and for cron."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections
from django.utils import timezone

from sigap.core import schedule
from sigap.core.models import ScheduledJob


class Command(BaseCommand):
    help = (
        "Enqueue the periodic jobs of every Sigap app (sigap/<app>/schedule.py) when they are "
        "due, for the task worker to run. Safe to run twice: a run is enqueued once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="check once and exit (cron)")
        parser.add_argument(
            "--interval",
            type=int,
            default=None,
            help="seconds between checks (default SIGAP_SCHEDULER_INTERVAL_SECONDS)",
        )
        parser.add_argument("--list", action="store_true", help="list the jobs and exit")

    def handle(self, *args: Any, **options: Any) -> None:
        interval = options["interval"] or settings.SIGAP_SCHEDULER_INTERVAL_SECONDS
        if interval < 1:
            raise CommandError("--interval must be at least 1 second.")
        jobs = schedule.jobs()
        try:
            schedule.check_jobs(jobs)
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        if options["list"]:
            self._list(jobs)
            return
        if not options["once"]:
            self.stdout.write(f"Scheduler: {len(jobs)} jobs, checking every {interval} s.")
        try:
            while True:
                for done in schedule.run_due(selected=jobs):
                    local = timezone.localtime(done.slot)
                    self.stdout.write(f"{done.job}: enqueued the run of {local:%Y-%m-%d %H:%M}")
                if options["once"]:
                    return
                time.sleep(interval)
                # A long-lived process: drop a connection that broke or outlived CONN_MAX_AGE.
                close_old_connections()
        except KeyboardInterrupt:
            self.stdout.write("Scheduler stopped.")

    def _list(self, jobs: list[schedule.Job]) -> None:
        last = {j.name: j for j in ScheduledJob.objects.all()}
        now = timezone.now()
        for job in jobs:
            row = last.get(job.name)
            enqueued = (
                f"{timezone.localtime(row.last_enqueued_at):%Y-%m-%d %H:%M}"
                if row is not None and row.last_enqueued_at
                else "never"
            )
            slot = job.slot(now)
            if slot is not None and (row is None or row.last_slot is None or row.last_slot < slot):
                upcoming = "due now"
            else:
                upcoming = f"{timezone.localtime(job.next_slot(now)):%Y-%m-%d %H:%M}"
            self.stdout.write(
                f"{job.name:28} {job.describe():36} last enqueued {enqueued:16} next {upcoming}"
            )
