from typing import Any

import pytest

from conftest import PERSONAS
from sigap.accounts.models import Role
from sigap.accounts.tests.factories import user_with_role
from sigap.core.access import can
from sigap.intake import services
from sigap.intake.tests.factories import public_report

TRIAGE = {"intake_officer", "supervisor"}
CHILD_DATA = {*TRIAGE, "case_worker", "psychologist", "police_officer", "lksa_staff", "outsider"}
# The outsider is a case worker too: outreach in their own city (Samarinda).
OUTREACH = {"intake_officer", "case_worker", "supervisor", "outsider"}

WITHOUT_OBJECT = {
    "intake.queue": TRIAGE,
    "intake.view": CHILD_DATA,
    "intake.view_reporter": TRIAGE,
    "intake.record": TRIAGE,
    "intake.triage": TRIAGE,
    "intake.outreach": OUTREACH,
    "intake.notifications": set(PERSONAS),
}


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
@pytest.mark.parametrize("action", sorted(WITHOUT_OBJECT))
def test_policies_without_object(persona, action, request):
    name = request.node.callspec.params["persona"]
    assert can(persona, action) == (name in WITHOUT_OBJECT[action])


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
@pytest.mark.parametrize("action", ["intake.view", "intake.view_reporter", "intake.triage"])
def test_policies_on_a_public_report(persona, action, request, regions):
    name = request.node.callspec.params["persona"]
    assert can(persona, action, public_report()) == (name in TRIAGE)


def test_an_intake_officer_of_another_city_cannot_see_the_report(regions, other_agency):
    samarinda = user_with_role(Role.INTAKE_OFFICER, other_agency, username="intake2")
    report = public_report()
    assert can(samarinda, "intake.queue")
    assert not can(samarinda, "intake.view", report)
    assert not can(samarinda, "intake.triage", report)


def test_the_agency_a_report_is_referred_to_reads_it_but_not_the_reporter(
    regions, intake_officer, police_officer
):
    report = services.report_refer(
        actor=intake_officer, report=public_report(), agency=police_officer.primary_agency
    )
    assert can(police_officer, "intake.view", report)
    assert not can(police_officer, "intake.view_reporter", report)
    assert not can(police_officer, "intake.triage", report)


def test_the_assignee_reads_the_report(regions, intake_officer, supervisor):
    report = services.report_assign(
        actor=supervisor, report=public_report(), assignee=intake_officer
    )
    assert can(intake_officer, "intake.view", report)


def test_outreach_partner_agencies(regions):
    from sigap.accounts.models import AgencyType
    from sigap.accounts.tests.factories import AgencyFactory

    satpol: Any = AgencyFactory(name="Satpol PP Balikpapan", type=AgencyType.SATPOL_PP)
    officer = user_with_role(Role.PARTNER_OFFICER, satpol, username="satpol")
    assert can(officer, "intake.outreach")
    assert not can(officer, "intake.queue")


def test_notifications_are_the_recipients_own(regions, intake_officer, supervisor):
    note = services.notify(recipient=intake_officer, text="x")
    assert can(intake_officer, "intake.notifications", note)
    assert not can(supervisor, "intake.notifications", note)
