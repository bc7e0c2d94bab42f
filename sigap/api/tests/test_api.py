"""The JSON API: OpenAPI and docs, problem+json errors, pagination, authentication."""

from __future__ import annotations

import json
import re
from urllib.parse import urlparse

import pytest
from django.urls import path
from ninja import NinjaAPI, Schema

from sigap.accounts.services import api_token_create
from sigap.accounts.tests.factories import AgencyFactory
from sigap.api import problems
from sigap.core.tests.routes import api_operations

PROBLEM = "application/problem+json"


def _assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == status and body["title"] and body["type"]
    assert "Traceback" not in response.content.decode()
    return body


@pytest.fixture
def bearer(system_admin) -> dict[str, str]:
    _token, secret = api_token_create(actor=system_admin, name="tests")
    return {"Authorization": f"Bearer {secret}"}


# --- OpenAPI and docs ------------------------------------------------------------------------------


def test_openapi_lists_the_foundation_endpoints(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    assert {"/api/v1/me", "/api/v1/agencies", "/api/v1/regions"} <= set(schema["paths"])
    params = {p["name"] for p in schema["paths"]["/api/v1/regions"]["get"]["parameters"]}
    assert {"parent", "q", "limit", "offset"} <= params


def test_docs_render_without_external_resources(client, db):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger" in html.lower()
    urls = re.findall(r"""<(?:script|link)\b[^>]*?\b(?:src|href)=["']([^"']+)["']""", html)
    assert urls, "no script or stylesheet found: the page changed shape"
    external = [u for u in urls if urlparse(u).netloc not in {"", "testserver"}]
    assert not external, f"the docs load resources from other hosts: {external}"
    # What the page loads is served from this site's static files.
    assert all(u.startswith("/static/") for u in urls)


# --- authentication --------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/api/v1/me", "/api/v1/agencies", "/api/v1/regions"])
def test_unauthenticated_gets_401_with_www_authenticate(client, db, url):
    response = client.get(url)
    body = _assert_problem(response, 401)
    assert response["WWW-Authenticate"] == 'Bearer realm="sigap"'
    assert body["instance"] == url
    assert response["X-Request-ID"]


def test_me_lists_active_roles(client, bearer, system_admin):
    body = client.get("/api/v1/me", headers=bearer).json()
    assert body["username"] == "adminsistem"
    assert [m["role"] for m in body["memberships"]] == ["system_admin"]


def test_session_works_for_reads(client, analyst):
    client.force_login(analyst)
    assert client.get("/api/v1/me").json()["username"] == "analis"


# --- pagination --------------------------------------------------------------------------------------


def test_agencies_follow_the_pagination_convention(client, bearer, home_agency):
    for i in range(4):
        AgencyFactory(name=f"Sekolah Uji {i}", type="SCHOOL")
    body = client.get("/api/v1/agencies", {"limit": 2, "offset": 1}, headers=bearer).json()
    assert set(body) == {"items", "count", "count_is_capped", "limit", "offset"}
    assert (body["count"], body["count_is_capped"], body["limit"], body["offset"]) == (
        5,
        False,
        2,
        1,
    )
    assert len(body["items"]) == 2
    all_names = [a["name"] for a in client.get("/api/v1/agencies", headers=bearer).json()["items"]]
    assert all_names == sorted(all_names)
    assert [a["name"] for a in body["items"]] == all_names[1:3]
    schools = client.get("/api/v1/agencies", {"type": "SCHOOL"}, headers=bearer).json()
    assert schools["count"] == 4


def test_regions_follow_the_pagination_convention(client, bearer):
    body = client.get("/api/v1/regions", {"parent": "64.71", "limit": 1}, headers=bearer).json()
    assert set(body) == {"items", "count", "count_is_capped", "limit", "offset"}
    assert body["count"] == 2 and len(body["items"]) == 1 and body["limit"] == 1


@pytest.mark.parametrize(
    ("url", "params", "field"),
    [
        ("/api/v1/agencies", {"limit": 101}, "limit"),
        ("/api/v1/agencies", {"limit": 0}, "limit"),
        ("/api/v1/agencies", {"offset": -1}, "offset"),
        ("/api/v1/agencies", {"limit": "many"}, "limit"),
        ("/api/v1/regions", {"limit": 101}, "limit"),
    ],
)
def test_bad_pagination_is_422_naming_the_field(client, bearer, url, params, field):
    body = _assert_problem(client.get(url, params, headers=bearer), 422)
    assert [e["field"] for e in body["errors"]] == [field]


def test_limit_100_is_allowed(client, bearer):
    assert client.get("/api/v1/agencies", {"limit": 100}, headers=bearer).status_code == 200


# --- regions -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("parent", ["99.99", "64.71.99", "abc", "64.71'; DROP TABLE x;--"])
def test_unknown_region_parent_is_422_with_field_parent(client, bearer, parent):
    body = _assert_problem(client.get("/api/v1/regions", {"parent": parent}, headers=bearer), 422)
    assert [e["field"] for e in body["errors"]] == ["parent"]


def test_unknown_region_level_is_422(client, bearer):
    body = _assert_problem(client.get("/api/v1/regions", {"level": "planet"}, headers=bearer), 422)
    assert [e["field"] for e in body["errors"]] == ["level"]


def test_region_search(client, bearer):
    body = client.get("/api/v1/regions", {"q": "manggar"}, headers=bearer).json()
    assert [r["code"] for r in body["items"]] == ["64.71.01.1001", "64.71.01.1004"]
    assert body["items"][0]["full_name"] == "Manggar, Balikpapan Timur, Kota Balikpapan"


# --- bad bodies: a test-only API with the same problem handlers --------------------------------------
# The foundation has no endpoint that takes a body yet. This API is mounted only for these tests
# (pytest.mark.urls), with sigap.api.problems installed exactly as on the real one; the
# parametrised test after it runs the same checks against every JSON-body operation of the real API
# as soon as the domains add them.

probe_api = NinjaAPI(urls_namespace="problems-probe", docs_url=None, openapi_url=None)
problems.install(probe_api)


class ProbeIn(Schema):
    name: str
    count: int


@probe_api.post("/probe")
def probe(request, payload: ProbeIn) -> dict[str, object]:
    return {"name": payload.name, "count": payload.count}


@probe_api.get("/crash")
def crash(request) -> None:
    raise RuntimeError("secret internal detail")


urlpatterns = [path("probe-api/", probe_api.urls)]
PROBE_URLS = pytest.mark.urls(__name__)


@PROBE_URLS
def test_probe_accepts_a_good_body(client, db):
    response = client.post(
        "/probe-api/probe", {"name": "x", "count": 1}, content_type="application/json"
    )
    assert response.json() == {"name": "x", "count": 1}


@PROBE_URLS
@pytest.mark.parametrize("body", ['{"name": "x", "count": ', "not json", "\xff\xfe"])
def test_malformed_json_is_400(client, db, body):
    response = client.post("/probe-api/probe", body, content_type="application/json")
    problem = _assert_problem(response, 400)
    assert problem["instance"] == "/probe-api/probe"


@PROBE_URLS
def test_invalid_fields_are_422_with_field_errors(client, db):
    response = client.post(
        "/probe-api/probe", {"name": "x", "count": "many"}, content_type="application/json"
    )
    body = _assert_problem(response, 422)
    assert [e["field"] for e in body["errors"]] == ["count"]


@PROBE_URLS
def test_oversize_body_is_413(client, db, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    big = json.dumps({"name": "x" * 2048, "count": 1})
    response = client.post("/probe-api/probe", big, content_type="application/json")
    _assert_problem(response, 413)


@PROBE_URLS
def test_unexpected_error_is_500_problem_without_details(client, db):
    response = client.get("/probe-api/crash")
    body = _assert_problem(response, 500)
    assert "secret internal detail" not in response.content.decode()
    assert body["instance"] == "/probe-api/crash"


def _json_body_operations() -> list:
    found = []
    for op in api_operations():
        if "{" in op.path:
            continue  # needs a real object; its own app's tests cover it
        for method in op.methods:
            if method in {"POST", "PUT", "PATCH"}:
                found.append(pytest.param(method, op.path, id=f"{method} {op.path}"))
    return found


@pytest.mark.parametrize(("method", "url"), _json_body_operations())
def test_real_api_malformed_and_oversize_bodies(client, bearer, settings, method, url):
    send = getattr(client, method.lower())
    malformed = send(url, '{"broken": ', content_type="application/json", headers=bearer)
    if malformed.status_code != 415:  # an upload endpoint that takes no JSON
        _assert_problem(malformed, 400)
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    oversize = send(
        url, json.dumps({"x": "y" * 4096}), content_type="application/json", headers=bearer
    )
    _assert_problem(oversize, 413)
