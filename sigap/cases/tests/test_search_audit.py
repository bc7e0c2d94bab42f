"""Every search of the case list (page and API) is one audit event; a plain list page none."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from sigap.core.models import AuditEvent
from sigap.core.search_audit import search_term_digest

pytestmark = pytest.mark.django_db

NIK = "6471010101150001"


def _searches() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="case.search").order_by("id"))


def test_plain_list_pages_write_no_event(case: Any, case_worker: Any, client: Client) -> None:
    client.force_login(case_worker)
    assert client.get(reverse("cases:case-list")).status_code == 200
    assert client.get(reverse("cases:case-list"), {"page": 1}).status_code == 200
    assert client.get("/api/v1/cases").status_code == 200
    assert client.get("/api/v1/cases", {"limit": 5, "offset": 0}).status_code == 200
    assert _searches() == []


def test_a_name_search_writes_one_event_without_the_name(
    case: Any, case_worker: Any, client: Client
) -> None:
    client.force_login(case_worker)
    name = case.child.full_name
    response = client.get(reverse("cases:case-list"), {"q": name, "stage": "open"})
    assert response.status_code == 200
    [event] = _searches()
    assert event.actor_id == case_worker.pk
    assert event.summary == {
        "via": "html",
        "term": "name",
        "term_digest": search_term_digest(name),
        "filter_stage": "open",
    }
    assert name not in str(event.summary)


def test_an_api_search_by_nik_writes_one_event_without_the_number(
    case: Any, case_worker: Any, client: Client
) -> None:
    client.force_login(case_worker)
    response = client.get("/api/v1/cases", {"q": NIK, "risk": "high"})
    assert response.status_code == 200
    [event] = _searches()
    assert event.summary["via"] == "api"
    assert event.summary["term"] == "identity_number"
    assert event.summary["filter_risk"] == "high"
    assert NIK not in str(event.summary)


def test_a_case_number_search_keeps_the_number(case: Any, supervisor: Any, client: Client) -> None:
    client.force_login(supervisor)
    client.get(reverse("cases:case-list"), {"q": case.number.lower()})
    [event] = _searches()
    assert event.summary["reference"] == case.number


def test_filters_alone_are_a_search(case: Any, case_worker: Any, client: Client) -> None:
    client.force_login(case_worker)
    client.get(reverse("cases:case-list"), {"review_due": "on"})
    client.get("/api/v1/cases", {"opened_from": "2026-01-01"})
    events = _searches()
    assert [e.summary for e in events] == [
        {"via": "html", "filter_review_due": True},
        {"via": "api", "filter_opened_from": "2026-01-01"},
    ]


def test_an_outsider_search_is_audited_and_finds_nothing(
    case: Any, outsider: Any, client: Client
) -> None:
    client.force_login(outsider)
    response = client.get("/api/v1/cases", {"q": case.number})
    assert response.json()["count"] == 0
    assert len(_searches()) == 1
