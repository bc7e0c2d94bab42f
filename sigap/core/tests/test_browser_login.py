"""The first path every user walks: sign in, reach the home page, switch the language."""

import pytest

from conftest import browser_login, screenshot

pytestmark = pytest.mark.browser


def test_sign_in_home_and_language_switch(indonesian, browser_page, case_worker):
    page = browser_page
    page.goto(f"{page.base}/")
    # Not signed in: the home page sends the visitor to the Indonesian login page.
    assert "/akun/masuk/" in page.url
    assert page.locator("html").get_attribute("lang") == "id"
    assert page.get_by_role("heading", name="Masuk ke Sigap").is_visible()
    screenshot(page, "foundation-01-login")

    browser_login(page, case_worker.username)
    assert page.url.rstrip("/") == page.base.rstrip("/")
    assert page.get_by_role("heading", name=f"Selamat datang, {case_worker.full_name}").is_visible()
    assert page.get_by_text("UPTD PPA Kota Balikpapan").first.is_visible()
    screenshot(page, "foundation-02-home-id")

    page.get_by_role("button", name="English").click()
    page.wait_for_load_state("domcontentloaded")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", name=f"Welcome, {case_worker.full_name}").is_visible()
    screenshot(page, "foundation-03-home-en")

    page.get_by_role("button", name="Bahasa Indonesia").click()
    page.wait_for_load_state("domcontentloaded")
    assert page.locator("html").get_attribute("lang") == "id"


def test_wrong_password_shows_message_in_indonesian(indonesian, browser_page, case_worker):
    page = browser_page
    browser_login(page, case_worker.username, "not-the-password")
    assert "/akun/masuk/" in page.url
    assert page.get_by_role("alert").is_visible()
    assert "sandi" in page.get_by_role("alert").inner_text().lower()
