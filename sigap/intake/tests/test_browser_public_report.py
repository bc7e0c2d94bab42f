"""The path of issue 6 in a real browser: a member of the public files a report with a photo from
a phone, reads the tracking page; an intake officer triages it into a case; the tracking page
changes. Screenshots in artifacts/screenshots/intake-*.png."""

import pytest

from conftest import browser_login, screenshot
from sigap.intake.models import Report, Status
from sigap.intake.tests.factories import image_bytes

pytestmark = pytest.mark.browser


def test_public_report_to_case_on_a_phone(indonesian, phone_page, intake_officer, tmp_path):
    page = phone_page
    photo = tmp_path / "foto.jpg"
    photo.write_bytes(image_bytes("JPEG", size=(640, 480), exif=True))

    page.goto(f"{page.base}/lapor/")
    assert page.locator("html").get_attribute("lang") == "id"
    screenshot(page, "intake-01-public-form")
    page.check("input[name=category][value=street]")
    page.fill("input[name=children_count]", "2")
    page.select_option("select[name=age_group]", "5_12")
    page.select_option("select[name=kelurahan]", "64.71.03.1001")
    page.fill("input[name=landmark]", "Lampu merah Simpang Rapak, depan minimarket")
    page.fill(
        "textarea[name=description]", "Dua anak menjual tisu di lampu merah, hujan, pukul 23."
    )
    page.set_input_files("input[name=photos]", str(photo))
    # The contact fields stay hidden while "stay anonymous" is chosen (report.js, no inline JS).
    assert not page.locator("#contact-fields").is_visible()
    page.locator("#public-report-form button[type=submit]").click()
    page.wait_for_url("**/lapor/status/**")

    code = page.locator("#tracking-code").inner_text().strip()
    report = Report.objects.get(tracking_code=code.replace("-", ""))
    assert report.photos.count() == 1
    assert "active" in page.locator("ol li").nth(0).get_attribute("class")
    screenshot(page, "intake-02-tracking-received")

    # An intake officer (desktop-sized context of the same browser) opens a case from it.
    officer = page.context.browser.new_context(
        viewport={"width": 1280, "height": 860}, locale="id-ID"
    )
    desk = officer.new_page()
    desk.base = page.base
    browser_login(desk, intake_officer.username)
    desk.goto(f"{page.base}/laporan/")
    desk.locator(f"a[href='/laporan/{report.pk}/']").click()
    desk.wait_for_load_state("domcontentloaded")
    assert desk.locator(f"img[src^='/laporan/{report.pk}/foto/']").is_visible()
    screenshot(desk, "intake-03-report-detail")
    desk.locator(f"a[href='/laporan/{report.pk}/kasus/']").click()
    desk.wait_for_load_state("domcontentloaded")
    desk.check("input[name=child][value=new]")
    desk.fill("input[name=full_name]", "Bayu (anak jalanan)")
    desk.select_option("select[name=sex]", "male")
    desk.fill("input[name=estimated_age]", "9")
    screenshot(desk, "intake-04-open-case")
    desk.locator("main form[method=post] button[type=submit]").click()
    desk.wait_for_url("**/kasus/**")
    screenshot(desk, "intake-05-case")
    officer.close()

    report.refresh_from_db()
    assert report.status == Status.CASE_OPENED
    page.goto(f"{page.base}/lapor/status/{report.tracking_code}/")
    assert "active" in page.locator("ol li").nth(2).get_attribute("class")
    assert "Bayu" not in page.content()
    screenshot(page, "intake-06-tracking-handled")
