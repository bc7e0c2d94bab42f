"""The intake demo (`manage.py seed_demo`): a triage queue with something of everything."""

from __future__ import annotations

import io
from datetime import timedelta
from random import Random

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from sigap.accounts import demo as accounts_demo
from sigap.accounts.models import User
from sigap.core.models import AuditEvent
from sigap.geo.models import Region
from sigap.intake import demo, selectors
from sigap.intake.models import STAFF_CHANNELS, Channel, OutreachOperation, Report, Status

pytestmark = pytest.mark.django_db


def test_seed_demo_fills_the_queue_and_a_second_run_adds_nothing(regions):
    out = io.StringIO()
    call_command("seed_demo", scale=20, stdout=out)
    assert "Demo: 25 reports" in out.getvalue()
    officer = User.objects.get(username="intake")

    queue = list(selectors.report_list_for(user=officer, filters={}))
    assert {r.priority for r in queue} == {"urgent", "high", "normal"}
    assert any(r.is_overdue() for r in queue) and not all(r.is_overdue() for r in queue)
    assert any(r.assigned_to_id for r in queue)
    assert {r.status for r in queue} == {Status.RECEIVED, Status.IN_TRIAGE}
    assert set(Report.objects.values_list("status", flat=True)) == set(Status.values)
    closed = Report.objects.filter(status=Status.CLOSED)
    assert len({r.close_reason for r in closed}) == 3
    cases = Report.objects.filter(status=Status.CASE_OPENED)
    assert cases.count() == 3 and all(r.case_id and r.child_id for r in cases)
    channels = set(Report.objects.values_list("channel", flat=True))
    assert channels == {c for c, _label in STAFF_CHANNELS} | {
        Channel.WEB,
        Channel.API,
        Channel.OUTREACH,
    }
    operation = OutreachOperation.objects.get()
    assert operation.reports.count() == 5
    # Places are in the home city; public reports have their audit events already.
    assert not Report.objects.exclude(kelurahan=None).exclude(kelurahan__code__startswith="64.71.")
    public = Report.objects.filter(channel__in=[Channel.WEB, Channel.API])
    assert AuditEvent.objects.filter(action="report.public_submit").count() == public.count()
    assert not Report.objects.filter(audit_pending=True).exists()
    # Reports arrived over the last days, none in the future.
    assert Report.objects.filter(created_at__lt=timezone.now() - timedelta(days=3))
    assert not Report.objects.filter(created_at__gt=timezone.now())

    again = io.StringIO()
    call_command("seed_demo", scale=20, stdout=again)
    assert "Demo reports: loaded already, none added." in again.getvalue()
    assert Report.objects.count() == 25
    # The dedupe demo still ran the first time (it checks the children it was handed).
    assert "Demo duplicates:" in out.getvalue() and "loaded already" not in out.getvalue()


def test_the_same_seed_gives_the_same_queue(regions):
    home = Region.objects.get(code="64.71")
    base = accounts_demo.seed(rng=Random(1), scale=1, home_regency=home, out=io.StringIO())

    def load() -> list[tuple[object, ...]]:
        demo.seed(rng=Random("5:intake"), scale=1, home_regency=home, out=io.StringIO(), **base)
        return sorted(
            Report.objects.values_list(
                "channel",
                "category",
                "status",
                "priority",
                "kelurahan_id",
                "landmark",
                "child_name",
            )
        )

    class Rollback(Exception):
        pass

    loads = []
    for _ in range(2):
        with pytest.raises(Rollback), transaction.atomic():
            loads.append(load())
            raise Rollback
    assert loads[0] == loads[1]
    assert len(loads[0]) == 25


def test_nothing_at_scale_zero(regions):
    call_command("seed_demo", scale=0, stdout=io.StringIO())
    assert not Report.objects.exists()
