"""A search of the children in the shelter (page and API) is one audit event; the plain list none;
the name searched for is never in the event."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from sigap.core.models import AuditEvent
from sigap.core.search_audit import search_term_digest

pytestmark = pytest.mark.django_db


def _searches() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="care.shelter.search").order_by("id"))


def _stored(event: AuditEvent) -> str:
    """Every stored column of the event, as the database holds it."""
    return " ".join(str(v) for v in AuditEvent.objects.filter(pk=event.pk).values().get().values())


def test_the_plain_shelter_list_writes_no_event(stay: Any, supervisor: Any, client: Client) -> None:
    client.force_login(supervisor)
    assert client.get(reverse("care:shelter")).status_code == 200
    assert client.get(reverse("care:shelter"), {"page": "1", "q": ""}).status_code == 200
    assert client.get("/api/v1/shelter-stays").json()["count"] == 1
    assert _searches() == []


def test_a_name_search_writes_one_event_without_the_name(
    stay: Any, supervisor: Any, client: Client
) -> None:
    name = "Rahmawati Kusumadewi"
    type(stay.child).objects.filter(pk=stay.child.pk).update(full_name=name)
    client.force_login(supervisor)
    page = client.get(reverse("care:shelter"), {"q": name})
    api = client.get("/api/v1/shelter-stays", {"q": name.upper()})
    assert [s.pk for s in page.context["page"]] == [stay.pk]
    assert api.json()["count"] == 1
    html_event, api_event = _searches()
    for event, via in ((html_event, "html"), (api_event, "api")):
        assert event.actor_id == supervisor.pk
        assert event.summary == {
            "via": via,
            "term": "name",
            "term_digest": search_term_digest(name),
        }
        for word in name.split():
            assert word.casefold() not in _stored(event).casefold()


def test_a_case_number_search_keeps_the_number(stay: Any, supervisor: Any, client: Client) -> None:
    client.force_login(supervisor)
    client.get("/api/v1/shelter-stays", {"q": stay.case.number})
    [event] = _searches()
    assert event.summary == {"via": "api", "term": "reference", "reference": stay.case.number}
