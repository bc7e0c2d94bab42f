"""Agency admins invite people, change roles and deactivate them; password reset by email."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from sigap.accounts import services
from sigap.accounts.models import ApiToken, Membership, Role, User
from sigap.accounts.tests.factories import TEST_PASSWORD, choose_language
from sigap.core.models import AuditEvent

NEW_PASSWORD = "kuda-laut-berenang-42"
LINK_RE = re.compile(r"https?://[^/\s]+(/akun/sandi/atur/[^/\s]+/[^/\s]+/)")


def _link_path(body) -> str:
    match = LINK_RE.search(str(body))
    assert match, body
    return match.group(1)


def _set_password_through(client, path: str, password: str = NEW_PASSWORD):
    """Follow an emailed link: Django swaps the token for a session and shows the form."""
    form = client.get(path, follow=True)
    assert form.status_code == 200
    assert form.context["validlink"], "the link was refused"
    set_url = form.redirect_chain[-1][0]
    return client.post(set_url, {"new_password1": password, "new_password2": password})


def _invite(client, agency, **fields):
    data = {
        "full_name": "Ayu Lestari",
        "username": "ayu",
        "email": "ayu@example.test",
        "agency": agency.pk,
        "role": Role.CASE_WORKER,
        **fields,
    }
    choose_language(client, "en")
    return client.post(reverse("accounts:user_invite"), data)


# --- password reset ------------------------------------------------------------------------------


def test_password_reset_sends_a_working_link(client, case_worker):
    response = client.post(reverse("accounts:password_reset"), {"email": case_worker.email})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [case_worker.email]
    done = _set_password_through(client, _link_path(message.body))
    assert done.status_code == 302
    assert done["Location"] == reverse("accounts:password_reset_complete")
    login = client.post(
        reverse("accounts:login"), {"username": "pekerja", "password": NEW_PASSWORD}
    )
    assert login.status_code == 302
    # The link works once.
    again = client.get(_link_path(message.body), follow=True)
    assert not again.context["validlink"]


def test_password_reset_for_unknown_address_sends_nothing_and_says_the_same(client, db):
    response = client.post(reverse("accounts:password_reset"), {"email": "nobody@example.test"})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert mail.outbox == []


def test_password_reset_sends_nothing_to_a_deactivated_account(client, case_worker):
    case_worker.is_active = False
    case_worker.save(update_fields=["is_active"])
    client.post(reverse("accounts:password_reset"), {"email": case_worker.email})
    assert mail.outbox == []


def test_password_reset_goes_through_the_task(client, case_worker, monkeypatch):
    from sigap.accounts import forms

    queued = []

    class FakeTask:
        def enqueue(self, **kwargs):
            queued.append(kwargs)

    monkeypatch.setattr(forms, "send_email", FakeTask())
    client.post(reverse("accounts:password_reset"), {"email": case_worker.email})
    assert len(queued) == 1 and queued[0]["to"] == [case_worker.email]
    assert mail.outbox == []  # nothing sent from the request itself


# --- invitations ---------------------------------------------------------------------------------


def test_agency_admin_invites_a_person(
    client, agency_admin, home_agency, django_capture_on_commit_callbacks
):
    client.force_login(agency_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = _invite(client, home_agency)
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:user_list")
    invited = User.objects.get(username="ayu")
    assert not invited.has_usable_password()
    membership = Membership.objects.get(user=invited)
    assert (membership.agency, membership.role, membership.created_by) == (
        home_agency,
        Role.CASE_WORKER,
        agency_admin,
    )
    event = AuditEvent.objects.get(action="user.invite")
    assert (event.actor, event.agency_id, event.object_id) == (
        agency_admin,
        home_agency.pk,
        str(invited.pk),
    )
    assert event.summary["role"] == Role.CASE_WORKER
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ayu@example.test"]
    # The invitee sets a password through the link and signs in.
    client.logout()
    assert _set_password_through(client, _link_path(mail.outbox[0].body)).status_code == 302
    login = client.post(reverse("accounts:login"), {"username": "ayu", "password": NEW_PASSWORD})
    assert login.status_code == 302


def test_invitation_link_uses_the_public_base_url(
    agency_admin, home_agency, settings, django_capture_on_commit_callbacks
):
    settings.SIGAP_BASE_URL = "https://sigap.example.org/"
    with django_capture_on_commit_callbacks(execute=True):
        services.user_invite(
            actor=agency_admin,
            agency=home_agency,
            username="Budi",
            email="budi@example.test",
            full_name="Budi",
            role=Role.INTAKE_OFFICER,
        )
    assert "https://sigap.example.org/akun/sandi/atur/" in mail.outbox[0].body
    assert User.objects.filter(username="budi").exists()  # usernames are stored lower case


def test_invitee_whose_link_expired_can_ask_for_a_new_one(client, agency_admin, home_agency):
    invited = services.user_invite(
        actor=agency_admin,
        agency=home_agency,
        username="citra",
        email="citra@example.test",
        full_name="Citra",
        role=Role.CASE_WORKER,
    )
    client.post(reverse("accounts:password_reset"), {"email": invited.email})
    assert len(mail.outbox) == 1
    assert _set_password_through(client, _link_path(mail.outbox[0].body)).status_code == 302


def test_invite_refuses_a_taken_username_next_to_the_field(
    client, agency_admin, home_agency, case_worker
):
    client.force_login(agency_admin)
    response = _invite(client, home_agency, username="PEKERJA")
    assert response.status_code == 422
    assert "This username is already taken" in response.content.decode()
    assert 'value="ayu@example.test"' in response.content.decode()  # the rest is kept
    assert not AuditEvent.objects.filter(action="user.invite").exists()


def test_agency_admin_cannot_invite_into_another_agency(client, agency_admin, other_agency):
    client.force_login(agency_admin)
    response = _invite(client, other_agency)
    assert response.status_code == 422
    assert not User.objects.filter(username="ayu").exists()


def test_only_a_system_admin_grants_system_admin(client, agency_admin, system_admin, home_agency):
    client.force_login(agency_admin)
    assert _invite(client, home_agency, role=Role.SYSTEM_ADMIN).status_code == 422
    assert not User.objects.filter(username="ayu").exists()
    with pytest.raises(ValidationError):
        services.user_invite(
            actor=agency_admin,
            agency=home_agency,
            username="dedi",
            email="dedi@example.test",
            full_name="Dedi",
            role=Role.SYSTEM_ADMIN,
        )
    client.force_login(system_admin)
    assert _invite(client, home_agency, role=Role.SYSTEM_ADMIN).status_code == 302
    assert Membership.objects.get(user__username="ayu").role == Role.SYSTEM_ADMIN


def test_staff_cannot_invite(client, case_worker, home_agency):
    client.force_login(case_worker)
    assert _invite(client, home_agency).status_code == 403
    assert not User.objects.filter(username="ayu").exists()


# --- role changes --------------------------------------------------------------------------------


def _membership(user) -> Membership:
    return Membership.objects.get(user=user)


def test_agency_admin_changes_a_role(client, agency_admin, case_worker):
    client.force_login(agency_admin)
    membership = _membership(case_worker)
    url = reverse("accounts:membership_edit", args=[membership.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"role": Role.SUPERVISOR})
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == Role.SUPERVISOR
    event = AuditEvent.objects.get(action="membership.role_change")
    assert event.actor == agency_admin
    assert event.summary == {
        "changed": ["role"],
        "user": case_worker.pk,
        "from": Role.CASE_WORKER,
        "to": Role.SUPERVISOR,
    }


def test_agency_admin_cannot_make_a_system_admin(client, agency_admin, case_worker):
    client.force_login(agency_admin)
    membership = _membership(case_worker)
    url = reverse("accounts:membership_edit", args=[membership.pk])
    assert client.post(url, {"role": Role.SYSTEM_ADMIN}).status_code == 422
    membership.refresh_from_db()
    assert membership.role == Role.CASE_WORKER


def test_agency_admin_cannot_change_a_system_admins_role(client, agency_admin, system_admin):
    client.force_login(agency_admin)
    membership = _membership(system_admin)
    url = reverse("accounts:membership_edit", args=[membership.pk])
    choose_language(client, "en")
    response = client.post(url, {"role": Role.CASE_WORKER})
    assert response.status_code == 422
    assert "Only a system administrator" in response.content.decode()
    membership.refresh_from_db()
    assert membership.role == Role.SYSTEM_ADMIN


def test_system_admin_grants_system_admin(client, system_admin, case_worker):
    client.force_login(system_admin)
    membership = _membership(case_worker)
    url = reverse("accounts:membership_edit", args=[membership.pk])
    assert client.post(url, {"role": Role.SYSTEM_ADMIN}).status_code == 302
    membership.refresh_from_db()
    assert membership.role == Role.SYSTEM_ADMIN


def test_role_change_to_a_role_already_held_is_refused(agency_admin, case_worker, home_agency):
    services.membership_add(
        actor=agency_admin, user=case_worker, agency=home_agency, role=Role.SUPERVISOR
    )
    membership = Membership.objects.get(user=case_worker, role=Role.CASE_WORKER)
    with pytest.raises(ValidationError):
        services.membership_change_role(
            actor=agency_admin, membership=membership, role=Role.SUPERVISOR
        )


def test_cannot_manage_another_agencys_people(client, agency_admin, outsider):
    client.force_login(agency_admin)
    membership = _membership(outsider)
    edit = reverse("accounts:membership_edit", args=[membership.pk])
    deactivate = reverse("accounts:membership_deactivate", args=[membership.pk])
    assert client.get(edit).status_code == 404
    assert client.post(edit, {"role": Role.SUPERVISOR}).status_code == 404
    assert client.get(deactivate).status_code == 404
    assert client.post(deactivate).status_code == 404
    membership.refresh_from_db()
    outsider.refresh_from_db()
    assert membership.role == Role.CASE_WORKER and membership.is_active and outsider.is_active
    listed = client.get(reverse("accounts:user_list"), {"active": ""})
    assert "orangluar" not in listed.content.decode()


def test_staff_cannot_manage_people(client, case_worker, supervisor):
    client.force_login(case_worker)
    membership = _membership(supervisor)
    assert (
        client.post(
            reverse("accounts:membership_edit", args=[membership.pk]), {"role": Role.ANALYST}
        ).status_code
        == 403
    )
    assert (
        client.post(reverse("accounts:membership_deactivate", args=[membership.pk])).status_code
        == 403
    )


# --- deactivation --------------------------------------------------------------------------------


def test_agency_admin_deactivates_a_person_and_history_is_kept(client, agency_admin, case_worker):
    _token, secret = services.api_token_create(actor=case_worker, name="script")
    other = User.objects.get(pk=case_worker.pk)
    membership = _membership(case_worker)
    client.force_login(agency_admin)
    url = reverse("accounts:membership_deactivate", args=[membership.pk])
    confirm = client.get(url)
    assert confirm.status_code == 200
    assert 'method="post"' in confirm.content.decode()
    assert client.post(url)["Location"] == reverse("accounts:user_list")

    membership.refresh_from_db()
    other.refresh_from_db()
    assert not membership.is_active
    assert membership.deactivated_by == agency_admin and membership.deactivated_at
    assert not other.is_active and other.deactivated_by == agency_admin
    assert Membership.objects.filter(user=other).count() == 1  # rows kept
    assert ApiToken.objects.get(user=other).revoked_at is not None
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"membership.deactivate", "user.deactivate"} <= actions
    # The person can no longer sign in nor use the API.
    client.logout()
    login = client.post(
        reverse("accounts:login"), {"username": "pekerja", "password": TEST_PASSWORD}
    )
    assert login.status_code == 200
    assert (
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    )
    # Deactivated people stay listed under "Deactivated".
    client.force_login(agency_admin)
    listed = client.get(reverse("accounts:user_list"), {"active": "0"})
    assert "pekerja" in listed.content.decode()


def test_person_with_another_role_stays_active(
    agency_admin, case_worker, police_agency, system_admin
):
    services.membership_add(
        actor=system_admin, user=case_worker, agency=police_agency, role=Role.PARTNER_OFFICER
    )
    services.membership_deactivate(
        actor=agency_admin, membership=_membership_at(case_worker, Role.CASE_WORKER)
    )
    case_worker.refresh_from_db()
    assert case_worker.is_active


def _membership_at(user, role) -> Membership:
    return Membership.objects.get(user=user, role=role)


def test_admin_cannot_deactivate_own_role(client, agency_admin):
    client.force_login(agency_admin)
    membership = _membership(agency_admin)
    response = client.post(reverse("accounts:membership_deactivate", args=[membership.pk]))
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.is_active


def test_agency_admin_cannot_deactivate_a_system_admin(client, agency_admin, system_admin):
    client.force_login(agency_admin)
    membership = _membership(system_admin)
    response = client.post(reverse("accounts:membership_deactivate", args=[membership.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:membership_edit", args=[membership.pk])
    membership.refresh_from_db()
    system_admin.refresh_from_db()
    assert membership.is_active and system_admin.is_active


def test_reactivating_a_role_brings_the_membership_back(agency_admin, case_worker, home_agency):
    membership = _membership(case_worker)
    services.membership_deactivate(actor=agency_admin, membership=membership)
    again = services.membership_add(
        actor=agency_admin, user=case_worker, agency=home_agency, role=Role.CASE_WORKER
    )
    assert again.pk == membership.pk and again.is_active
    case_worker.refresh_from_db()
    assert case_worker.is_active and case_worker.deactivated_at is None
    assert AuditEvent.objects.filter(
        action="user.reactivate", object_id=str(case_worker.pk)
    ).exists()


def test_agency_admin_cannot_deactivate_system_admin_through_the_service(
    agency_admin, system_admin
):
    with pytest.raises(ValidationError):
        services.membership_deactivate(actor=agency_admin, membership=_membership(system_admin))
