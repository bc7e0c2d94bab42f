from __future__ import annotations

import pytest

from conftest import PERSONAS
from sigap.children.models import Child
from sigap.children.services import child_register, person_create
from sigap.core.models import AuditEvent

NIK = "6471010101150001"
EDITORS = {"intake_officer", "case_worker", "supervisor", "outsider"}
LIST_READERS = EDITORS | {"psychologist", "police_officer", "lksa_staff"}
SEES_CHILD = {"intake_officer", "supervisor"}


def _body(**overrides):
    body = {
        "full_name": "Rahmat Hidayat",
        "sex": "male",
        "estimated_age": 11,
        "kelurahan_code": "64.71.03.1001",
        "origin_region_code": "53.07",
        "school_status": "dropped_out",
        "nik": NIK,
        "aliases": [{"alias": "Mamat", "kind": "street_name"}],
    }
    body.update(overrides)
    return body


def test_create_child_201(client, intake_officer):
    client.force_login(intake_officer)
    response = client.post("/api/v1/children", _body(), content_type="application/json")
    assert response.status_code == 201, response.content
    child = Child.objects.get(pk=response.json()["id"])
    assert child.is_pendatang and child.age == 11 and child.has_nik
    assert child.aliases.get().kind == "street_name"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"nik": "123"}, "nik"),
        ({"estimated_age": None, "birth_date": "2999-01-01"}, "birth_date"),
        ({"estimated_age": None, "birth_date": "1990-05-01"}, "birth_date"),
        ({"estimated_age": 25}, "estimated_age"),
        ({"kelurahan_code": "99.99"}, "kelurahan_code"),
        ({"sex": "x"}, "sex"),
        ({"birth_date": "not a date"}, "birth_date"),
        ({"aliases": [{"alias": "A", "kind": "bogus"}]}, "aliases"),
    ],
)
def test_create_child_422_with_field_errors(client, intake_officer, overrides, field):
    client.force_login(intake_officer)
    response = client.post("/api/v1/children", _body(**overrides), content_type="application/json")
    assert response.status_code == 422, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert field in {e["field"] for e in response.json()["errors"]}
    assert not Child.objects.exists()


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_create_child_by_role(client, persona, request):
    name = request.node.callspec.params["persona"]
    client.force_login(persona)
    response = client.post("/api/v1/children", _body(nik=""), content_type="application/json")
    assert response.status_code == (201 if name in EDITORS else 403)


def test_anonymous_gets_401(client):
    assert client.get("/api/v1/children").status_code == 401


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_get_child_by_role_never_403_for_invisible(client, persona, child, request):
    name = request.node.callspec.params["persona"]
    client.force_login(persona)
    response = client.get(f"/api/v1/children/{child.pk}")
    if name in SEES_CHILD:
        assert response.status_code == 200
        data = response.json()
        assert data["full_name"] == child.full_name and data["version"] == 1
        assert "nik" not in data and data["has_nik"] is False
        assert AuditEvent.objects.get(action="child.view").summary == {"channel": "api"}
    else:
        assert response.status_code == (404 if name in LIST_READERS else 403)
        assert not AuditEvent.objects.filter(action="child.view").exists()


def test_get_unknown_or_malformed_id_is_404(client, intake_officer):
    client.force_login(intake_officer)
    assert client.get("/api/v1/children/not-a-uuid").status_code == 404
    assert client.get("/api/v1/children/00000000-0000-0000-0000-000000000000").status_code == 404


def test_list_and_search(client, intake_officer, outsider):
    child_register(actor=intake_officer, full_name="Muhammad Rizki", sex="male", nik=NIK)
    child_register(actor=intake_officer, full_name="Siti Aminah", sex="female", aliases=["Mimin"])
    client.force_login(intake_officer)
    data = client.get("/api/v1/children").json()
    assert data["count"] == 2 and data["count_is_capped"] is False and data["limit"] == 25
    data = client.get("/api/v1/children", {"q": "Muhamad Rizky"}).json()
    assert [c["full_name"] for c in data["items"]] == ["Muhammad Rizki"]
    data = client.get("/api/v1/children", {"q": "mimin"}).json()
    assert [c["full_name"] for c in data["items"]] == ["Siti Aminah"]
    data = client.get("/api/v1/children", {"q": NIK}).json()
    assert [c["full_name"] for c in data["items"]] == ["Muhammad Rizki"]
    data = client.get("/api/v1/children", {"limit": 1, "offset": 1}).json()
    assert len(data["items"]) == 1 and data["count"] == 2
    assert client.get("/api/v1/children", {"limit": 1000}).status_code == 422
    client.force_login(outsider)
    assert client.get("/api/v1/children", {"q": "rizki"}).json()["count"] == 0


def test_patch_with_version_and_conflict(client, intake_officer, child):
    client.force_login(intake_officer)
    url = f"/api/v1/children/{child.pk}"
    response = client.patch(
        url, {"version": 1, "school_status": "enrolled"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["version"] == 2
    stale = client.patch(url, {"version": 1, "rt": "009"}, content_type="application/json")
    assert stale.status_code == 409
    assert stale["Content-Type"] == "application/problem+json"
    assert stale.json()["current_version"] == 2
    assert Child.objects.get(pk=child.pk).rt == ""


def test_family_endpoints(client, intake_officer, psychologist, outsider, child):
    client.force_login(intake_officer)
    url = f"/api/v1/children/{child.pk}/family"
    response = client.post(
        url,
        {"full_name": "Sri", "relation": "mother", "is_guardian": True},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert client.get(url).json()[0]["full_name"] == "Sri"
    bad = client.post(url, {"full_name": "", "relation": "mother"}, content_type="application/json")
    assert bad.status_code == 422
    bad = client.post(
        url,
        {"full_name": "X", "relation": "sibling", "sibling_child_id": str(child.pk)},
        content_type="application/json",
    )
    assert bad.status_code == 422
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    assert (
        client.post(
            url, {"full_name": "X", "relation": "mother"}, content_type="application/json"
        ).status_code
        == 404
    )
    client.force_login(psychologist)
    assert client.get(url).status_code == 404


def test_person_endpoints(client, case_worker, analyst, outsider):
    client.force_login(case_worker)
    response = client.post(
        "/api/v1/persons",
        {"full_name": "Bang Jali", "role": "organiser", "aliases": "Jali"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    person_id = response.json()["id"]
    assert client.get("/api/v1/persons", {"q": "jali"}).json()["count"] == 1
    assert client.get(f"/api/v1/persons/{person_id}").json()["role"] == "organiser"
    assert (
        client.post(
            "/api/v1/persons", {"full_name": "X", "role": "boss"}, content_type="application/json"
        ).status_code
        == 422
    )
    client.force_login(outsider)
    assert client.get(f"/api/v1/persons/{person_id}").status_code == 404
    client.force_login(analyst)
    assert client.get("/api/v1/persons").status_code == 403


def test_person_create_service_is_used(case_worker):
    assert person_create(actor=case_worker, full_name="Oknum", role="organiser").pk
