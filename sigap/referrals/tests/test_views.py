"""Pages: what each side sees, forms that keep input and explain refusals (422), audit of reads,
searches and exports, pinned query counts, and break-the-glass through the case page."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from sigap.accounts.models import Role
from sigap.accounts.tests.factories import user_with_role
from sigap.cases.tests.factories import make_child, open_case
from sigap.core.models import AuditEvent
from sigap.referrals import services
from sigap.referrals.models import EmergencyAccess, Referral, Status
from sigap.referrals.tests.factories import draft_referral

pytestmark = pytest.mark.django_db


def test_receiver_sees_only_shared_sections_and_the_read_is_audited(
    accepted: Any, police_officer: Any, client: Client
) -> None:
    client.force_login(police_officer)
    page = client.get(accepted.get_absolute_url())
    html = page.content.decode()
    assert page.status_code == 200
    assert "Budi Santoso Uji" in html  # identity shared
    assert "Sells tissues at the Rapak crossroads" in html  # summary shared
    assert "Siti Aminah Uji" not in html  # family not shared
    assert f'href="/kasus/{accepted.case_id}/"' not in html  # no link to the full case
    event = AuditEvent.objects.filter(action="referral.view").latest("id")
    assert event.object_type == "cases.case" and event.object_id == str(accepted.case_id)
    assert event.summary["sections"] == "identity,summary"
    assert event.agency_id == accepted.to_agency_id


def test_sent_referral_shows_no_child_before_acceptance(
    sent: Any, police_officer: Any, client: Client
) -> None:
    client.force_login(police_officer)
    html = client.get(sent.get_absolute_url()).content.decode()
    assert "Budi Santoso Uji" not in html
    assert "open when the referral is accepted" in html


@pytest.mark.parametrize("ending", ["withdraw", "revoke", "complete"])
def test_sections_close_when_the_referral_ends(
    ending: str,
    accepted: Any,
    police_officer: Any,
    case_worker: Any,
    supervisor: Any,
    client: Client,
) -> None:
    if ending == "withdraw":
        services.consent_withdraw(actor=case_worker, referral=accepted, note="Mother, by phone")
    elif ending == "revoke":
        services.referral_revoke(actor=supervisor, referral=accepted, reason="Wrong unit")
    else:
        services.service_record_add(
            actor=police_officer,
            referral=accepted,
            service="penegakan_hukum",
            delivered_on=timezone.localdate(),
            provider="Unit PPA",
            outcome="Report filed",
        )
        services.referral_complete(actor=police_officer, referral=accepted, outcome="Filed")
    client.force_login(police_officer)
    page = client.get(accepted.get_absolute_url())
    assert page.status_code == 200  # read-only history stays
    assert "Budi Santoso Uji" not in page.content.decode()
    section = client.get(reverse("referrals:referral-section", args=[accepted.pk, "identity"]))
    assert section.status_code == 404
    assert AuditEvent.objects.filter(action="referral.section_refused").exists()


def test_create_form_keeps_input_and_explains(case: Any, case_worker: Any, client: Client) -> None:
    client.force_login(case_worker)
    url = reverse("referrals:referral-create", args=[case.pk])
    response = client.post(url, {"reason": "Kept text", "urgency": "urgent"})
    assert response.status_code == 422
    html = response.content.decode()
    assert "Kept text" in html and "Choose the agency you refer the child to." in html
    assert not Referral.objects.exists()


def test_create_then_send_through_pages(
    case: Any, case_worker: Any, police_agency: Any, guardian: Any, client: Client
) -> None:
    client.force_login(case_worker)
    response = client.post(
        reverse("referrals:referral-create", args=[case.pk]),
        {
            "to_agency": police_agency.pk,
            "services": ["trafficking_online"],
            "sections": ["identity"],
            "reason": "Photos of the child posted online",
            "urgency": "emergency",
            "consent_basis": "consent",
            "child_view": "agreed",
            "guardian": guardian.pk,
        },
    )
    referral = Referral.objects.get()
    assert response.status_code == 302 and response["Location"] == referral.get_absolute_url()
    send = client.post(reverse("referrals:referral-send", args=[referral.pk]))
    assert send.status_code == 302
    referral.refresh_from_db()
    assert referral.status == Status.SENT and referral.cyber_unit


def test_send_page_refuses_without_consent(
    case: Any, case_worker: Any, police_agency: Any, client: Client
) -> None:
    referral = draft_referral(case, case_worker, police_agency)
    client.force_login(case_worker)
    response = client.post(reverse("referrals:referral-send", args=[referral.pk]))
    assert response.status_code == 422
    assert "Record the consent" in response.content.decode()


def test_decline_without_reason_keeps_the_form(
    sent: Any, police_officer: Any, client: Client
) -> None:
    client.force_login(police_officer)
    url = reverse("referrals:referral-respond", args=[sent.pk])
    response = client.post(url, {"decision": "decline", "reason": ""})
    assert response.status_code == 422
    assert "Say why you decline" in response.content.decode()


def test_search_is_audited_without_the_term(case_worker: Any, sent: Any, client: Client) -> None:
    client.force_login(case_worker)
    response = client.get(reverse("referrals:referral-list"), {"q": sent.case.number})
    assert response.status_code == 200 and sent.reference in response.content.decode()
    event = AuditEvent.objects.get(action="referral.search")
    assert event.summary == {"box": "", "has_query": True, "results": 1}


def test_transfer_package_is_signed_and_audited(
    case: Any, case_worker: Any, guardian: Any, client: Client
) -> None:
    from sigap.geo.models import Region

    transfer = services.referral_create(
        actor=case_worker,
        case=case,
        kind="transfer",
        to_region=Region.objects.get(code="64.72"),
        external_recipient="Dinas Sosial daerah asal",
        reason="Return home",
        consent_basis="consent",
        child_view="agreed",
        guardian=guardian,
    )
    transfer = services.referral_send(actor=case_worker, referral=transfer)
    client.force_login(case_worker)
    response = client.get(reverse("referrals:transfer-package", args=[transfer.pk]))
    package = json.loads(response.content)
    assert services.package_verify(package) == (True, "valid")
    assert package["payload"]["child"]["full_name"] == "Budi Santoso Uji"
    assert "nik" not in json.dumps(package).lower()
    summary = client.get(reverse("referrals:transfer-summary", args=[transfer.pk]))
    assert summary.status_code == 200 and b"Transfer summary" in summary.content
    assert AuditEvent.objects.filter(action="referral.exported").count() == 2


def test_list_query_count_is_constant(
    case_worker: Any,
    home_agency: Any,
    intake_officer: Any,
    police_agency: Any,
    client: Client,
    django_assert_num_queries: Any,
) -> None:
    def add(n: int) -> None:
        for _ in range(n):
            c = open_case(case_worker, home_agency, make_child(home_agency, intake_officer))
            draft_referral(c, case_worker, police_agency)

    client.force_login(case_worker)
    url = reverse("referrals:referral-list")
    add(2)
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as first:
        client.get(url)
    assert len(first.captured_queries) <= 12
    add(8)
    with django_assert_num_queries(len(first.captured_queries)):
        client.get(url)


def test_detail_query_count_is_constant(
    accepted: Any, police_officer: Any, client: Client, django_assert_num_queries: Any
) -> None:
    client.force_login(police_officer)
    url = accepted.get_absolute_url()
    client.get(url)
    # 19 on SQLite (18 + the look-up of the reader's section grants, for the NIK button);
    # PostgreSQL adds the audit chain's advisory lock
    with CaptureQueriesContext(connection) as first:
        client.get(url)
    assert len(first.captured_queries) <= 20
    for i in range(5):
        services.note_add(actor=police_officer, referral=accepted, text=f"note {i}")
        services.service_record_add(
            actor=police_officer,
            referral=accepted,
            service="pengaduan",
            delivered_on=timezone.localdate(),
            provider="Unit PPA",
            outcome=f"step {i}",
        )
    with django_assert_num_queries(len(first.captured_queries)):
        client.get(url)


# --- accountability --------------------------------------------------------------------------


def test_case_access_log_shows_who_with_agency(
    accepted: Any, police_officer: Any, case_worker: Any, client: Client
) -> None:
    client.force_login(police_officer)
    client.get(accepted.get_absolute_url())
    client.force_login(case_worker)
    page = client.get(reverse("referrals:case-access-log", args=[accepted.case_id]))
    html = page.content.decode()
    assert page.status_code == 200
    assert police_officer.username in html and "referral.view" in html
    assert str(accepted.to_agency) in html


def test_unusual_access_report(
    supervisor: Any, case_worker: Any, client: Client, settings: Any
) -> None:
    from sigap.core.audit import audit_log

    settings.SIGAP_UNUSUAL_ACCESS_RECORDS = 3
    settings.SIGAP_UNUSUAL_ACCESS_MINUTES = 10
    for i in range(5):
        audit_log(actor=case_worker, action="child.view", object_type="children.child", object_id=i)
    client.force_login(supervisor)
    page = client.get(reverse("referrals:unusual-access"))
    assert page.status_code == 200
    assert case_worker.username in page.content.decode()


# --- break-the-glass ------------------------------------------------------------------------------


@pytest.fixture
def police_supervisor(police_agency: Any) -> Any:
    return user_with_role(Role.SUPERVISOR, police_agency, username="kanit")


def test_break_glass_page_needs_a_reason(case: Any, police_supervisor: Any, client: Client) -> None:
    client.force_login(police_supervisor)
    url = reverse("referrals:break-glass")
    response = client.post(url, {"number": case.number, "reason": ""})
    assert response.status_code == 422
    assert "Give the reason" in response.content.decode()
    assert not EmergencyAccess.objects.exists()
    assert AuditEvent.objects.filter(action="access.refused").exists()


def test_break_glass_page_opens_and_redirects_to_the_case(
    case: Any, police_supervisor: Any, client: Client
) -> None:
    client.force_login(police_supervisor)
    response = client.post(
        reverse("referrals:break-glass"),
        {"number": case.number, "reason": "Child found injured at 02:00"},
    )
    assert response.status_code == 302 and response["Location"] == case.get_absolute_url()
    assert EmergencyAccess.objects.get().user == police_supervisor


def test_break_glass_opens_the_case_page_until_it_expires(
    case: Any, police_supervisor: Any, client: Client
) -> None:
    client.force_login(police_supervisor)
    url = case.get_absolute_url()
    assert client.get(url).status_code == 404
    access = services.break_glass_open(
        actor=police_supervisor, case=case, reason="Child found injured at 02:00"
    )
    assert client.get(url).status_code == 200
    assert client.get(f"/api/v1/cases/{case.pk}").status_code == 200
    EmergencyAccess.objects.filter(pk=access.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert client.get(url).status_code == 404
    assert client.get(f"/api/v1/cases/{case.pk}").status_code == 404


def test_break_glass_is_read_only(case: Any, police_supervisor: Any, client: Client) -> None:
    services.break_glass_open(
        actor=police_supervisor, case=case, reason="Child found injured at 02:00"
    )
    client.force_login(police_supervisor)
    edit = client.get(reverse("cases:case-edit", args=[case.pk]))
    assert edit.status_code == 403


def test_two_factor_is_required_before_any_referral_page_or_api(
    accepted: Any, police_officer: Any, client: Client, settings: Any
) -> None:
    settings.SIGAP_REQUIRE_2FA = True
    client.force_login(police_officer)
    page = client.get(accepted.get_absolute_url())
    assert page.status_code == 302 and reverse("accounts:two_factor") in page["Location"]
    assert client.get(f"/api/v1/referrals/{accepted.pk}").status_code == 403
    assert not AuditEvent.objects.filter(action="referral.view").exists()
