"""Periodic jobs: a registry, and the one function a scheduler process calls every few seconds.

Each app declares its jobs in its own `sigap/<app>/schedule.py` (imported by convention, as
seed_demo imports `sigap/<app>/demo.py`; core knows no domain):

    from sigap.core.schedule import Job, register_job
    from sigap.referrals.tasks import check_overdue_referrals

    register_job(Job("referrals.overdue", check_overdue_referrals, every=timedelta(hours=1)))

A job is a django-tasks task (enqueued without arguments, run by the worker) and either an
interval (`every`: runs at the multiples of the interval since the epoch, e.g. on the hour) or a
local time of day (`at`: "HH:MM", or the name of a setting holding one, once a day, not before
that time; a day whose time was missed while no scheduler ran is caught up when one starts).

The scheduled time of a run is its slot. `run_due()` enqueues each job whose current slot is
later than the last one recorded in core.ScheduledJob, claiming the slot with a conditional UPDATE
in the transaction that enqueues the task (see ScheduledJob): two schedulers, or a scheduler and
a cron `run_scheduler --once`, never enqueue the same run twice.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks.base import Task

from sigap.core.models import ScheduledJob

logger = logging.getLogger("sigap.schedule")


def parse_time_of_day(value: str, *, source: str = "time") -> time:
    """A time of day written HH:MM ("02:00" is time(2, 0)); anything else is a configuration
    error naming `source`."""
    hours, sep, minutes = value.strip().partition(":")
    if sep and hours.isdigit() and minutes.isdigit() and len(minutes) == 2:
        h, m = int(hours), int(minutes)
        if h < 24 and m < 60:
            return time(h, m)
    raise ImproperlyConfigured(f"{source} must be a time of day like 02:00, not {value!r}")


@dataclass(frozen=True)
class Job:
    name: str  # "<app>.<what>", unique
    task: Task[Any, Any]
    every: timedelta | None = None
    at: str = ""  # "HH:MM" local time, or the name of a setting holding one ("SIGAP_..._AT")

    def __post_init__(self) -> None:
        if (self.every is None) == (not self.at):
            raise ValueError(f"Job {self.name}: give either every= or at=")
        if self.every is not None and self.every < timedelta(minutes=1):
            raise ValueError(f"Job {self.name}: run it at most once a minute")

    def time_of_day(self) -> time:
        """The local time of a daily job (a setting is read now, so it may change in tests)."""
        if self.at.startswith("SIGAP_"):
            return parse_time_of_day(str(getattr(settings, self.at)), source=self.at)
        return parse_time_of_day(self.at, source=f"Job {self.name}")

    def describe(self) -> str:
        if self.every is not None:
            return f"every {_duration(self.every)}"
        setting = f" ({self.at})" if self.at.startswith("SIGAP_") else ""
        return f"daily at {self.time_of_day():%H:%M}{setting}"

    def slot(self, now: datetime) -> datetime | None:
        """The scheduled time of the run due at `now` (the latest one not after it), or None when
        a daily job's time has not come yet today."""
        if self.every is not None:
            step = int(self.every.total_seconds())
            epoch = int(now.timestamp())
            return datetime.fromtimestamp(epoch - epoch % step, tz=UTC)
        today = timezone.localtime(now).date()
        slot = timezone.make_aware(datetime.combine(today, self.time_of_day()))
        return slot if slot <= now else None

    def next_slot(self, now: datetime) -> datetime:
        """The first scheduled time after `now` (for --list)."""
        if self.every is not None:
            current = self.slot(now)
            assert current is not None
            return current + self.every
        local = timezone.localtime(now)
        slot = timezone.make_aware(datetime.combine(local.date(), self.time_of_day()))
        if slot <= now:
            slot = timezone.make_aware(
                datetime.combine(local.date() + timedelta(days=1), self.time_of_day())
            )
        return slot


def _duration(d: timedelta) -> str:
    seconds = int(d.total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds % size == 0:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''}"
    return f"{seconds} seconds"


_jobs: dict[str, Job] = {}
_discovered = False


def register_job(job: Job) -> Job:
    """Add a job (registering the same name again replaces it: safe with autoreload)."""
    _jobs[job.name] = job
    return job


def discover() -> None:
    """Import `schedule` of every Sigap app once, so each registers its jobs."""
    global _discovered
    if _discovered:
        return
    for config in apps.get_app_configs():
        if not config.name.startswith("sigap."):
            continue
        module = f"{config.name}.schedule"
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
    _discovered = True


def jobs() -> list[Job]:
    discover()
    return sorted(_jobs.values(), key=lambda j: j.name)


def check_jobs(selected: Iterable[Job] | None = None) -> None:
    """Raise ImproperlyConfigured for a daily job whose time setting is not a time of day."""
    for job in jobs() if selected is None else selected:
        if job.at:
            job.time_of_day()


@dataclass(frozen=True)
class Enqueued:
    job: str
    slot: datetime
    task_id: str


def _claim(job: Job, slot: datetime, now: datetime) -> bool:
    ScheduledJob.objects.bulk_create([ScheduledJob(name=job.name)], ignore_conflicts=True)
    claimed = (
        ScheduledJob.objects.filter(name=job.name)
        .filter(Q(last_slot__isnull=True) | Q(last_slot__lt=slot))
        .update(last_slot=slot, last_enqueued_at=now)
    )
    return claimed == 1


def run_due(
    *, now: datetime | None = None, selected: Iterable[Job] | None = None
) -> list[Enqueued]:
    """Enqueue every job that is due at `now` and not enqueued for this slot yet. A job whose
    enqueue fails is logged and left unclaimed, so the next call tries it again."""
    now = now or timezone.now()
    done = []
    for job in jobs() if selected is None else selected:
        try:
            slot = job.slot(now)
            if slot is None:
                continue
            with transaction.atomic():
                if not _claim(job, slot, now):
                    continue
                result = job.task.enqueue()
                ScheduledJob.objects.filter(name=job.name).update(last_task_id=str(result.id))
        except Exception:
            logger.exception("Could not enqueue the periodic job %s", job.name)
            continue
        logger.info("Enqueued %s for %s (task %s)", job.name, slot.isoformat(), result.id)
        done.append(Enqueued(job.name, slot, str(result.id)))
    return done
