"""Two-factor authentication: enforcement for child-data roles, TOTP set-up, recovery codes."""

from __future__ import annotations

import re

import pytest
from django.urls import resolve, reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from sigap.accounts.tests.factories import TEST_PASSWORD, choose_language
from sigap.core.access import PUBLIC, get_rule
from sigap.core.models import AuditEvent
from sigap.core.tests.routes import load_matrix

TWO_FACTOR = reverse("accounts:two_factor")
CHILD_DATA_PERSONAS = [
    "intake_officer",
    "case_worker",
    "supervisor",
    "psychologist",
    "police_officer",
    "lksa_staff",
    "outsider",
]
OTHER_PERSONAS = ["analyst", "agency_admin", "system_admin"]


@pytest.fixture
def require_2fa(settings):
    settings.SIGAP_REQUIRE_2FA = True


def _code(device: TOTPDevice) -> str:
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return f"{value:0{device.digits}d}"


def _sign_in(client, username: str) -> None:
    response = client.post(
        reverse("accounts:login"), {"username": username, "password": TEST_PASSWORD}
    )
    assert response.status_code == 302, response.content


def _set_up_totp(client, user) -> list[str]:
    """Walk the set-up page as a person would; return the recovery codes shown."""
    page = client.get(TWO_FACTOR)
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert device.bin_key.hex() in page.content.decode()  # the key to type in by hand
    assert "<svg" in page.content.decode()  # the QR code, inline
    done = client.post(TWO_FACTOR, {"code": _code(device)})
    assert done.status_code == 200
    codes = re.findall(r"<li>([0-9a-f]{6}-[0-9a-f]{6})</li>", done.content.decode())
    assert len(codes) == 10
    return codes


@pytest.mark.usefixtures("require_2fa")
@pytest.mark.parametrize("persona", CHILD_DATA_PERSONAS, indirect=True)
def test_child_data_roles_are_sent_to_two_factor_from_every_page(client, persona, request):
    client.force_login(persona)
    checked = 0
    for key, entry in load_matrix().items():
        if entry.method != "get" or key.startswith("api:"):
            continue
        kwargs = entry.kwargs(request.getfixturevalue) if entry.kwargs else {}
        url = reverse(entry.url_name, kwargs=kwargs)
        if get_rule(resolve(url).func) in {PUBLIC, "account.two_factor"}:
            continue
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(TWO_FACTOR + "?next="), url
        checked += 1
    assert checked >= 10


@pytest.mark.usefixtures("require_2fa")
@pytest.mark.parametrize("persona", CHILD_DATA_PERSONAS, indirect=True)
def test_child_data_roles_need_two_factor_for_the_api_with_a_session(client, persona):
    client.force_login(persona)
    response = client.get("/api/v1/me")
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["two_factor_url"] == TWO_FACTOR
    assert "two-step" in body["title"].lower() or "dua langkah" in body["title"].lower()


@pytest.mark.usefixtures("require_2fa")
@pytest.mark.parametrize("persona", OTHER_PERSONAS, indirect=True)
def test_roles_without_child_data_are_not_forced(client, persona):
    client.force_login(persona)
    assert client.get(reverse("core:home")).status_code == 200
    assert client.get(reverse("accounts:profile")).status_code == 200
    assert client.get("/api/v1/me").status_code == 200


def test_two_factor_is_not_forced_without_the_setting(client, case_worker):
    client.force_login(case_worker)
    assert client.get(reverse("core:home")).status_code == 200


@pytest.mark.usefixtures("require_2fa")
def test_public_pages_stay_reachable_before_two_factor(client, case_worker):
    client.force_login(case_worker)
    assert client.get("/healthz").status_code == 200
    assert client.get(reverse("accounts:password_reset")).status_code == 200
    assert client.post(reverse("accounts:logout")).status_code == 302


@pytest.mark.usefixtures("require_2fa")
def test_totp_set_up_end_to_end(client, case_worker):
    _sign_in(client, "pekerja")
    home = client.get(reverse("core:home"))
    assert home["Location"] == f"{TWO_FACTOR}?next=/"
    codes = _set_up_totp(client, case_worker)
    assert TOTPDevice.objects.filter(user=case_worker, confirmed=True).count() == 1
    assert AuditEvent.objects.filter(action="2fa.enable", actor=case_worker).exists()
    # The set-up verified this session.
    assert client.get(reverse("core:home")).status_code == 200
    assert client.get("/api/v1/me").status_code == 200
    # The next sign-in asks for a code.
    client.post(reverse("accounts:logout"))
    _sign_in(client, "pekerja")
    assert client.get(reverse("core:home"))["Location"].startswith(TWO_FACTOR)
    verify = client.get(TWO_FACTOR)
    assert verify.status_code == 200
    assert "<svg" not in verify.content.decode()  # verification, not a new set-up
    device = TOTPDevice.objects.get(user=case_worker, confirmed=True)
    device.last_t = -1  # the set-up used this time step's code; a new step would come in 30 s
    device.save(update_fields=["last_t"])
    done = client.post(TWO_FACTOR + "?next=/akun/profil/", {"code": _code(device)})
    assert done.status_code == 302
    assert done["Location"] == "/akun/profil/"
    assert client.get(reverse("core:home")).status_code == 200
    assert len(codes) == len(set(codes))


def test_wrong_code_at_set_up_is_refused_next_to_the_field(client, case_worker):
    client.force_login(case_worker)
    client.get(TWO_FACTOR)
    choose_language(client, "en")
    response = client.post(TWO_FACTOR, {"code": "000000"})
    assert response.status_code == 200
    assert "The code is not right" in response.content.decode()
    assert 'aria-invalid="true"' in response.content.decode()
    assert not TOTPDevice.objects.filter(user=case_worker, confirmed=True).exists()


def test_recovery_code_works_once(client, case_worker):
    _sign_in(client, "pekerja")
    codes = _set_up_totp(client, case_worker)
    client.post(reverse("accounts:logout"))

    _sign_in(client, "pekerja")
    assert client.get(reverse("core:home"))["Location"].startswith(TWO_FACTOR)
    used = client.post(TWO_FACTOR, {"code": codes[0]})
    assert used.status_code == 302
    assert client.get(reverse("core:home")).status_code == 200
    assert StaticToken.objects.filter(device__user=case_worker).count() == 9
    client.post(reverse("accounts:logout"))

    _sign_in(client, "pekerja")
    choose_language(client, "en")
    again = client.post(TWO_FACTOR, {"code": codes[0]})
    assert again.status_code == 200
    assert "The code is not right" in again.content.decode()
    assert client.get(reverse("core:home"))["Location"].startswith(TWO_FACTOR)


def test_new_recovery_codes_replace_the_old_ones(client, case_worker):
    _sign_in(client, "pekerja")
    old = _set_up_totp(client, case_worker)
    response = client.post(reverse("accounts:recovery_codes"))
    assert response.status_code == 200
    new = re.findall(r"<li>([0-9a-f]{6}-[0-9a-f]{6})</li>", response.content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    tokens = set(
        StaticToken.objects.filter(device__user=case_worker).values_list("token", flat=True)
    )
    assert tokens == set(new)
    assert AuditEvent.objects.filter(action="2fa.recovery_codes", actor=case_worker).exists()


def test_two_factor_next_must_stay_on_this_site(client, case_worker):
    _sign_in(client, "pekerja")
    _set_up_totp(client, case_worker)
    client.post(reverse("accounts:logout"))
    _sign_in(client, "pekerja")
    device = TOTPDevice.objects.get(user=case_worker, confirmed=True)
    device.last_t = -1
    device.save(update_fields=["last_t"])
    response = client.post(TWO_FACTOR + "?next=https://evil.example/", {"code": _code(device)})
    assert response.status_code == 302
    assert response["Location"] == reverse("core:home")
    # Already verified: the page sends the person on, again only within the site.
    again = client.get(TWO_FACTOR + "?next=//evil.example/")
    assert again["Location"] == reverse("core:home")


def test_bearer_token_needs_an_authenticator_where_two_factor_is_required(
    client, case_worker, settings
):
    from sigap.accounts.services import api_token_create

    _token, secret = api_token_create(actor=case_worker, name="script")
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    settings.SIGAP_REQUIRE_2FA = True
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    TOTPDevice.objects.create(user=case_worker, name="authenticator", confirmed=True)
    assert client.get("/api/v1/me", headers=headers).status_code == 200
