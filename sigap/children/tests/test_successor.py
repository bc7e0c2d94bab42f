"""Records that another record stands for (a rule another app registers, e.g. a merge): they
take no new history, and a search by their NIK finds the record standing for them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from sigap.children import access
from sigap.children.access import child_successor
from sigap.children.models import Child, IncidentChild
from sigap.children.selectors import ChildFilters, child_ids_with_identity_number, child_list_for
from sigap.children.services import child_register, incident_create, incident_link_move_to_child
from sigap.core.access import can
from sigap.core.models import AuditEvent

pytestmark = pytest.mark.django_db

NIK = "6472015208140002"


@pytest.fixture
def pair(intake_officer: Any) -> tuple[Child, Child]:
    kept = child_register(actor=intake_officer, full_name="Siti Aminah", sex="female")
    other = child_register(actor=intake_officer, full_name="Siti Aminah", sex="female", nik=NIK)
    return kept, other


@pytest.fixture
def stands_for(pair: tuple[Child, Child]) -> Iterator[None]:
    """A rule: the first record stands for the second (as an active merge would)."""
    kept, other = pair

    def rule(ids: Any) -> Any:
        standing = Child.objects.filter(pk=kept.pk)
        return (standing if other.pk in _ids(ids) else standing.none()).values("pk")

    access.register_child_successors(rule)
    yield
    access._successor_rules.remove(rule)


def _ids(ids: Any) -> set[Any]:
    return set(ids) if isinstance(ids, list) else set(ids.values_list("pk", flat=True))


def test_a_record_standing_for_another(pair, stands_for, intake_officer):
    kept, other = pair
    assert child_successor(Child.objects.get(pk=other.pk)) == kept
    assert child_successor(Child.objects.get(pk=kept.pk)) is None
    assert not can(intake_officer, "children.edit", Child.objects.get(pk=other.pk))
    assert can(intake_officer, "children.edit", Child.objects.get(pk=kept.pk))
    found = {c.pk for c in child_list_for(user=intake_officer, filters=ChildFilters(q=NIK))}
    assert found == {kept.pk, other.pk}  # nothing leaves the list here: no exclusion rule
    assert set(child_ids_with_identity_number(NIK)) == {kept.pk, other.pk}


def test_without_a_rule_the_nik_finds_its_own_record_only(pair, intake_officer):
    kept, other = pair
    assert child_successor(other) is None
    assert set(child_ids_with_identity_number(NIK)) == {other.pk}


def test_an_incident_link_moves_unless_the_record_is_in_the_incident(pair, intake_officer):
    kept, other = pair
    when = timezone.now() - timedelta(days=1)
    alone = incident_create(actor=intake_officer, occurred_at=when, place="A", children=[other])
    both = incident_create(
        actor=intake_officer, occurred_at=when, place="B", children=[kept, other]
    )
    link = IncidentChild.objects.get(incident=alone)
    moved = incident_link_move_to_child(actor=intake_officer, link=link, child=kept, reason="m")
    assert moved is not None and IncidentChild.objects.get(pk=link.pk).child_id == kept.pk
    stays = IncidentChild.objects.get(incident=both, child=other)
    assert (
        incident_link_move_to_child(actor=intake_officer, link=stays, child=kept, reason="m")
        is None
    )
    assert IncidentChild.objects.get(pk=stays.pk).child_id == other.pk
    assert AuditEvent.objects.filter(action="incident.child_moved").count() == 1
