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


# --- persons (alleged perpetrators, organisers) ---------------------------------------------------

PERSON = "Bang Jali Sutrisno"


def _person_searches() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="person.search").order_by("id"))


def _stored(event: AuditEvent) -> str:
    """Every stored column of the event, as the database holds it."""
    return " ".join(str(v) for v in AuditEvent.objects.filter(pk=event.pk).values().get().values())


@pytest.fixture
def person(case_worker: Any) -> Any:
    from sigap.children.services import person_create

    return person_create(actor=case_worker, full_name=PERSON, role="organiser")


def test_plain_person_lists_write_no_event(person: Any, case_worker: Any, client: Client) -> None:
    client.force_login(case_worker)
    assert client.get(reverse("children:person_list")).status_code == 200
    assert client.get(reverse("children:person_list"), {"page": "1", "q": " "}).status_code == 200
    assert client.get("/api/v1/persons", {"limit": 5}).status_code == 200
    assert _person_searches() == []


def test_a_person_search_writes_one_event_without_the_name(
    person: Any, case_worker: Any, client: Client
) -> None:
    client.force_login(case_worker)
    page = client.get(reverse("children:person_list"), {"q": "jali sutrisno", "role": "organiser"})
    api = client.get("/api/v1/persons", {"q": "Jali Sutrisno"})
    assert PERSON in page.content.decode()
    assert api.json()["count"] == 1
    html_event, api_event = _person_searches()
    digest = search_term_digest("Jali Sutrisno")
    assert html_event.summary == {
        "via": "html",
        "term": "name",
        "term_digest": digest,
        "filter_role": "organiser",
    }
    assert api_event.summary == {"via": "api", "term": "name", "term_digest": digest}
    assert html_event.actor_id == case_worker.pk
    for event in (html_event, api_event):
        assert "jali" not in _stored(event).casefold()
        assert "sutrisno" not in _stored(event).casefold()


def test_a_person_role_filter_alone_is_a_search(
    person: Any, case_worker: Any, client: Client
) -> None:
    client.force_login(case_worker)
    client.get("/api/v1/persons", {"role": "parent"})
    [event] = _person_searches()
    assert event.summary == {"via": "api", "filter_role": "parent"}
    assert _searches() == []  # a person search is not a child search
