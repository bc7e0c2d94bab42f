"""A referral in the browser: the case worker refers a child to the police unit with consent; the
police officer sees only the shared sections and records the action; the supervisor sees who
accessed the case; an outsider finds nothing by list, search, API or guessed URL."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from conftest import browser_login, screenshot
from sigap.referrals.models import Referral, Status

pytestmark = pytest.mark.browser


def _as(page: Any, username: str) -> None:
    page.context.clear_cookies()
    browser_login(page, username)


def _submit(page: Any) -> None:
    page.locator("main form[method=post] button[type=submit]").last.click()
    page.wait_for_load_state("domcontentloaded")


def test_referral_to_the_police_in_the_browser(
    browser_page: Any,
    case: Any,
    guardian: Any,
    case_worker: Any,
    supervisor: Any,
    police_officer: Any,
    police_agency: Any,
    outsider: Any,
) -> None:
    page = browser_page

    # 1. The case worker refers the child to the police unit, with consent.
    _as(page, case_worker.username)
    page.goto(f"{page.base}/rujukan/kasus/{case.pk}/")
    screenshot(page, "referrals-01-case-referrals-empty")
    page.click("a[href$='/baru/']")
    page.select_option("select[name=to_agency]", str(police_agency.pk))
    page.check("input[name=services][value=legal_organiser]")
    page.check("input[name=services][value=trafficking_online]")
    # identity and summary are ticked by default; nothing else is shared
    assert page.is_checked("input[name=sections][value=identity]")
    assert not page.is_checked("input[name=sections][value=family]")
    page.fill("textarea[name=reason]", "An organiser posts videos of the child begging online.")
    page.check("input[name=urgency][value=urgent]")
    page.check("input[name=consent_basis][value=consent]")
    page.select_option("select[name=child_view]", "agreed")
    page.select_option("select[name=guardian]", str(guardian.pk))
    screenshot(page, "referrals-02-referral-form")
    _submit(page)
    referral = Referral.objects.get()
    assert page.url.endswith(f"/rujukan/{referral.pk}/")
    page.click(f"a[href$='/rujukan/{referral.pk}/kirim/']")
    screenshot(page, "referrals-03-send-confirm")
    _submit(page)
    referral.refresh_from_db()
    assert referral.status == Status.SENT
    screenshot(page, "referrals-04-sent")

    # 2. The police officer finds it in the inbox, accepts, sees only the shared sections.
    _as(page, police_officer.username)
    page.goto(f"{page.base}/rujukan/?box=in&status=sent")
    assert referral.reference in page.content()
    screenshot(page, "referrals-05-police-inbox")
    page.click(f"a[href='/rujukan/{referral.pk}/']")
    assert case.child.full_name not in page.content()  # nothing before acceptance
    page.click(f"a[href$='/rujukan/{referral.pk}/tanggapi/']")
    page.check("input[name=decision][value=accept]")
    _submit(page)
    html = page.content()
    assert case.child.full_name in html  # identity shared
    assert "Sells tissues at the Rapak crossroads" in html  # summary shared
    assert guardian.full_name not in html  # family not shared
    assert f"/kasus/{case.pk}/" not in html  # no way into the full case
    screenshot(page, "referrals-06-police-shared-sections")
    assert page.goto(f"{page.base}/kasus/{case.pk}/").status == 404

    # ... and records the action taken.
    page.goto(f"{page.base}/rujukan/{referral.pk}/layanan/")
    page.select_option("select[name=service]", "penegakan_hukum")
    page.fill("input[name=delivered_on]", timezone.localdate().isoformat())
    page.fill("input[name=provider]", "Unit PPA Polresta Balikpapan")
    page.fill("textarea[name=outcome]", "Organiser identified and summoned for questioning.")
    _submit(page)
    assert "Organiser identified" in page.content()
    screenshot(page, "referrals-07-police-service-recorded")

    # 3. The supervisor sees who accessed the case.
    _as(page, supervisor.username)
    page.goto(f"{page.base}/rujukan/kasus/{case.pk}/akses/")
    log = page.content()
    assert police_officer.username in log and "referral.view" in log
    assert str(police_agency) in log
    screenshot(page, "referrals-08-supervisor-access-log")

    # 4. An outsider finds nothing: list, search, API, guessed URLs.
    _as(page, outsider.username)
    page.goto(f"{page.base}/rujukan/?q={case.number}")
    assert referral.reference not in page.content()
    screenshot(page, "referrals-09-outsider-search")
    for url in (
        f"/rujukan/{referral.pk}/",
        f"/rujukan/{referral.pk}/bagian/identity/",
        f"/rujukan/kasus/{case.pk}/",
        f"/kasus/{case.pk}/",
        f"/api/v1/referrals/{referral.pk}",
        f"/api/v1/cases/{case.pk}",
    ):
        assert page.goto(f"{page.base}{url}").status == 404, url
    listed = page.goto(f"{page.base}/api/v1/referrals")
    assert listed.json()["count"] == 0
    page.goto(f"{page.base}/kasus/?q={case.number}")
    assert case.number not in page.locator("main").inner_text()
    screenshot(page, "referrals-10-outsider-case-search")
