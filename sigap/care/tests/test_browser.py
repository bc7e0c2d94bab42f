"""The care pathway in a browser: shelter admission → five days of psychologist notes (the chart
shows them) → school recommendation and its approval → education record → discharge, with a
parenting session and a written commitment, while the supervisor's tasks change."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from conftest import browser_login, screenshot
from sigap.care.models import CareArrangement, EducationRecord, ProgressNote

pytestmark = pytest.mark.browser

NOTES = [
    {"mood": 1, "behaviour": 2, "sleep": 1, "appetite": 2, "social": 1, "trauma": 1},
    {"mood": 2, "behaviour": 2, "sleep": 2, "appetite": 3, "social": 2, "trauma": 2},
    {"mood": 3, "behaviour": 3, "sleep": 3, "appetite": 3, "social": 2, "trauma": 2},
    {"mood": 4, "behaviour": 3, "sleep": 4, "appetite": 4, "social": 3, "trauma": 3},
    {"mood": 4, "behaviour": 4, "sleep": 4, "appetite": 5, "social": 4, "trauma": 4},
]


def _as(page: Any, username: str) -> None:
    page.context.clear_cookies()
    browser_login(page, username)


def _submit(page: Any) -> None:
    page.locator("main form[method=post] button[type=submit]").last.click()
    page.wait_for_load_state("domcontentloaded")


def _supervisor_task_kinds(page: Any) -> list[str]:
    page.goto(f"{page.base}/pendampingan/tugas/?tampil=semua")
    return page.locator("[data-task-kind]").evaluate_all("els => els.map(e => e.dataset.taskKind)")


def test_care_pathway_in_the_browser(browser_page, case, case_worker, psychologist, supervisor):
    page = browser_page
    care_url = f"{page.base}/pendampingan/kasus/{case.pk}/"
    today = timezone.localdate()

    # The supervisor's tasks before anything happens.
    _as(page, supervisor.username)
    before = _supervisor_task_kinds(page)
    assert "school_recommendation" not in before
    screenshot(page, "care-01-supervisor-tasks-before")

    # 1. The case worker admits the child, four days ago.
    _as(page, case_worker.username)
    page.goto(care_url)
    screenshot(page, "care-02-care-page-empty")
    page.goto(f"{care_url}masuk-rumah-aman/")
    admitted = timezone.localtime() - timedelta(days=4)
    page.fill("input[name=admitted_at]", admitted.strftime("%Y-%m-%dT%H:%M"))
    page.fill("textarea[name=reason]", "Found selling tissues at the crossroads at 01:00")
    page.fill("input[name=brought_by]", "Satpol PP night outreach")
    page.fill("textarea[name=belongings]", "A bag of clothes, a phone")
    screenshot(page, "care-03-admission-form")
    _submit(page)
    assert page.url.startswith(care_url)
    assert CareArrangement.objects.filter(case=case, ended_at__isnull=True).exists()
    screenshot(page, "care-04-admitted")

    # 2. Five days of psychologist notes; the chart shows them.
    _as(page, psychologist.username)
    for offset, values in zip(range(4, -1, -1), NOTES, strict=True):
        page.goto(f"{care_url}catatan-psikolog/baru/")
        page.fill("input[name=noted_on]", (today - timedelta(days=offset)).isoformat())
        for key, value in values.items():
            page.check(f"input[name={key}][value='{value}']")
        page.fill("textarea[name=narrative]", f"Day {5 - offset}: calmer, joined the group.")
        if offset == 4:
            screenshot(page, "care-05-note-form")
        _submit(page)
        assert "/catatan-psikolog/" in page.url and "/baru/" not in page.url, page.url
    assert ProgressNote.objects.filter(case=case).count() == 5
    page.wait_for_function(
        "() => { const c = document.querySelector('canvas[data-progress-chart]');"
        " return c && window.Chart && window.Chart.getChart(c); }"
    )
    points = page.evaluate(
        "() => window.Chart.getChart(document.querySelector('canvas[data-progress-chart]'))"
        ".data.labels.length"
    )
    assert points == 5
    screenshot(page, "care-06-notes-chart")

    # 3. The psychologist recommends the return to school.
    page.goto(f"{care_url}rekomendasi-sekolah/")
    page.fill("textarea[name=grounds]", "Mood and sleep stable for five days; eager to learn.")
    _submit(page)
    assert page.url.startswith(care_url)

    # The supervisor's task list now holds the decision; the supervisor approves it.
    _as(page, supervisor.username)
    waiting = _supervisor_task_kinds(page)
    assert "school_recommendation" in waiting
    screenshot(page, "care-07-supervisor-tasks-waiting")
    page.locator("[data-task-kind=school_recommendation]").first.click()
    page.wait_for_load_state("domcontentloaded")
    page.check("input[name=decision][value=approve]")
    page.fill("textarea[name=comment]", "Agreed; follow attendance every two weeks.")
    screenshot(page, "care-08-decision")
    _submit(page)
    after = _supervisor_task_kinds(page)
    assert "school_recommendation" not in after
    screenshot(page, "care-09-supervisor-tasks-after")

    # 4. The case worker opens the education record, records a parenting session and a
    # commitment, then discharges the child.
    _as(page, case_worker.username)
    page.goto(f"{care_url}sekolah/")
    page.fill("input[name=school_name]", "SD Negeri 001 Balikpapan Utara")
    page.fill("input[name=grade]", "4")
    page.fill("input[name=started_on]", today.isoformat())
    _submit(page)
    assert EducationRecord.objects.filter(case=case).exists()

    page.goto(f"{care_url}keluarga/?jenis=parenting")
    page.fill("input[name=occurred_on]", today.isoformat())
    page.fill("input[name=participants]", "Mother and stepfather")
    page.fill("input[name=topic]", "Positive discipline and school routines")
    page.fill("textarea[name=outcome]", "Agreed on a daily school check")
    _submit(page)

    page.goto(f"{care_url}surat-pernyataan/")
    page.fill("input[name=signed_by]", "Ibu Sari (mother)")
    page.fill("input[name=signed_on]", today.isoformat())
    page.fill(
        "textarea[name=terms]",
        "Will not send the child to the street; will send the child to school.",
    )
    _submit(page)

    stay = CareArrangement.objects.get(case=case, ended_at__isnull=True)
    page.goto(f"{page.base}/pendampingan/rumah-aman/")
    assert page.get_by_text(case.child.full_name).first.is_visible()
    screenshot(page, "care-10-shelter-today")
    page.goto(f"{page.base}/pendampingan/rumah-aman/{stay.pk}/keluar/")
    page.fill("input[name=destination]", "Home to the family")
    page.fill("textarea[name=reason]", "Family ready after parenting sessions; back at school")
    _submit(page)
    stay.refresh_from_db()
    assert stay.ended_at is not None
    page.goto(care_url)
    screenshot(page, "care-11-care-page-complete")

    # The timeline of the case shows the pathway (cases page).
    page.goto(f"{page.base}/kasus/{case.pk}/")
    screenshot(page, "care-12-case-page")

    # The supervisor's caseload view.
    _as(page, supervisor.username)
    page.goto(f"{page.base}/pendampingan/beban-kerja/")
    screenshot(page, "care-13-caseload")


def test_care_page_on_a_phone(phone_page, case, stay, psychologist):
    page = phone_page
    browser_login(page, psychologist.username)
    page.goto(f"{page.base}/pendampingan/kasus/{case.pk}/catatan-psikolog/baru/")
    screenshot(page, "care-14-phone-note-form")
    page.goto(f"{page.base}/pendampingan/tugas/")
    screenshot(page, "care-15-phone-tasks")
