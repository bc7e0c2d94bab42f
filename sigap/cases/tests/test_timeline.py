from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from sigap.cases import services, timeline
from sigap.cases.models import Stage
from sigap.cases.timeline import TimelineEntry, case_timeline, register_timeline_source

pytestmark = pytest.mark.django_db


@pytest.fixture
def extra_source(monkeypatch):
    monkeypatch.setattr(timeline, "_sources", list(timeline.BUILTIN_SOURCES))

    def shelter(case):
        yield TimelineEntry(
            at=timezone.now() + timedelta(minutes=5),
            kind="shelter.admitted",
            title="Admitted to the shelter",
        )

    register_timeline_source(shelter)
    register_timeline_source(shelter)  # idempotent
    return shelter


def test_builtin_events_newest_first(case, case_worker):
    services.case_transition(actor=case_worker, case=case, to=Stage.ASSESSMENT, reason="ready")
    services.note_add(
        actor=case_worker, case=case, kind="phone_call", occurred_on=date(2020, 1, 1), text="Called"
    )
    case.refresh_from_db()
    services.case_change_risk(
        actor=case_worker, case=case, version=case.version, risk_level="low", reason="Safer"
    )
    entries = case_timeline(case)
    kinds = [e.kind for e in entries]
    assert kinds[-1] == "case.note.phone_call"  # dated 2020: the oldest
    assert {"case.opened", "case.stage_changed", "case.risk_changed"} <= set(kinds)
    assert [e.at for e in entries] == sorted((e.at for e in entries), reverse=True)


def test_later_domains_add_events_without_changing_cases(client, case, case_worker, extra_source):
    assert timeline.timeline_sources().count(extra_source) == 1
    assert case_timeline(case)[0].kind == "shelter.admitted"
    client.force_login(case_worker)
    page = client.get(reverse("cases:case-detail", args=[case.pk])).content.decode()
    assert "Admitted to the shelter" in page


def test_sources_cost_constant_queries(
    case, case_worker, supervisor, django_assert_num_queries, monkeypatch
):
    monkeypatch.setattr(timeline, "_sources", list(timeline.BUILTIN_SOURCES))
    with django_assert_num_queries(6) as few:
        case_timeline(case)
    for i in range(10):
        services.note_add(
            actor=case_worker, case=case, kind="meeting", occurred_on=date(2026, 1, 1), text=str(i)
        )
    with django_assert_num_queries(len(few.captured_queries)):
        case_timeline(case)


def test_closure_shows_the_reason_label(case, case_worker, supervisor):
    from sigap.cases.tests.factories import close

    close(case, case_worker, supervisor, reason="turned_18")
    closing = next(e for e in case_timeline(case) if e.title.endswith("Closed"))
    assert closing.detail == "Turned 18"
