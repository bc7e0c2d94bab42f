"""A report linked to a child follows it to another record of the same child (a merge)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from sigap.cases.tests.factories import make_child
from sigap.core.models import AuditEvent
from sigap.intake import services
from sigap.intake.models import Report
from sigap.intake.tests.factories import public_report

pytestmark = pytest.mark.django_db


def test_a_report_moves_to_another_record_version_safe(case_worker, home_agency, intake_officer):
    first = make_child(home_agency, intake_officer)
    second = make_child(home_agency, intake_officer)
    report = services.report_open_case(actor=case_worker, report=public_report(), child=first)
    with pytest.raises(ValidationError):
        services.report_move_to_child(
            actor=case_worker, report=report, child=second, version=report.version - 1, reason="x"
        )
    moved = services.report_move_to_child(
        actor=case_worker, report=report, child=second, version=report.version, reason="merge 1"
    )
    fresh = Report.objects.get(pk=report.pk)
    assert fresh.child_id == second.pk and fresh.case_id == report.case_id
    assert moved.version == report.version + 1
    event = AuditEvent.objects.get(action="report.child_moved")
    assert event.summary["from"] == str(first.pk) and event.summary["to"] == str(second.pk)
