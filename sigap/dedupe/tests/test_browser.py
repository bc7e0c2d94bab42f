"""The merge walked in a real browser: a supervisor confirms a pair, merges it, and finds both
records' cases on the kept child's page; the merged record points there; undo puts them back."""

from __future__ import annotations

from datetime import date

import pytest

from conftest import browser_login, screenshot
from sigap.cases.tests.factories import close, open_case
from sigap.children.models import FamilyMember, Relation
from sigap.dedupe.models import ChildMerge
from sigap.dedupe.tests.conftest import make_pair, register

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_confirm_merge_and_undo(browser, live_server, case_worker, supervisor, home_agency):
    kept = register(case_worker, "Muhammad Rizki Pratama", birth_date=date(2015, 3, 14))
    other = register(case_worker, "Ucok", estimated_age=11, aliases=["Rizki"])
    FamilyMember.objects.create(child=other, full_name="Siti Aminah", relation=Relation.MOTHER)
    old_case = close(open_case(case_worker, home_agency, kept), case_worker, supervisor)
    street_case = open_case(case_worker, home_agency, other, summary="Found at the crossroads")
    pair = make_pair(kept, other, score=0.83)

    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="en-GB")
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.base = live_server.url
    browser_login(page, supervisor.username)
    page.goto(f"{live_server.url}/duplikat/{pair.pk}/")
    page.get_by_role("link", name="Same child", exact=True).click()
    page.get_by_role("button", name="Same child", exact=True).click()
    page.wait_for_load_state("domcontentloaded")
    page.get_by_role("link", name="Merge the records").click()
    page.get_by_label("Muhammad Rizki Pratama").check()
    screenshot(page, "dedupe-01-merge-form")
    page.get_by_role("button", name="Merge", exact=True).click()
    page.wait_for_load_state("domcontentloaded")
    assert "cases and names are now under the kept record" in page.content()

    page.goto(f"{live_server.url}{kept.get_absolute_url()}")
    body = page.content()
    assert old_case.number in body and street_case.number in body
    assert "Siti Aminah" in body and "Ucok" in body
    screenshot(page, "dedupe-02-kept-record")
    page.goto(f"{live_server.url}{other.get_absolute_url()}")
    assert "has been merged into" in page.content()
    screenshot(page, "dedupe-03-merged-record")

    merge = ChildMerge.objects.get()
    page.goto(f"{live_server.url}/duplikat/gabungan/{merge.pk}/batalkan/")
    page.get_by_role("button", name="Undo the merge").click()
    page.wait_for_load_state("domcontentloaded")
    page.goto(f"{live_server.url}{other.get_absolute_url()}")
    assert street_case.number in page.content()
    context.close()
