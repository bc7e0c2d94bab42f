"""Pages: allow and deny per role, bad input next to the field (422), audited reads, pinned
query counts on the lists."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import PERSONAS
from sigap.care import services
from sigap.care.models import CareArrangement, EducationRecord, ProgressNote, SchoolRecommendation
from sigap.cases.tests.factories import make_child, open_case
from sigap.core.models import AuditEvent

INDICATORS = {"mood": 3, "behaviour": 4, "sleep": 2, "appetite": 4, "social": 3, "trauma": 2}

# Who sees what for a case led by the case worker with the psychologist on its team.
CASE_PAGE = {
    "case_worker": 200,
    "psychologist": 200,
    "supervisor": 200,
    "intake_officer": 404,  # did not open this case
    "police_officer": 404,
    "lksa_staff": 404,
    "outsider": 404,
    "analyst": 403,  # sees no child data at all
    "agency_admin": 403,
    "system_admin": 403,
}
NOTES_PAGE = CASE_PAGE | {"police_officer": 403, "lksa_staff": 403, "intake_officer": 403}
NOTE_ADD = dict.fromkeys(PERSONAS, 403) | {"psychologist": 200}


def _get(client: Any, persona: Any, url: str) -> Any:
    if persona is not None:
        client.force_login(persona)
    return client.get(url)


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"], indirect=True)
def test_case_care_page_per_role(client, persona, case, request):
    response = _get(client, persona, reverse("care:case", kwargs={"case_id": case.pk}))
    if persona is None:
        assert response.status_code == 302
        return
    name = next(p for p in PERSONAS if request.getfixturevalue(p) == persona)
    assert response.status_code == CASE_PAGE[name], name


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_notes_page_per_role(client, persona, case, request):
    name = next(p for p in PERSONAS if request.getfixturevalue(p) == persona)
    response = _get(client, persona, reverse("care:notes", kwargs={"case_id": case.pk}))
    assert response.status_code == NOTES_PAGE[name], name
    audited = AuditEvent.objects.filter(action="care.progress_notes.view", actor=persona).exists()
    assert audited == (response.status_code == 200)


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_note_add_page_per_role(client, persona, case, request):
    name = next(p for p in PERSONAS if request.getfixturevalue(p) == persona)
    response = _get(client, persona, reverse("care:note_add", kwargs={"case_id": case.pk}))
    expected = NOTE_ADD[name]  # the rule (a psychologist at all) is checked first
    assert response.status_code == expected, name


def test_intake_officer_who_opened_the_case_sees_care_but_not_notes(
    client, intake_officer, home_agency, capacity
):
    case = open_case(intake_officer, home_agency, make_child(home_agency, intake_officer))
    client.force_login(intake_officer)
    assert client.get(reverse("care:case", kwargs={"case_id": case.pk})).status_code == 200
    assert client.get(reverse("care:notes", kwargs={"case_id": case.pk})).status_code == 403


def test_sensitive_section_on_care_page_is_audited_and_hidden(
    client, case, psychologist, intake_officer
):
    services.progress_note_add(
        actor=psychologist,
        case=case,
        noted_on=timezone.localdate(),
        narrative="Secret words",
        **INDICATORS,
    )
    client.force_login(psychologist)
    body = client.get(reverse("care:case", kwargs={"case_id": case.pk})).content.decode()
    assert 'type="application/json"' in body and "data-progress-chart" in body
    assert (
        AuditEvent.objects.filter(action="care.progress_notes.view", actor=psychologist).count()
        == 1
    )


def test_admit_form_and_bad_input(client, case, case_worker):
    client.force_login(case_worker)
    url = reverse("care:admit", kwargs={"case_id": case.pk})
    assert client.get(url).status_code == 200
    future = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        url,
        {"admitted_at": future, "reason": "Street", "brought_by": "Satpol PP", "belongings": "Bag"},
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert "is-invalid" in body and "Bag" in body  # the other input is kept
    assert not CareArrangement.objects.exists()
    now = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    response = client.post(url, {"admitted_at": now, "reason": "Street", "brought_by": "Satpol PP"})
    assert response.status_code == 302
    stay = CareArrangement.objects.get()
    # Admitting again: a clear message at the top, nothing written.
    response = client.post(url, {"admitted_at": now, "reason": "Street", "brought_by": "Satpol PP"})
    assert response.status_code == 422 and "already staying" in response.content.decode()
    # Discharge before the admission.
    durl = reverse("care:discharge", kwargs={"pk": stay.pk})
    before = (timezone.localtime(stay.started_at) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        durl,
        {
            "version": stay.version,
            "discharged_at": before,
            "destination": "Home",
            "reason": "Family ready",
        },
    )
    assert response.status_code == 422 and "before the admission" in response.content.decode()
    response = client.post(
        durl,
        {
            "version": stay.version,
            "discharged_at": now,
            "destination": "Home",
            "reason": "Family ready",
        },
    )
    assert response.status_code == 302
    stay.refresh_from_db()
    assert not stay.is_active
    # A stale form: 409, nothing overwritten.
    response = client.post(
        durl, {"version": 1, "discharged_at": now, "destination": "X", "reason": "Y"}
    )
    assert response.status_code == 409


def test_psychologist_writes_note_via_form(client, case, psychologist):
    client.force_login(psychologist)
    url = reverse("care:note_add", kwargs={"case_id": case.pk})
    page = client.get(url).content.decode()
    assert "Cries often" in page or "cries often" in page.lower()  # anchors explained
    data = {"noted_on": timezone.localdate().isoformat(), "narrative": "Slept better"} | INDICATORS
    bad = client.post(url, data | {"mood": "7"})
    assert bad.status_code == 422 and not ProgressNote.objects.exists()
    future = client.post(
        url, data | {"noted_on": (timezone.localdate() + timedelta(days=1)).isoformat()}
    )
    assert future.status_code == 422 and "future" in future.content.decode()
    assert client.post(url, data).status_code == 302
    note = ProgressNote.objects.get()
    edit = reverse("care:note_edit", kwargs={"case_id": case.pk, "pk": note.pk})
    assert client.post(edit, data | {"version": note.version, "mood": "5"}).status_code == 302
    note.refresh_from_db()
    assert note.mood == 5


def test_school_flow_via_pages(client, case, psychologist, supervisor, case_worker):
    client.force_login(case_worker)
    edu_url = reverse("care:education_add", kwargs={"case_id": case.pk})
    form = {
        "school_name": "SDN 1",
        "grade": "4",
        "started_on": timezone.localdate().isoformat(),
        "follow_up_interval_days": 14,
    }
    response = client.post(edu_url, form)
    assert response.status_code == 422 and "approved by a supervisor" in response.content.decode()
    client.force_login(psychologist)
    client.post(
        reverse("care:recommend", kwargs={"case_id": case.pk}), {"grounds": "Stable for 14 days"}
    )
    rec = SchoolRecommendation.objects.get()
    decide = reverse("care:recommendation_decide", kwargs={"pk": rec.pk})
    assert client.get(decide).status_code == 403  # not a supervisor
    client.force_login(supervisor)
    assert client.post(decide, {"decision": "reject"}).status_code == 422  # needs a comment
    assert client.post(decide, {"decision": "approve"}).status_code == 302
    client.force_login(case_worker)
    assert client.post(edu_url, form).status_code == 302
    record = EducationRecord.objects.get()
    fu = reverse("care:follow_up_add", kwargs={"pk": record.pk})
    assert (
        client.post(
            fu, {"checked_on": timezone.localdate().isoformat(), "attendance": "dropped_out"}
        ).status_code
        == 302
    )
    tasks = client.get(reverse("care:tasks")).content.decode()
    assert "dropped out" in tasks


def test_family_pages(client, case, case_worker, psychologist):
    client.force_login(psychologist)
    url = reverse("care:family_add", kwargs={"case_id": case.pk})
    assert 'value="parenting" selected' in client.get(url + "?jenis=parenting").content.decode()
    response = client.post(
        url,
        {
            "kind": "parenting",
            "occurred_on": timezone.localdate().isoformat(),
            "participants": "Mother",
            "attended": "on",
            "topic": "Routines",
        },
    )
    assert response.status_code == 302
    client.force_login(case_worker)
    response = client.post(
        reverse("care:commitment_add", kwargs={"case_id": case.pk}),
        {
            "signed_by": "Ibu Sari",
            "signed_on": timezone.localdate().isoformat(),
            "terms": "No street work",
        },
    )
    assert response.status_code == 302
    response = client.post(
        reverse("care:repeat_add", kwargs={"case_id": case.pk}),
        {"occurred_on": timezone.localdate().isoformat(), "description": "Selling tissues again"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.risk_level == "high"
    page = client.get(reverse("care:case", kwargs={"case_id": case.pk})).content.decode()
    assert "Selling tissues again" in page and "Routines" in page


def test_legal_pages(client, case, case_worker, police_agency):
    client.force_login(case_worker)
    response = client.post(
        reverse("care:legal_add", kwargs={"case_id": case.pk}),
        {
            "target": "organiser",
            "target_name": "Pak Oknum",
            "allegation": "Brings children to the street",
            "police_agency": police_agency.pk,
            "reported_on": timezone.localdate().isoformat(),
            "police_case_number": "LP/B/7/2026",
        },
    )
    assert response.status_code == 302
    action = case.legal_actions.get()
    url = reverse("care:legal_update", kwargs={"pk": action.pk})
    response = client.post(url, {"version": action.version, "status": "convicted"})
    assert response.status_code == 422


def test_reassign_and_caseload_pages(client, case, supervisor, case_worker, home_agency):
    from sigap.accounts.models import Role
    from sigap.accounts.tests.factories import user_with_role

    other = user_with_role(Role.CASE_WORKER, home_agency, username="pekerja2")
    client.force_login(case_worker)
    assert client.get(reverse("care:caseload")).status_code == 403
    assert client.get(reverse("care:reassign", kwargs={"case_id": case.pk})).status_code == 403
    client.force_login(supervisor)
    page = client.get(reverse("care:caseload") + f"?pekerja={case_worker.pk}")
    assert page.status_code == 200 and case.number in page.content.decode()
    url = reverse("care:reassign", kwargs={"case_id": case.pk})
    assert client.post(url, {"to_user": other.pk, "reason": ""}).status_code == 422
    assert client.post(url, {"to_user": other.pk, "reason": "Leave"}).status_code == 302


def test_capacity_page(client, home_agency, supervisor, case_worker):
    client.force_login(case_worker)
    assert (
        client.get(reverse("care:capacity", kwargs={"agency_id": home_agency.pk})).status_code
        == 403
    )
    client.force_login(supervisor)
    url = reverse("care:capacity", kwargs={"agency_id": home_agency.pk})
    data = {f"{s}_{g}": 3 for s in ("male", "female") for g in ("0-5", "6-12", "13-17")}
    assert client.post(url, data | {"male_0-5": -2}).status_code == 422
    assert client.post(url, data).status_code == 302


def test_task_complete_page(client, case, supervisor, case_worker):
    task = services._raise_task(
        case=case,
        kind="dropped_out",
        title="Visit the family",
        due_on=timezone.localdate(),
        assignee_id=case_worker.pk,
    )
    url = reverse("care:task_complete", kwargs={"pk": task.pk})
    client.force_login(supervisor)
    assert client.get(url).status_code == 403
    client.force_login(case_worker)
    assert client.post(url, {"note": "Visited"}).status_code == 302
    task.refresh_from_db()
    assert task.status == "done"


def test_child_panel_shows_chart_to_psychologist_only(
    client, case, psychologist, case_worker, intake_officer
):
    from sigap.children.access import child_panels_for

    services.progress_note_add(
        actor=psychologist, case=case, noted_on=timezone.localdate(), narrative="n", **INDICATORS
    )
    [panel] = [p for p in child_panels_for(case.child, psychologist) if p.key == "care"]
    assert panel.context["section"].chart["labels"]
    assert AuditEvent.objects.filter(action="care.progress_notes.view", actor=psychologist).exists()
    # The intake officer sees the child (registered it) but no case: no care panel.
    assert not [p for p in child_panels_for(case.child, intake_officer) if p.key == "care"]


def test_timeline_shows_care_events_without_note_content(case, case_worker, psychologist, stay):
    from sigap.cases.timeline import case_timeline

    services.progress_note_add(
        actor=psychologist,
        case=case,
        noted_on=timezone.localdate(),
        narrative="Private words",
        **INDICATORS,
    )
    kinds = {e.kind for e in case_timeline(case)}
    assert {"care.shelter.admitted", "care.progress_note"} <= kinds
    assert all("Private words" not in e.detail for e in case_timeline(case))


# --- query counts (constant as data grows) ---------------------------------------------------------


def _more_children_in_shelter(n, home_agency, intake_officer, case_worker, psychologist):
    from sigap.care.models import ShelterCapacity
    from sigap.cases import services as case_services

    ShelterCapacity.objects.update(places=20)
    for i in range(n):
        sex = "female" if i % 2 else "male"
        other = open_case(
            case_worker, home_agency, make_child(home_agency, intake_officer, sex=sex)
        )
        case_services.team_member_add(
            actor=case_worker, case=other, user=psychologist, role="psychologist"
        )
        services.shelter_admit(actor=case_worker, case=other, reason="r", brought_by="b")
        services.progress_note_add(
            actor=psychologist,
            case=other,
            noted_on=timezone.localdate(),
            narrative="n",
            **INDICATORS,
        )
        services.recommendation_request(actor=psychologist, case=other, grounds="g")


def _count(django_assert_max_num_queries: Any, client: Any, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm the per-process caches and the navigation badge (cached a minute)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url_name", ["care:shelter", "care:tasks", "care:caseload"])
def test_list_query_counts_are_constant(
    client,
    case,
    stay,
    supervisor,
    psychologist,
    case_worker,
    home_agency,
    intake_officer,
    url_name,
    django_assert_max_num_queries,
):
    client.force_login(supervisor)
    url = reverse(url_name)
    before = _count(django_assert_max_num_queries, client, url)
    _more_children_in_shelter(4, home_agency, intake_officer, case_worker, psychologist)
    after = _count(django_assert_max_num_queries, client, url)
    assert before == after, (before, after)


# The navigation badge (open_task_count, ~10 queries for a supervisor) is cached per user for a
# minute, so after the warm-up request it costs nothing here. Pages scoped by case visibility
# make one small query for the supervisor's current break-the-glass grants (referrals).
PINNED = {"care:shelter": 11, "care:tasks": 16, "care:caseload": 18}


@pytest.mark.parametrize("url_name", list(PINNED))
def test_list_query_counts_pinned(
    client, case, stay, supervisor, url_name, django_assert_num_queries
):
    client.force_login(supervisor)
    url = reverse(url_name)
    client.get(url)  # warm caches that are per process (site, content types)
    with django_assert_num_queries(PINNED[url_name]):
        client.get(url)


def test_care_page_query_count_is_constant(client, case, stay, psychologist, case_worker):
    client.force_login(psychologist)
    url = reverse("care:case", kwargs={"case_id": case.pk})
    before = _count(None, client, url)
    for d in range(3):
        services.progress_note_add(
            actor=psychologist,
            case=case,
            noted_on=timezone.localdate() - timedelta(days=d),
            narrative="n",
            **INDICATORS,
        )
        services.family_intervention_add(
            actor=psychologist,
            case=case,
            kind="parenting",
            occurred_on=timezone.localdate(),
            participants="p",
            topic="t",
        )
    services.commitment_add(
        actor=case_worker, case=case, signed_by="s", signed_on=timezone.localdate(), terms="t"
    )
    assert _count(None, client, url) == before
