"""The suggestions while registering a child are a search of the registry: audited like the
child list (the name only as a digest), once per name in a while however often the form asks."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from sigap.core.models import AuditEvent
from sigap.core.search_audit import search_term_digest

pytestmark = pytest.mark.django_db


def _searches() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="child.search").order_by("id"))


def _stored(event: AuditEvent) -> str:
    """Every stored column of the event, as the database holds it."""
    return " ".join(str(v) for v in AuditEvent.objects.filter(pk=event.pk).values().get().values())


def test_an_empty_form_writes_no_event(client: Client, case_worker: Any, rizki: Any) -> None:
    client.force_login(case_worker)
    assert client.get(reverse("dedupe:suggest")).status_code == 200
    assert (
        client.get(reverse("dedupe:suggest"), {"full_name": " ", "sex": "male"}).status_code == 200
    )
    assert _searches() == []


def test_a_name_is_one_search_without_the_name(
    client: Client, case_worker: Any, rizki: Any
) -> None:
    client.force_login(case_worker)
    url = reverse("dedupe:suggest")
    name = "Muhammad Rizki Pratama"
    first = client.get(url, {"full_name": name})
    assert "Muhammad Rizki Pratama" in first.content.decode()
    # the form asks again as the other fields are filled in: the same search
    client.get(url, {"full_name": name, "sex": "male", "birth_date": "2015-03-14"})
    client.get(url, {"full_name": name.lower(), "mother_name": "Siti Aminah"})
    [event] = _searches()
    assert event.actor_id == case_worker.pk
    assert event.summary == {
        "via": "dedupe",
        "term": "name",
        "term_digest": search_term_digest(name),
    }
    stored = _stored(event).casefold()
    for word in ("rizki", "pratama", "siti", "aminah", "2015-03-14"):
        assert word not in stored
    # another name is another search, and the same one again once the window has passed
    client.get(url, {"aliases": "Kiki"})
    cache.clear()
    client.get(url, {"full_name": name})
    assert [e.summary["term_digest"] for e in _searches()] == [
        search_term_digest(name),
        search_term_digest("Kiki"),
        search_term_digest(name),
    ]
