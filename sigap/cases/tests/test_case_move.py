"""case_move_to_child: a case re-pointed to another record of the same child (used by merges)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from sigap.cases import services
from sigap.cases.models import Case
from sigap.cases.selectors import cases_for_child
from sigap.cases.tests.factories import close, make_child, open_case
from sigap.core.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_record(home_agency, intake_officer):
    return make_child(home_agency, intake_officer, full_name="Ucok")


def test_the_case_moves_with_its_history_and_is_audited(case, case_worker, other_record):
    services.note_add(
        actor=case_worker, case=case, kind="meeting", occurred_on=timezone.localdate(), text="n"
    )
    old_child = case.child
    moved = services.case_move_to_child(
        actor=case_worker, case=case, child=other_record, version=case.version, reason="merge 1"
    )
    assert moved.child == other_record and moved.version == case.version + 1
    assert (moved.number, moved.lead_agency_id) == (case.number, case.lead_agency_id)
    assert moved.notes.count() == 1  # the history travels with the case
    assert cases_for_child(user=case_worker, child=other_record) == [moved]
    assert cases_for_child(user=case_worker, child=old_child) == []
    event = AuditEvent.objects.get(action="case.child_moved")
    assert event.object_id == str(case.pk) and event.actor == case_worker
    assert event.summary == {
        "changed": ["child"],
        "from": str(old_child.pk),
        "to": str(other_record.pk),
        "reason": "merge 1",
    }


def test_a_stale_version_changes_nothing(case, case_worker, other_record):
    with pytest.raises(services.StaleVersion):
        services.case_move_to_child(
            actor=case_worker, case=case, child=other_record, version=case.version + 5, reason="x"
        )
    case.refresh_from_db()
    assert case.child != other_record
    assert not AuditEvent.objects.filter(action="case.child_moved").exists()


def test_a_reason_and_another_record_are_required(case, case_worker, other_record):
    with pytest.raises(ValidationError) as exc:
        services.case_move_to_child(
            actor=case_worker, case=case, child=other_record, version=case.version, reason="  "
        )
    assert "reason" in exc.value.error_dict
    with pytest.raises(ValidationError) as exc:
        services.case_move_to_child(
            actor=case_worker, case=case, child=case.child, version=case.version, reason="x"
        )
    assert "child" in exc.value.error_dict


def test_two_open_cases_at_one_agency_are_refused(
    case, case_worker, supervisor, home_agency, other_record
):
    theirs = open_case(case_worker, home_agency, other_record)
    with pytest.raises(ValidationError) as exc:
        services.case_move_to_child(
            actor=case_worker, case=case, child=other_record, version=case.version, reason="x"
        )
    message = " ".join(exc.value.message_dict["child"])
    assert theirs.number in message and case.number in message
    assert Case.objects.get(pk=case.pk).child_id == case.child_id
    # A closed case may join the record's open one: it is history.
    closed = close(case, case_worker, supervisor)
    moved = services.case_move_to_child(
        actor=case_worker, case=closed, child=other_record, version=closed.version, reason="x"
    )
    assert moved.child == other_record
