import pytest
from django.urls import reverse


def test_settings_language():
    """What ships: Bahasa Indonesia by default, English on request."""
    import sigap.settings as shipped

    assert shipped.LANGUAGE_CODE == "id"
    assert [code for code, _name in shipped.LANGUAGES] == ["id", "en"]


@pytest.mark.django_db
def test_login_page_is_indonesian_by_default(indonesian, client):
    # An English browser still gets Indonesian: only the language switch changes it.
    response = client.get(reverse("accounts:login"), headers={"Accept-Language": "en-US,en"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Masuk ke Sigap" in html
    assert response["Content-Language"] == "id"


@pytest.mark.django_db
def test_language_switch_sets_english(indonesian, client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/akun/masuk/"})
    assert response.status_code == 302
    html = client.get(reverse("accounts:login")).content.decode()
    assert "Sign in to Sigap" in html


def test_home_shows_roles(client, case_worker):
    client.force_login(case_worker)
    response = client.get(reverse("core:home"))
    assert response.status_code == 200
    assert "UPTD PPA Kota Balikpapan" in response.content.decode()


def test_api_me_with_token(client, case_worker):
    from sigap.accounts.services import api_token_create

    _token, secret = api_token_create(actor=case_worker, name="t")
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200, response.content
    assert response.json()["username"] == "pekerja"


def test_api_regions(client, case_worker):
    client.force_login(case_worker)
    response = client.get("/api/v1/regions", {"parent": "64.71"})
    assert response.status_code == 200, response.content
    assert {r["code"] for r in response.json()["items"]} >= {"64.71.01", "64.71.03"}
    bad = client.get("/api/v1/regions", {"parent": "99.99"})
    assert bad.status_code == 422
    assert bad["Content-Type"] == "application/problem+json"
