"""Every search of the child registry (page, API, the incident picker) is one audit event; a
plain list page none; the name or NIK searched for is never in the event."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from sigap.children.services import child_register
from sigap.core.models import AuditEvent
from sigap.core.search_audit import search_term_digest

pytestmark = pytest.mark.django_db

NIK = "6471010101150001"


def _searches() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="child.search").order_by("id"))


def test_plain_list_pages_write_no_event(child: Any, intake_officer: Any, client: Client) -> None:
    client.force_login(intake_officer)
    assert client.get(reverse("children:child_list")).status_code == 200
    assert client.get(reverse("children:child_list"), {"page": 1}).status_code == 200
    assert client.get("/api/v1/children").status_code == 200
    assert _searches() == []


def test_a_name_search_writes_one_event(child: Any, intake_officer: Any, client: Client) -> None:
    client.force_login(intake_officer)
    response = client.get(reverse("children:child_list"), {"q": "Rizki Pratama", "sex": "male"})
    assert response.status_code == 200 and child.full_name in response.content.decode()
    [event] = _searches()
    assert event.summary == {
        "via": "html",
        "term": "name",
        "term_digest": search_term_digest("Rizki Pratama"),
        "filter_sex": "male",
    }


def test_a_nik_search_never_records_the_nik(intake_officer: Any, client: Client) -> None:
    found = child_register(
        actor=intake_officer, full_name="Anak Nomor Uji", sex="female", estimated_age=8, nik=NIK
    )
    client.force_login(intake_officer)
    page = client.get(reverse("children:child_list"), {"q": NIK})
    api = client.get("/api/v1/children", {"q": NIK})
    assert found.full_name in page.content.decode()
    assert api.json()["count"] == 1
    events = _searches()
    assert len(events) == 2
    assert [e.summary["via"] for e in events] == ["html", "api"]
    for event in events:
        assert event.summary["term"] == "identity_number"
        assert NIK not in str(event.summary)


def test_filters_alone_are_a_search(child: Any, intake_officer: Any, client: Client) -> None:
    client.force_login(intake_officer)
    client.get(reverse("children:child_list"), {"school_status": "dropped_out"})
    [event] = _searches()
    assert event.summary == {"via": "html", "filter_school_status": "dropped_out"}
