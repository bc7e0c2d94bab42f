"""Care records follow their child to another record of the same child (a merge of duplicate
records): version-safe, audited, and never two open stays for one child record."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from sigap.care import services
from sigap.care.models import CareArrangement, EducationRecord
from sigap.cases.services import StaleVersion
from sigap.cases.tests.factories import make_child, open_case
from sigap.core.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def other(home_agency: Any, intake_officer: Any) -> Any:
    return make_child(home_agency, intake_officer)


def test_a_stay_moves_to_another_record_audited(case_worker, stay, child, other):
    moved = services.care_arrangement_move_to_child(
        actor=case_worker, arrangement=stay, child=other, version=stay.version, reason="merge 1"
    )
    assert CareArrangement.objects.get(pk=stay.pk).child_id == other.pk
    assert moved.version == stay.version + 1
    event = AuditEvent.objects.get(action="care.arrangement.child_moved")
    assert event.summary["from"] == str(child.pk) and event.summary["to"] == str(other.pk)


def test_a_stay_move_is_version_safe_and_needs_a_reason(case_worker, stay, other):
    with pytest.raises(StaleVersion):
        services.care_arrangement_move_to_child(
            actor=case_worker, arrangement=stay, child=other, version=stay.version - 1, reason="x"
        )
    with pytest.raises(ValidationError):
        services.care_arrangement_move_to_child(
            actor=case_worker, arrangement=stay, child=other, version=stay.version, reason=" "
        )
    assert CareArrangement.objects.get(pk=stay.pk).child_id != other.pk


def test_an_open_stay_does_not_move_to_a_child_staying_somewhere(
    case_worker, home_agency, stay, other
):
    theirs = open_case(case_worker, home_agency, other)
    services.shelter_admit(actor=case_worker, case=theirs, reason="Found", brought_by="Police")
    with pytest.raises(ValidationError, match="discharge one of the two stays"):
        services.care_arrangement_move_to_child(
            actor=case_worker, arrangement=stay, child=other, version=stay.version, reason="x"
        )
    assert not AuditEvent.objects.filter(action="care.arrangement.child_moved").exists()


def test_an_education_record_moves_to_another_record(
    case_worker, case, approved_recommendation, other
):
    record = services.education_open(
        actor=case_worker,
        case=case,
        school_name="SDN 1",
        grade="4",
        started_on=timezone.localdate(),
    )
    services.education_record_move_to_child(
        actor=case_worker, record=record, child=other, version=record.version, reason="merge 1"
    )
    assert EducationRecord.objects.get(pk=record.pk).child_id == other.pk
    assert AuditEvent.objects.filter(action="care.education.child_moved").count() == 1
    with pytest.raises(StaleVersion):
        services.education_record_move_to_child(
            actor=case_worker, record=record, child=other, version=record.version, reason="x"
        )
