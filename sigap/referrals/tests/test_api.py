"""The referrals API: the JSON write table (access_matrix.API_WRITES), an IDOR walk over case
and referral ids as an outsider, and the refusals the issue names (consent, not shared)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from django.test import Client

from sigap.core.models import AuditEvent
from sigap.core.tests.routes import ALL_PERSONAS
from sigap.referrals.models import Referral
from sigap.referrals.tests import access_matrix
from sigap.referrals.tests.factories import draft_referral

pytestmark = pytest.mark.django_db

WRITE_CELLS = [
    pytest.param(op, persona, id=f"{op}-{persona}")
    for op in access_matrix.API_WRITES
    for persona in ALL_PERSONAS
]


def _fields(response: Any) -> set[str]:
    return {e["field"] for e in response.json()["errors"]}


def _post(client: Client, url: str, body: Any) -> Any:
    return client.post(url, data=json.dumps(body), content_type="application/json")


@pytest.mark.parametrize(("op", "persona"), WRITE_CELLS, indirect=["persona"])
def test_api_write_matrix(op: str, persona: Any, client: Client, request: Any) -> None:
    path, sample_name, body, expected = access_matrix.API_WRITES[op]
    get = request.getfixturevalue
    builders = {
        "case": access_matrix._case,
        "sent": access_matrix._sent,
        "accepted": access_matrix._accepted,
    }
    sample = builders[sample_name](get)
    sample.police_agency_id = get("police_agency").pk
    if persona is not None:
        client.force_login(persona)
    name = request.node.callspec.params["persona"]
    response = _post(client, path.format(id=sample.pk), body(sample))
    assert response.status_code == expected[name], (op, name, response.content[:300])


def test_outsider_walks_case_and_referral_ids_and_finds_nothing(
    case: Any, accepted: Any, outsider: Any, client: Client
) -> None:
    """IDOR: every id of a real case and referral, and random ids, through every GET operation
    as a case worker of an unrelated agency: 404 each, never 403, nothing in any list."""
    client.force_login(outsider)
    case_ids = [str(case.pk), str(uuid.uuid4())]
    referral_ids = [str(accepted.pk), str(uuid.uuid4())]
    for cid in case_ids:
        for url in (
            f"/api/v1/cases/{cid}",
            f"/api/v1/cases/{cid}/timeline",
            f"/api/v1/cases/{cid}/referrals",
        ):
            assert client.get(url).status_code == 404, url
        # the access log's rule admits case workers; the case itself stays unknown
        assert client.get(f"/api/v1/cases/{cid}/access-log").status_code == 404
    for rid in referral_ids:
        for url in (
            f"/api/v1/referrals/{rid}",
            f"/api/v1/referrals/{rid}/sections/identity",
            f"/api/v1/referrals/{rid}/package",
        ):
            assert client.get(url).status_code == 404, url
        for url, body in (
            (f"/api/v1/referrals/{rid}/transitions", {"to": "cancelled", "reason": "x"}),
            (f"/api/v1/referrals/{rid}/notes", {"text": "x"}),
            (f"/api/v1/referrals/{rid}/consent/withdraw", {"note": "x"}),
        ):
            assert _post(client, url, body).status_code == 404, url
    for url in ("/api/v1/referrals", f"/api/v1/referrals?q={case.number}", "/api/v1/cases"):
        body = client.get(url).json()
        assert body["count"] == 0 and body["items"] == [], url
    assert client.get(f"/api/v1/cases?q={case.number}").json()["count"] == 0
    # and the HTML pages answer the same
    for url in (
        f"/rujukan/{accepted.pk}/",
        f"/rujukan/kasus/{case.pk}/",
        f"/kasus/{case.pk}/",
    ):
        assert client.get(url).status_code == 404, url


def test_send_without_consent_is_a_422_naming_the_field(
    case: Any, case_worker: Any, police_agency: Any, client: Client
) -> None:
    referral = draft_referral(case, case_worker, police_agency)
    client.force_login(case_worker)
    response = client.post(f"/api/v1/referrals/{referral.pk}/send")
    assert response.status_code == 422
    assert "consent_basis" in _fields(response)
    assert AuditEvent.objects.filter(action="referral.refused").exists()


def test_receiver_reads_a_shared_section_and_is_refused_an_unshared_one(
    accepted: Any, police_officer: Any, client: Client
) -> None:
    client.force_login(police_officer)
    ok = client.get(f"/api/v1/referrals/{accepted.pk}/sections/identity")
    assert ok.status_code == 200 and ok.json()["child"]["full_name"] == "Budi Santoso Uji"
    assert "case" not in ok.json()
    refused = client.get(f"/api/v1/referrals/{accepted.pk}/sections/family")
    assert refused.status_code == 404
    event = AuditEvent.objects.filter(action="referral.section_refused").get()
    assert event.summary["section"] == "family" and event.actor == police_officer


def test_create_and_list_through_the_api(
    case: Any, case_worker: Any, police_agency: Any, guardian: Any, client: Client
) -> None:
    client.force_login(case_worker)
    created = _post(
        client,
        "/api/v1/referrals",
        {
            "case_id": str(case.pk),
            "to_agency_id": police_agency.pk,
            "services": ["trafficking_online"],
            "sections": ["identity", "summary"],
            "reason": "Photos of the child posted for money",
            "urgency": "emergency",
            "consent_basis": "consent",
            "child_view": "agreed",
            "guardian_id": guardian.pk,
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["cyber_unit"] is True and body["status"] == "draft"
    sent = client.post(f"/api/v1/referrals/{body['id']}/send")
    assert sent.status_code == 200 and sent.json()["respond_by"]
    listed = client.get("/api/v1/referrals?box=out").json()
    assert [i["id"] for i in listed["items"]] == [body["id"]]


def test_create_refuses_unknown_ids_with_field_errors(
    case: Any, case_worker: Any, client: Client
) -> None:
    client.force_login(case_worker)
    response = _post(
        client,
        "/api/v1/referrals",
        {"case_id": str(case.pk), "to_agency_id": 999999, "guardian_id": 99999, "reason": "x"},
    )
    assert response.status_code == 422
    assert {"to_agency_id", "guardian_id"} <= _fields(response)
    assert not Referral.objects.exists()


def test_stale_version_is_a_409(sent: Any, police_officer: Any, client: Client) -> None:
    client.force_login(police_officer)
    response = _post(
        client,
        f"/api/v1/referrals/{sent.pk}/transitions",
        {"to": "accepted", "version": sent.version + 3},
    )
    assert response.status_code == 409
