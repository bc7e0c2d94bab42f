"""The scheduler: which jobs are due, each run enqueued once, and the command."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone
from django_tasks import task

from sigap.core import schedule
from sigap.core.models import AuditEvent, ScheduledJob
from sigap.core.schedule import Job

RUNS: list[str] = []


@task()
def record_run() -> int:
    """A task for these tests (the immediate backend runs it at once)."""
    RUNS.append("run")
    return len(RUNS)


@pytest.fixture(autouse=True)
def _no_runs() -> Any:
    RUNS.clear()
    yield
    RUNS.clear()


def local(*args: int) -> datetime:
    """An aware datetime in the deployment's time zone (Asia/Makassar, UTC+8)."""
    return timezone.make_aware(datetime(*args))  # type: ignore[arg-type]


HOURLY = Job("test.hourly", record_run, every=timedelta(hours=1))
NIGHTLY = Job("test.nightly", record_run, at="02:00")


def run(job: Job, now: datetime) -> list[schedule.Enqueued]:
    return schedule.run_due(now=now, selected=[job])


# --- jobs ------------------------------------------------------------------------------------


def test_a_job_has_either_an_interval_or_a_time():
    with pytest.raises(ValueError, match="either"):
        Job("x", record_run)
    with pytest.raises(ValueError, match="either"):
        Job("x", record_run, every=timedelta(hours=1), at="02:00")
    with pytest.raises(ValueError, match="once a minute"):
        Job("x", record_run, every=timedelta(seconds=5))


@pytest.mark.parametrize("value", ["2", "24:00", "02:60", "02:5", "twelve", ""])
def test_a_bad_time_of_day_is_a_configuration_error(value):
    with pytest.raises(ImproperlyConfigured, match="time of day like 02:00"):
        schedule.parse_time_of_day(value, source="X")


def test_interval_slots_are_the_multiples_of_the_interval():
    now = datetime(2026, 5, 1, 10, 37, 12, tzinfo=UTC)
    assert HOURLY.slot(now) == datetime(2026, 5, 1, 10, 0, tzinfo=UTC)
    assert HOURLY.next_slot(now) == datetime(2026, 5, 1, 11, 0, tzinfo=UTC)
    five = Job("x", record_run, every=timedelta(minutes=5))
    assert five.slot(now) == datetime(2026, 5, 1, 10, 35, tzinfo=UTC)


def test_a_daily_slot_is_today_at_the_local_time_once_it_has_come():
    assert NIGHTLY.slot(local(2026, 5, 1, 1, 59)) is None
    assert NIGHTLY.slot(local(2026, 5, 1, 2, 0)) == local(2026, 5, 1, 2, 0)
    assert NIGHTLY.slot(local(2026, 5, 1, 23, 0)) == local(2026, 5, 1, 2, 0)
    assert NIGHTLY.next_slot(local(2026, 5, 1, 23, 0)) == local(2026, 5, 2, 2, 0)


# --- due, not due, not twice -----------------------------------------------------------------


@pytest.mark.django_db
def test_an_interval_job_runs_once_per_slot():
    first = run(HOURLY, local(2026, 5, 1, 10, 0, 5))
    assert [e.slot for e in first] == [local(2026, 5, 1, 10, 0)] and RUNS == ["run"]
    assert run(HOURLY, local(2026, 5, 1, 10, 59, 59)) == []  # not due again in the same hour
    assert RUNS == ["run"]
    assert len(run(HOURLY, local(2026, 5, 1, 11, 0, 1))) == 1  # the next hour
    row = ScheduledJob.objects.get(name="test.hourly")
    assert row.last_slot == local(2026, 5, 1, 11, 0) and row.last_task_id
    assert RUNS == ["run", "run"]


@pytest.mark.django_db
def test_a_daily_job_runs_once_a_day_not_before_its_time():
    assert run(NIGHTLY, local(2026, 5, 1, 1, 59)) == []  # not due yet
    assert len(run(NIGHTLY, local(2026, 5, 1, 2, 0, 30))) == 1
    for hour in (3, 12, 23):
        assert run(NIGHTLY, local(2026, 5, 1, hour, 0)) == []
    assert run(NIGHTLY, local(2026, 5, 2, 1, 0)) == []  # the next day, before 02:00
    assert len(run(NIGHTLY, local(2026, 5, 2, 2, 1))) == 1
    assert RUNS == ["run", "run"]


@pytest.mark.django_db
def test_a_missed_daily_run_is_caught_up_once_later_that_day():
    assert len(run(NIGHTLY, local(2026, 5, 1, 9, 15))) == 1  # the scheduler was down at 02:00
    assert run(NIGHTLY, local(2026, 5, 1, 9, 16)) == []


@pytest.mark.django_db
def test_a_daily_job_reads_its_time_from_the_setting(settings):
    job = Job("test.setting", record_run, at="SIGAP_DUPLICATES_AT")
    settings.SIGAP_DUPLICATES_AT = "03:30"
    assert run(job, local(2026, 5, 1, 3, 29)) == []
    assert len(run(job, local(2026, 5, 1, 3, 30))) == 1
    assert job.describe() == "daily at 03:30 (SIGAP_DUPLICATES_AT)"


@pytest.mark.django_db
def test_a_scheduler_behind_in_time_does_not_enqueue_an_older_run_again():
    run(HOURLY, local(2026, 5, 1, 11, 0, 1))  # one scheduler's clock is a bit ahead
    assert run(HOURLY, local(2026, 5, 1, 10, 59, 59)) == []  # the other's is behind
    assert RUNS == ["run"]


@pytest.mark.django_db
def test_a_failed_enqueue_is_tried_again(monkeypatch):
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("queue down")

    job = Job("test.broken", record_run, every=timedelta(hours=1))
    monkeypatch.setattr(type(record_run), "enqueue", broken)
    assert run(job, local(2026, 5, 1, 10, 0)) == []
    assert not ScheduledJob.objects.filter(name="test.broken").exists()  # nothing claimed
    monkeypatch.undo()
    assert len(run(job, local(2026, 5, 1, 10, 1))) == 1


@pytest.mark.django_db(transaction=True)
def test_two_schedulers_at_once_enqueue_one_run():
    if connection.vendor != "postgresql":
        pytest.skip("threads on one in-memory SQLite database; SQLite has one writer anyway")
    now = local(2026, 5, 1, 10, 0, 5)
    results: list[int] = []
    barrier = threading.Barrier(4)

    def scheduler() -> None:
        barrier.wait()
        try:
            results.append(len(run(HOURLY, now)))
        finally:
            connection.close()

    threads = [threading.Thread(target=scheduler) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [0, 0, 0, 1] and RUNS == ["run"]


# --- the apps' jobs and the command ----------------------------------------------------------

EXPECTED_JOBS = {
    "referrals.overdue": ("sigap.referrals.tasks.check_overdue_referrals", "every 1 hour"),
    "care.reminders": (
        "sigap.care.tasks.send_reminders",
        "daily at 07:00 (SIGAP_CARE_REMINDERS_AT)",
    ),
    "intake.overdue_reports": ("sigap.intake.tasks.check_overdue_reports", "every 5 minutes"),
    "dedupe.find_duplicates": (
        "sigap.dedupe.tasks.find_duplicates_nightly",
        "daily at 02:00 (SIGAP_DUPLICATES_AT)",
    ),
}


def test_each_app_registers_its_jobs():
    registered = {j.name: (j.task.module_path, j.describe()) for j in schedule.jobs()}
    assert {k: v for k, v in registered.items() if k in EXPECTED_JOBS} == EXPECTED_JOBS


@pytest.mark.django_db
def test_the_command_once_enqueues_every_due_job(settings, capsys):
    settings.SIGAP_DUPLICATES_AT = "00:00"  # due whatever the time of the test run
    settings.SIGAP_CARE_REMINDERS_AT = "00:00"
    call_command("run_scheduler", "--once")
    out = capsys.readouterr().out
    for name in EXPECTED_JOBS:
        assert f"{name}: enqueued" in out
    assert set(ScheduledJob.objects.values_list("name", flat=True)) >= set(EXPECTED_JOBS)
    # The immediate backend of the tests ran them: the nightly search wrote its audit event.
    assert AuditEvent.objects.filter(action="dedupe.run").count() == 1
    call_command("run_scheduler", "--once")
    again = capsys.readouterr().out  # an interval job may have reached its next slot meanwhile
    assert "dedupe.find_duplicates" not in again and "care.reminders" not in again
    assert AuditEvent.objects.filter(action="dedupe.run").count() == 1


@pytest.mark.django_db
def test_the_command_lists_the_jobs(capsys):
    call_command("run_scheduler", "--list")
    out = capsys.readouterr().out
    assert "dedupe.find_duplicates" in out and "daily at 02:00" in out and "never" in out
    assert not ScheduledJob.objects.exists()  # listing enqueues nothing


def test_the_command_refuses_a_bad_time(settings):
    settings.SIGAP_DUPLICATES_AT = "2am"
    with pytest.raises(CommandError, match="SIGAP_DUPLICATES_AT must be a time of day"):
        call_command("run_scheduler", "--once")


def test_the_system_check_names_a_bad_time(settings):
    from sigap.core.checks import check_schedule_times

    assert check_schedule_times() == []
    settings.SIGAP_CARE_REMINDERS_AT = "25:00"
    problems = check_schedule_times()
    assert [p.id for p in problems] == ["sigap.E002"]
    assert "SIGAP_CARE_REMINDERS_AT" in problems[0].msg
