"""Shared fixtures: the region fixture set, agencies and one named persona per role.

Personas (ARCHITECTURE.md, Tests): intake_officer, case_worker, supervisor, psychologist,
police_officer (partner officer at the police unit), lksa_staff (partner officer at an LKSA),
analyst, agency_admin, system_admin, and outsider (a case worker of an unrelated agency).
All staff personas except police, LKSA and outsider work at the same UPTD PPA (`home_agency`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from sigap.accounts.models import AgencyType, Role, User
from sigap.accounts.tests.factories import TEST_PASSWORD, AgencyFactory, user_with_role

REGION_FIXTURES = Path(__file__).parent / "sigap" / "geo" / "tests" / "data"

PERSONAS = [
    "intake_officer",
    "case_worker",
    "supervisor",
    "psychologist",
    "police_officer",
    "lksa_staff",
    "analyst",
    "agency_admin",
    "system_admin",
    "outsider",
]


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    """Each test starts with an empty cache (navigation badges, rate limits), so query counts and
    limits do not depend on the order tests run in."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _english_unless_asked(settings: Any) -> Iterator[None]:
    """Tests read messages in English, the language of the source strings, so that a better
    Indonesian wording never breaks a test of a rule. Tests of the Indonesian UI itself ask for
    it with the `indonesian` fixture (the shipped default: see test_settings_language)."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def indonesian(settings: Any) -> Iterator[None]:
    """The shipped default language, Bahasa Indonesia, for tests of what users actually read."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "id"
    with translation.override("id"):
        yield


@pytest.fixture
def regions(db: Any) -> None:
    call_command("load_regions", data_dir=REGION_FIXTURES, verbosity=0)


@pytest.fixture
def home_agency(regions: None) -> Any:
    return AgencyFactory(name="UPTD PPA Kota Balikpapan", type=AgencyType.UPTD_PPA)


@pytest.fixture
def police_agency(regions: None) -> Any:
    return AgencyFactory(name="Unit PPA Polresta Balikpapan", type=AgencyType.POLICE_PPA)


@pytest.fixture
def lksa_agency(regions: None) -> Any:
    return AgencyFactory(name="Panti Asuhan Uji", type=AgencyType.LKSA)


@pytest.fixture
def other_agency(regions: None) -> Any:
    return AgencyFactory(
        name="Dinas Sosial Kota Samarinda",
        type=AgencyType.DINSOS,
        region_id="64.72",
        regency_code="64.72",
    )


@pytest.fixture
def intake_officer(home_agency: Any) -> User:
    return user_with_role(Role.INTAKE_OFFICER, home_agency, username="intake")


@pytest.fixture
def case_worker(home_agency: Any) -> User:
    return user_with_role(Role.CASE_WORKER, home_agency, username="pekerja")


@pytest.fixture
def supervisor(home_agency: Any) -> User:
    return user_with_role(Role.SUPERVISOR, home_agency, username="supervisor")


@pytest.fixture
def psychologist(home_agency: Any) -> User:
    return user_with_role(Role.PSYCHOLOGIST, home_agency, username="psikolog")


@pytest.fixture
def police_officer(police_agency: Any) -> User:
    return user_with_role(Role.PARTNER_OFFICER, police_agency, username="polisi")


@pytest.fixture
def lksa_staff(lksa_agency: Any) -> User:
    return user_with_role(Role.PARTNER_OFFICER, lksa_agency, username="panti")


@pytest.fixture
def analyst(home_agency: Any) -> User:
    return user_with_role(Role.ANALYST, home_agency, username="analis")


@pytest.fixture
def agency_admin(home_agency: Any) -> User:
    return user_with_role(Role.AGENCY_ADMIN, home_agency, username="adminlembaga")


@pytest.fixture
def system_admin(home_agency: Any) -> User:
    return user_with_role(Role.SYSTEM_ADMIN, home_agency, username="adminsistem")


@pytest.fixture
def outsider(other_agency: Any) -> User:
    return user_with_role(Role.CASE_WORKER, other_agency, username="orangluar")


@pytest.fixture
def persona(request: pytest.FixtureRequest, db: Any) -> User | None:
    """Indirect parametrisation: @pytest.mark.parametrize("persona", PERSONAS, indirect=True)."""
    if request.param == "anonymous":
        return None
    return request.getfixturevalue(request.param)


# --- browser tests ---------------------------------------------------------------------------------
# Playwright drives Debian's Chromium (`make test` installs it when missing; Playwright's own browser
# download is not used). Mark browser tests with @pytest.mark.browser; screenshots go to
# artifacts/screenshots/ (git-ignored) through `screenshot(page, "name")`.

ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM = os.environ.get("SIGAP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session", autouse=True)
def _serial_live_server_on_sqlite() -> Iterator[None]:
    """On SQLite the live server answers one request at a time.

    The test database is an in-memory SQLite with a shared cache, where two connections writing
    at once fail at once with "database table is locked" (no busy timeout applies), and every
    signed-in request writes its session. A browser sends requests in parallel (a page and its
    htmx calls), so the threaded live server made browser tests fail now and then. PostgreSQL
    keeps the threaded server. Django closes each connection after the response when the server
    is not threaded, so a browser's keep-alive cannot hold the single thread."""
    from django.core.servers.basehttp import WSGIServer
    from django.db import connection
    from django.test.testcases import LiveServerThread

    if connection.vendor != "sqlite":
        yield
        return

    class SerialWSGIServer(WSGIServer):
        def __init__(self, *args: Any, connections_override: Any = None, **kwargs: Any) -> None:
            # The serving thread already uses the test's connections (LiveServerThread.run).
            super().__init__(*args, **kwargs)

    original = LiveServerThread.server_class
    LiveServerThread.server_class = SerialWSGIServer  # type: ignore[assignment]
    try:
        yield
    finally:
        LiveServerThread.server_class = original


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package.")
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are still
    # synchronous, so Django's async-safety guard would refuse them without this.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def browser_page(browser: Any, live_server: Any) -> Iterator[Any]:
    """A desktop-sized page; `browser_page.base` is the live server's URL."""
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="id-ID")
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.base = live_server.url
    yield page
    context.close()


@pytest.fixture
def phone_page(browser: Any, live_server: Any) -> Iterator[Any]:
    """A phone-sized page (360×740, touch), for the public and field forms."""
    context = browser.new_context(
        viewport={"width": 360, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="id-ID",
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.base = live_server.url
    yield page
    context.close()


def screenshot(page: Any, name: str) -> Path:
    path = ARTIFACTS / "screenshots" / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    return path


def browser_login(page: Any, username: str, password: str = TEST_PASSWORD) -> None:
    """Sign in through the real login page."""
    page.goto(f"{page.base}/akun/masuk/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("domcontentloaded")
