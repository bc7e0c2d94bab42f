"""The care API: same policies as the pages, problem+json errors, documented in the OpenAPI."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from sigap.core.models import AuditEvent

INDICATORS = {"mood": 3, "behaviour": 4, "sleep": 2, "appetite": 4, "social": 3, "trauma": 2}
PROBLEM = "application/problem+json"


def _post(client, url, data):
    return client.post(url, data, content_type="application/json")


def test_openapi_documents_the_care_endpoints(client, case_worker):
    client.force_login(case_worker)
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/shelter-stays",
        "/api/v1/cases/{case_id}/shelter-admissions",
        "/api/v1/shelter-stays/{stay_id}/discharge",
        "/api/v1/cases/{case_id}/progress-notes",
        "/api/v1/cases/{case_id}/school-recommendations",
        "/api/v1/school-recommendations/{rec_id}/decision",
        "/api/v1/cases/{case_id}/education-records",
        "/api/v1/education-records/{record_id}/follow-ups",
        "/api/v1/cases/{case_id}/family-interventions",
        "/api/v1/cases/{case_id}/commitments",
        "/api/v1/cases/{case_id}/repeat-exploitations",
        "/api/v1/cases/{case_id}/legal-actions",
        "/api/v1/tasks",
    ):
        assert path in paths, path


def test_admission_and_discharge(client, case, case_worker, outsider):
    url = f"/api/v1/cases/{case.pk}/shelter-admissions"
    client.force_login(outsider)
    assert _post(client, url, {"reason": "r", "brought_by": "b"}).status_code == 404
    client.force_login(case_worker)
    future = (timezone.now() + timedelta(days=1)).isoformat()
    bad = _post(client, url, {"reason": "r", "brought_by": "b", "admitted_at": future})
    assert bad.status_code == 422 and bad["Content-Type"] == PROBLEM
    assert bad.json()["errors"][0]["field"] == "admitted_at"
    response = _post(client, url, {"reason": "Street", "brought_by": "Satpol PP"})
    assert response.status_code == 201, response.content
    stay = response.json()
    assert stay["days"] == 1 and stay["age_group"] == "6-12"
    again = _post(client, url, {"reason": "Street", "brought_by": "Satpol PP"})
    assert again.status_code == 422 and "already staying" in again.json()["errors"][0]["message"]
    listed = client.get("/api/v1/shelter-stays").json()
    assert listed["count"] == 1 and listed["items"][0]["child_name"] == case.child.full_name
    durl = f"/api/v1/shelter-stays/{stay['id']}/discharge"
    before = (timezone.now() - timedelta(days=3)).isoformat()
    early = _post(
        client,
        durl,
        {"version": stay["version"], "reason": "r", "destination": "d", "discharged_at": before},
    )
    assert early.status_code == 422 and early.json()["errors"][0]["field"] == "discharged_at"
    done = _post(
        client, durl, {"version": stay["version"], "reason": "Family ready", "destination": "Home"}
    )
    assert done.status_code == 200 and done.json()["status"] == "ended"
    stale = _post(client, durl, {"version": stay["version"], "reason": "x", "destination": "y"})
    assert stale.status_code == 409


def test_outsider_sees_no_shelter_rows(client, case, stay, outsider):
    client.force_login(outsider)
    assert client.get("/api/v1/shelter-stays").json()["count"] == 0


def test_progress_notes_api(client, case, psychologist, case_worker, stay):
    url = f"/api/v1/cases/{case.pk}/progress-notes"
    today = timezone.localdate()
    client.force_login(case_worker)
    assert (
        _post(
            client, url, {"noted_on": today.isoformat(), "narrative": "n", **INDICATORS}
        ).status_code
        == 403
    )
    client.force_login(psychologist)
    out_of_scale = _post(
        client, url, {"noted_on": today.isoformat(), "narrative": "n", **INDICATORS, "sleep": 9}
    )
    assert out_of_scale.status_code == 422 and out_of_scale.json()["errors"][0]["field"] == "sleep"
    future = _post(
        client,
        url,
        {"noted_on": (today + timedelta(days=1)).isoformat(), "narrative": "n", **INDICATORS},
    )
    assert future.status_code == 422 and future.json()["errors"][0]["field"] == "noted_on"
    created = _post(
        client, url, {"noted_on": today.isoformat(), "narrative": "Calmer", **INDICATORS}
    )
    assert created.status_code == 201, created.content
    client.force_login(case_worker)
    listed = client.get(url).json()
    assert listed["count"] == 1 and len(listed["days_without_note"]) == 4
    assert AuditEvent.objects.filter(action="care.progress_notes.view", actor=case_worker).exists()
    client.force_login(psychologist)
    note = created.json()
    patched = client.patch(
        f"{url}/{note['id']}",
        {"version": note["version"], "narrative": "x", **INDICATORS, "mood": 5},
        content_type="application/json",
    )
    assert patched.status_code == 200 and patched.json()["mood"] == 5


def test_recommendation_and_education_api(client, case, psychologist, supervisor, case_worker):
    edu = f"/api/v1/cases/{case.pk}/education-records"
    client.force_login(case_worker)
    body = {"school_name": "SDN 1", "grade": "4", "started_on": timezone.localdate().isoformat()}
    blocked = _post(client, edu, body)
    assert blocked.status_code == 422 and "approved" in blocked.json()["errors"][0]["message"]
    client.force_login(psychologist)
    rec = _post(
        client, f"/api/v1/cases/{case.pk}/school-recommendations", {"grounds": "Stable"}
    ).json()
    decision = f"/api/v1/school-recommendations/{rec['id']}/decision"
    assert _post(client, decision, {"decision": "approve"}).status_code == 403
    client.force_login(supervisor)
    assert _post(client, decision, {"decision": "approve"}).json()["status"] == "approved"
    client.force_login(case_worker)
    created = _post(client, edu, body)
    assert created.status_code == 201
    record = created.json()
    fu = _post(
        client,
        f"/api/v1/education-records/{record['id']}/follow-ups",
        {"checked_on": timezone.localdate().isoformat(), "attendance": "dropped_out"},
    )
    assert fu.status_code == 201 and fu.json()["status"] == "dropped_out"
    tasks = client.get("/api/v1/tasks").json()
    assert any("dropped out" in t["title"] for t in tasks["items"])


def test_family_and_legal_api(client, case, case_worker, supervisor, police_agency):
    client.force_login(case_worker)
    today = timezone.localdate().isoformat()
    r = _post(
        client,
        f"/api/v1/cases/{case.pk}/family-interventions",
        {"kind": "parenting", "occurred_on": today, "participants": "Mother", "topic": "Routines"},
    )
    assert r.status_code == 201
    r = _post(
        client,
        f"/api/v1/cases/{case.pk}/commitments",
        {"signed_by": "Ibu", "signed_on": today, "terms": "No street"},
    )
    assert r.status_code == 201
    r = _post(
        client,
        f"/api/v1/cases/{case.pk}/repeat-exploitations",
        {"occurred_on": today, "description": "Again"},
    )
    assert r.status_code == 201 and r.json()["risk_to"] == "high"
    r = _post(
        client,
        f"/api/v1/cases/{case.pk}/legal-actions",
        {
            "target": "parent",
            "target_name": "Pak",
            "allegation": "Exploits",
            "police_agency_id": police_agency.pk,
            "reported_on": today,
            "police_case_number": "LP/1",
        },
    )
    assert r.status_code == 201 and r.json()["status"] == "reported"
    legal = r.json()
    r = client.patch(
        f"/api/v1/legal-actions/{legal['id']}",
        {"version": legal["version"], "status": "convicted"},
        content_type="application/json",
    )
    assert r.status_code == 422
    family = client.get(f"/api/v1/cases/{case.pk}/family").json()
    assert family["commitments"][0]["status"] == "broken"
    client.force_login(supervisor)
    tasks = client.get("/api/v1/tasks?overdue=false").json()["items"]
    task = next(t for t in tasks if t["task_id"])
    assert (
        _post(client, f"/api/v1/tasks/{task['task_id']}/done", {"note": "Reviewed"}).status_code
        == 200
    )


@pytest.mark.parametrize("persona", ["analyst", "police_officer", "outsider"], indirect=True)
def test_others_get_nothing(client, persona, case, stay):
    client.force_login(persona)
    status = client.get(f"/api/v1/cases/{case.pk}/progress-notes").status_code
    assert status in {403, 404}
    assert client.get(f"/api/v1/cases/{case.pk}/family").status_code in {403, 404}
