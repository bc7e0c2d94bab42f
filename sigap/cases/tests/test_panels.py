"""What cases adds to the child and person pages, and the supervisors' nav badge."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from sigap.cases import services
from sigap.cases.panels import child_cases_panel, person_cases_panel
from sigap.cases.selectors import waiting_approvals
from sigap.cases.tests.factories import make_child, make_person, open_case

pytestmark = pytest.mark.django_db


def _ctx(context: dict[str, Any] | None) -> dict[str, Any]:
    assert context is not None
    return context


def test_person_panel_shows_the_visible_network_only(
    case_worker, outsider, home_agency, other_agency, supervisor
):
    organiser = make_person(home_agency, case_worker, role="organiser")
    mine = [open_case(case_worker, home_agency) for _ in range(2)]
    theirs = open_case(outsider, other_agency)
    for case in [*mine, theirs]:
        services.case_person_link(
            actor=case.created_by, case=case, person=organiser, role="organiser"
        )
    links = _ctx(person_cases_panel(organiser, case_worker))["links"]
    assert {link.case for link in links} == set(mine)
    assert {link.case.child for link in links} == {c.child for c in mine}
    assert _ctx(person_cases_panel(organiser, supervisor))["links"] != []


def test_child_panel_lists_visible_cases_and_offers_opening(
    case, case_worker, analyst, psychologist
):
    context = _ctx(child_cases_panel(case.child, case_worker))
    assert context["cases"] == [case] and context["can_open_case"]
    assert child_cases_panel(case.child, analyst) is None
    assert _ctx(child_cases_panel(case.child, psychologist))["cases"] == []


def test_child_page_shows_the_cases_panel(client, case, case_worker):
    client.force_login(case_worker)
    page = client.get(reverse("children:child_detail", args=[case.child.pk])).content.decode()
    assert case.number in page


def test_person_page_shows_the_network(client, case_worker, home_agency):
    organiser = make_person(home_agency, case_worker, role="organiser")
    case = open_case(
        case_worker, home_agency, make_child(home_agency, case_worker, full_name="Sari Dewi")
    )
    services.case_person_link(actor=case_worker, case=case, person=organiser, role="organiser")
    client.force_login(case_worker)
    page = client.get(reverse("children:person_detail", args=[organiser.pk])).content.decode()
    assert case.number in page and "Sari Dewi" in page


def test_waiting_approvals_badge_excludes_own_requests(case, case_worker, supervisor):
    services.closure_request(actor=supervisor, case=case, reason="duplicate")
    assert waiting_approvals(supervisor) == 0
    other = open_case(case_worker, case.lead_agency)
    services.closure_request(actor=case_worker, case=other, reason="duplicate")
    assert waiting_approvals(supervisor) == 1
