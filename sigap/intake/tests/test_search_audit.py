"""Every search or filter of the report queue is one audit event (reports hold children's names
and reporters' details), and so is a typed search of the registry while opening a case; the open
queue itself writes none, and a name typed is never in the event."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from sigap.children.services import child_register
from sigap.core.models import AuditEvent
from sigap.core.search_audit import search_term_digest
from sigap.intake.models import Report
from sigap.intake.tests.factories import public_report

pytestmark = pytest.mark.django_db

NAME = "Sari Wulandari"


def _searches(action: str = "report.search") -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def _stored(event: AuditEvent) -> str:
    """Every stored column of the event, as the database holds it."""
    return " ".join(str(v) for v in AuditEvent.objects.filter(pk=event.pk).values().get().values())


def test_the_open_queue_writes_no_event(regions: Any, intake_officer: Any, client: Client) -> None:
    public_report()
    client.force_login(intake_officer)
    assert client.get("/laporan/").status_code == 200
    assert client.get("/laporan/", {"page": 1}).status_code == 200
    # the filter form sends the default status with every submit: still the open queue
    assert client.get("/laporan/", {"status": "open", "q": "", "priority": ""}).status_code == 200
    assert _searches() == []


def test_a_reference_search_keeps_the_reference(
    regions: Any, intake_officer: Any, client: Client
) -> None:
    report = public_report()
    client.force_login(intake_officer)
    typed = report.reference.lower().removeprefix("l-")  # the prefix is optional
    response = client.get("/laporan/", {"q": typed, "status": "open"})
    assert [r.pk for r in response.context["page"]] == [report.pk]
    [event] = _searches()
    assert event.actor_id == intake_officer.pk
    assert event.agency_id == intake_officer.primary_agency.pk
    assert event.summary == {"via": "html", "term": "reference", "reference": report.reference}


def test_a_name_typed_in_the_queue_is_kept_only_as_a_digest(
    regions: Any, intake_officer: Any, client: Client
) -> None:
    public_report()
    client.force_login(intake_officer)
    response = client.get("/laporan/", {"q": "Sari Wulan"})
    assert response.status_code == 200 and len(response.context["page"]) == 0
    [event] = _searches()
    assert event.summary == {
        "via": "html",
        "term": "name",
        "term_digest": search_term_digest("Sari Wulan"),
    }
    assert "sari" not in _stored(event).casefold()
    assert "wulan" not in _stored(event).casefold()


def test_filters_alone_are_a_search(regions: Any, intake_officer: Any, client: Client) -> None:
    public_report()
    client.force_login(intake_officer)
    client.get("/laporan/", {"status": "all", "category": "street"})
    client.get("/laporan/", {"status": "open", "assigned": "me", "overdue": "on"})
    assert [e.summary for e in _searches()] == [
        {"via": "html", "filter_status": "all", "filter_category": "street"},
        {"via": "html", "filter_assigned": "me", "filter_overdue": True},
    ]


def test_an_invalid_filter_is_no_search(regions: Any, intake_officer: Any, client: Client) -> None:
    client.force_login(intake_officer)
    assert client.get("/laporan/", {"priority": "whatever"}).status_code == 200
    assert _searches() == []


# --- the registry search while opening a case -----------------------------------------------------


def test_opening_a_case_audits_the_typed_search_only(
    regions: Any, intake_officer: Any, client: Client
) -> None:
    child = child_register(actor=intake_officer, full_name=NAME, sex="female", estimated_age=9)
    report = public_report()
    Report.objects.filter(pk=report.pk).update(child_name="Nama Di Laporan")
    client.force_login(intake_officer)
    url = f"/laporan/{report.pk}/kasus/"
    # the look-up by the report's own name is part of triage, no search by the officer
    first = client.get(url)
    assert first.status_code == 200 and NAME not in first.content.decode()
    assert _searches("child.search") == []
    # a name the officer types is searched (not the report's name) and audited
    response = client.get(url, {"q": "sari wulandari"})
    assert response.context["candidates"] == [child]
    [event] = _searches("child.search")
    assert event.summary == {
        "via": "intake",
        "term": "name",
        "term_digest": search_term_digest(NAME),
    }
    assert "wulandari" not in _stored(event).casefold()
    assert _searches() == []  # no queue search
