"""A case walked through the pages in a real browser: opened from the child's page, assessed on a
phone, planned, approved by a supervisor, implemented, closed with an approved reason."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import browser_login, screenshot
from sigap.accounts.models import Role
from sigap.accounts.tests.factories import user_with_role
from sigap.cases.models import Case, Stage
from sigap.cases.tests.factories import make_child

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _new_session(browser, live_server, *, phone=False):
    options: dict[str, Any] = {"viewport": {"width": 1280, "height": 860}, "locale": "en-GB"}
    if phone:
        options = {
            "viewport": {"width": 360, "height": 740},
            "device_scale_factor": 2,
            "is_mobile": True,
            "has_touch": True,
            "locale": "en-GB",
        }
    context = browser.new_context(**options)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.base = live_server.url
    return context, page


def _move(page, label):
    page.get_by_role("link", name=label).click()
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_load_state("domcontentloaded")


def test_case_from_child_page_to_closure(
    browser, live_server, case_worker, supervisor, home_agency
):
    second_supervisor = user_with_role(Role.SUPERVISOR, home_agency, username="kabid")
    child = make_child(home_agency, case_worker, full_name="Budi Santoso Demo")

    # 1. The case worker opens a case from the child's page.
    context, page = _new_session(browser, live_server)
    browser_login(page, case_worker.username)
    page.goto(f"{page.base}/anak/{child.pk}/")
    page.get_by_role("link", name="Open a case").click()
    page.get_by_role("group", name="AMPK categories").get_by_label(
        "d. Economically and/or sexually exploited"
    ).check()
    page.locator("#id_risk_level").select_option("high")
    screenshot(page, "cases-01-open-form")
    page.get_by_role("button", name="Open the case").click()
    page.wait_for_load_state("domcontentloaded")
    case = Case.objects.get()
    assert case.number in page.content()
    screenshot(page, "cases-02-detail-intake")
    _move(page, "Move to Assessment")
    context.close()

    # 2. The assessment, on a phone: the gate to planning is explained until it is completed.
    context, phone = _new_session(browser, live_server, phone=True)
    browser_login(phone, case_worker.username)
    phone.goto(f"{phone.base}/kasus/{case.pk}/")
    assert phone.get_by_text("Complete an assessment of the child first.").is_visible()
    screenshot(phone, "cases-03-phone-gate")
    phone.get_by_role("link", name="New assessment").click()
    for area in ("Safety", "Health", "Education", "Family", "Psychosocial", "Legal needs"):
        phone.get_by_label(area, exact=True).select_option("2")
    screenshot(phone, "cases-04-phone-assessment")
    phone.get_by_role("button", name="Complete the assessment").click()
    phone.wait_for_load_state("domcontentloaded")
    context.close()

    # 3. Plan with one owned action, submitted for approval.
    context, page = _new_session(browser, live_server)
    browser_login(page, case_worker.username)
    page.goto(f"{page.base}/kasus/{case.pk}/")
    _move(page, "Move to Intervention planning")
    page.get_by_role("link", name="New plan").click()
    page.get_by_label("Goals").fill("Stop street work and return to school.")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("link", name="Add an action").click()
    page.get_by_label("Action").fill("Enrol at the nearest primary school")
    page.get_by_label("Due date").fill("2030-07-01")
    page.get_by_role("button", name="Save").click()
    assert page.get_by_text("Every action needs an owner").first.is_visible()
    screenshot(page, "cases-05-action-needs-owner")
    page.get_by_label("Responsible person").fill("Kepala sekolah")
    page.get_by_label("Responsible agency").select_option(str(home_agency.pk))
    page.get_by_role("button", name="Save").click()
    page.get_by_role("link", name="Submit for approval").click()
    page.get_by_role("button", name="Submit").click()
    page.wait_for_load_state("domcontentloaded")
    context.close()

    # 4. The supervisor approves from the queue.
    context, page = _new_session(browser, live_server)
    browser_login(page, supervisor.username)
    page.get_by_role("link", name="Approvals").first.click()
    screenshot(page, "cases-06-approval-queue")
    page.get_by_role("link", name="Decide").click()
    page.get_by_label("Approve").check()
    page.get_by_role("button", name="Record the decision").click()
    page.wait_for_load_state("domcontentloaded")
    context.close()

    # 5. Implementation, then a closure request approved by another supervisor, then closure.
    context, page = _new_session(browser, live_server)
    browser_login(page, case_worker.username)
    page.goto(f"{page.base}/kasus/{case.pk}/")
    _move(page, "Move to Implementation")
    page.get_by_role("link", name="Request closure").click()
    page.get_by_label("Why should the case be closed?").select_option("reintegrated")
    page.get_by_role("button", name="Send the request").click()
    context.close()

    context, page = _new_session(browser, live_server)
    browser_login(page, second_supervisor.username)
    page.goto(f"{page.base}/kasus/persetujuan/")
    page.get_by_role("link", name="Decide").click()
    page.get_by_label("Approve").check()
    page.get_by_role("button", name="Record the decision").click()
    context.close()

    context, page = _new_session(browser, live_server)
    browser_login(page, case_worker.username)
    page.goto(f"{page.base}/kasus/{case.pk}/")
    page.get_by_role("link", name="Close the case").click()
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_load_state("domcontentloaded")
    case.refresh_from_db()
    assert case.stage == Stage.CLOSURE and case.closure_reason == "reintegrated"
    screenshot(page, "cases-07-closed")
    context.close()
