from __future__ import annotations

import json

import pytest

from conftest import PERSONAS
from sigap.accounts.models import Role
from sigap.accounts.services import api_token_create
from sigap.accounts.tests.factories import user_with_role
from sigap.cases import services
from sigap.cases.models import Case, Stage
from sigap.cases.tests.factories import advance, make_child, make_person, open_case
from sigap.core.models import AuditEvent

pytestmark = pytest.mark.django_db

API = "/api/v1"


def post(client, path, body):
    return client.post(API + path, json.dumps(body), content_type="application/json")


def patch(client, path, body):
    return client.patch(API + path, json.dumps(body), content_type="application/json")


def test_create_case_201_with_id_and_number(client, case_worker, home_agency):
    child = make_child(home_agency, case_worker)  # registered by the worker, so visible to them
    _token, secret = api_token_create(actor=case_worker, name="t")
    response = client.post(
        API + "/cases",
        json.dumps({"child_id": str(child.pk), "ampk_categories": ["d"], "risk_level": "high"}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    case = Case.objects.get()
    assert body == {"id": str(case.pk), "number": case.number}
    assert case.lead_agency == home_agency


def test_create_case_bad_input_is_422_and_writes_nothing(
    client, case_worker, outsider, other_agency
):
    client.force_login(case_worker)
    hidden = make_child(other_agency, outsider)
    response = post(client, "/cases", {"child_id": str(hidden.pk)})
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "child_id"
    response = post(client, "/cases", {"child_id": "not-a-uuid"})
    assert response.status_code == 422
    assert not Case.objects.exists()


def test_create_case_refused_for_analyst(client, analyst, child):
    client.force_login(analyst)
    assert post(client, "/cases", {"child_id": str(child.pk)}).status_code == 403


def test_list_filters_and_pagination(client, case_worker, supervisor, home_agency):
    low = open_case(case_worker, home_agency, risk_level="low")
    high = open_case(case_worker, home_agency, risk_level="high")
    advance(high, Stage.ASSESSMENT, case_worker, supervisor)
    client.force_login(case_worker)
    body = client.get(API + "/cases").json()
    assert body["count"] == 2 and not body["count_is_capped"]
    assert {i["number"] for i in body["items"]} == {low.number, high.number}
    assert [i["number"] for i in client.get(API + "/cases?risk=low").json()["items"]] == [
        low.number
    ]
    assert [i["number"] for i in client.get(API + "/cases?stage=assessment").json()["items"]] == [
        high.number
    ]
    assert [i["number"] for i in client.get(API + f"/cases?q={high.number}").json()["items"]] == [
        high.number
    ]
    page = client.get(API + "/cases?limit=1&offset=1").json()
    assert len(page["items"]) == 1 and page["count"] == 2
    assert client.get(API + "/cases?limit=1000").status_code == 422


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_detail_per_persona_and_audit(client, persona, request, case):
    name = request.node.callspec.params["persona"]
    client.force_login(persona)
    response = client.get(API + f"/cases/{case.pk}")
    expected = {
        "case_worker": 200,
        "supervisor": 200,
        "analyst": 403,
        "agency_admin": 403,
        "system_admin": 403,
    }
    assert response.status_code == expected.get(name, 404)
    viewed = AuditEvent.objects.filter(action="case.view", object_id=str(case.pk))
    if response.status_code == 200:
        body = response.json()
        assert body["number"] == case.number and body["version"] == case.version
        assert viewed.get().summary["via"] == "api"
    else:
        assert response["Content-Type"] == "application/problem+json"
        assert not viewed.exists()


def test_list_hides_cases_one_may_not_see(client, case, outsider):
    client.force_login(outsider)
    assert client.get(API + "/cases").json()["count"] == 0


def test_transition_200_and_409_naming_the_gate(client, case, case_worker):
    client.force_login(case_worker)
    response = post(client, f"/cases/{case.pk}/transitions", {"to": "assessment"})
    assert response.status_code == 200, response.content
    assert response.json()["stage"] == "assessment"
    response = post(client, f"/cases/{case.pk}/transitions", {"to": "planning"})
    assert response.status_code == 409
    body = response.json()
    assert response["Content-Type"] == "application/problem+json"
    assert body["gate"] == "completed_assessment"
    assert body["current_stage"] == "assessment" and body["target_stage"] == "planning"
    response = post(client, f"/cases/{case.pk}/transitions", {"to": "review"})
    assert response.status_code == 409 and response.json()["gate"] is None


def test_transition_with_stale_version_is_409(client, case, case_worker):
    client.force_login(case_worker)
    response = post(client, f"/cases/{case.pk}/transitions", {"to": "assessment", "version": 99})
    assert response.status_code == 409
    assert response.json()["current_version"] == case.version
    case.refresh_from_db()
    assert case.stage == Stage.INTAKE


def test_patch_and_stale_patch(client, case, case_worker):
    client.force_login(case_worker)
    response = patch(
        client,
        f"/cases/{case.pk}",
        {
            "version": case.version,
            "ampk_categories": ["d", "h"],
            "exploitation_activity": "begging",
        },
    )
    assert response.status_code == 200, response.content
    assert response.json()["ampk_categories"] == ["d", "h"]
    stale = patch(client, f"/cases/{case.pk}", {"version": case.version, "summary": "x"})
    assert stale.status_code == 409
    bad = patch(
        client, f"/cases/{case.pk}", {"version": case.version + 1, "ampk_categories": ["zz"]}
    )
    assert bad.status_code == 422


def test_full_workflow_through_the_api(client, case, case_worker, supervisor, home_agency):
    client.force_login(case_worker)
    base = f"/cases/{case.pk}"
    assert post(client, base + "/transitions", {"to": "assessment"}).status_code == 200
    scores = {f"{k}_score": 2 for k in ("safety", "health", "education", "family", "psychosocial")}
    draft = post(client, base + "/assessments", {**scores})
    assert draft.status_code == 201
    a = draft.json()
    incomplete = patch(
        client, base + f"/assessments/{a['id']}", {"version": a["version"], "complete": True}
    )
    assert incomplete.status_code == 422
    assert incomplete.json()["errors"][0]["field"] == "legal_score"
    done = patch(
        client,
        base + f"/assessments/{a['id']}",
        {"version": a["version"], "legal_score": 0, "complete": True},
    )
    assert done.status_code == 200 and done.json()["status"] == "completed"
    assert post(client, base + "/transitions", {"to": "planning"}).status_code == 200
    plan = post(client, base + "/plans", {"goals": "Back to school"}).json()
    no_owner = post(
        client,
        base + f"/plans/{plan['id']}/actions",
        {"description": "Visit", "due_on": "2030-01-01"},
    )
    assert no_owner.status_code == 422
    assert {e["field"] for e in no_owner.json()["errors"]} == {
        "responsible_agency",
        "responsible_person",
    }
    action = post(
        client,
        base + f"/plans/{plan['id']}/actions",
        {
            "description": "Visit",
            "due_on": "2030-01-01",
            "responsible_agency_id": home_agency.pk,
            "responsible_person": "Dewi",
        },
    )
    assert action.status_code == 201
    gate = post(client, base + "/transitions", {"to": "implementation"})
    assert gate.status_code == 409 and gate.json()["gate"] == "approved_plan"
    plan_version = client.get(API + base + "/plans").json()[0]["version"]
    request = post(client, base + f"/plans/{plan['id']}/submit", {"version": plan_version})
    assert request.status_code == 201
    approval_id = request.json()["id"]
    # The requester cannot decide their own request; a case worker has no queue at all.
    assert (
        post(client, f"/approvals/{approval_id}/decision", {"decision": "approve"}).status_code
        == 403
    )
    client.force_login(supervisor)
    queue = client.get(API + "/approvals").json()
    assert [i["id"] for i in queue["items"]] == [approval_id]
    decided = post(client, f"/approvals/{approval_id}/decision", {"decision": "approve"})
    assert decided.status_code == 200 and decided.json()["status"] == "approved"
    client.force_login(case_worker)
    assert post(client, base + "/transitions", {"to": "implementation"}).status_code == 200
    note = post(
        client,
        base + "/notes",
        {"kind": "home_visit", "occurred_on": "2026-01-02", "text": "Visited"},
    )
    assert note.status_code == 201
    assert client.get(API + base + "/notes").json()["count"] == 1
    closing = post(client, base + "/transitions", {"to": "closure", "reason": "reintegrated"})
    assert closing.status_code == 409 and closing.json()["gate"] == "closure_approval"
    closure = post(client, base + "/closure-requests", {"reason": "reintegrated"}).json()
    client.force_login(supervisor)
    post(client, f"/approvals/{closure['id']}/decision", {"decision": "approve"})
    client.force_login(case_worker)
    closed = post(client, base + "/transitions", {"to": "closure", "reason": "reintegrated"})
    assert closed.status_code == 200 and closed.json()["closure_reason"] == "reintegrated"
    timeline = client.get(API + base + "/timeline").json()
    kinds = {e["kind"] for e in timeline}
    assert {
        "case.opened",
        "case.stage_changed",
        "approval.approved",
        "case.note.home_visit",
    } <= kinds
    reopen = post(client, base + "/transitions", {"to": "assessment"})
    assert reopen.status_code == 409 and reopen.json()["gate"] == "reopen_reason"


def test_self_approval_is_refused_in_the_api(client, case, supervisor):
    client.force_login(supervisor)
    approval = post(client, f"/cases/{case.pk}/closure-requests", {"reason": "duplicate"}).json()
    response = post(client, f"/approvals/{approval['id']}/decision", {"decision": "approve"})
    assert response.status_code == 422
    assert "another supervisor" in json.dumps(response.json())


def test_team_and_people(client, case, case_worker, psychologist, analyst):
    client.force_login(case_worker)
    ok = post(
        client, f"/cases/{case.pk}/team", {"user_id": psychologist.pk, "role": "psychologist"}
    )
    assert ok.status_code == 201
    bad = post(client, f"/cases/{case.pk}/team", {"user_id": analyst.pk, "role": "other"})
    assert bad.status_code == 422
    person = make_person(case.lead_agency, case_worker)
    linked = post(client, f"/cases/{case.pk}/people", {"person_id": person.pk, "role": "organiser"})
    assert linked.status_code == 201
    assert (
        post(
            client, f"/cases/{case.pk}/people", {"person_id": 999999, "role": "organiser"}
        ).status_code
        == 422
    )


def test_writes_on_an_invisible_case_are_404(client, case, outsider):
    client.force_login(outsider)
    assert post(client, f"/cases/{case.pk}/transitions", {"to": "assessment"}).status_code == 404
    assert (
        post(
            client,
            f"/cases/{case.pk}/notes",
            {"kind": "other", "occurred_on": "2026-01-01", "text": "x"},
        ).status_code
        == 404
    )


def test_psychologist_on_team_may_note_but_not_move(client, case, psychologist, supervisor):
    services.team_member_add(actor=supervisor, case=case, user=psychologist, role="psychologist")
    client.force_login(psychologist)
    assert post(client, f"/cases/{case.pk}/transitions", {"to": "assessment"}).status_code == 403
    note = post(
        client,
        f"/cases/{case.pk}/notes",
        {"kind": "meeting", "occurred_on": "2026-01-01", "text": "x"},
    )
    assert note.status_code == 201


def test_other_agency_supervisor_cannot_decide(client, case, case_worker, other_agency):
    approval = services.closure_request(actor=case_worker, case=case, reason="duplicate")
    other = user_with_role(Role.SUPERVISOR, other_agency)
    client.force_login(other)
    assert (
        post(client, f"/approvals/{approval.pk}/decision", {"decision": "approve"}).status_code
        == 404
    )
