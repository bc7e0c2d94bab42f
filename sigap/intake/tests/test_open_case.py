import pytest
from django.core.exceptions import ValidationError

from sigap.cases.models import Case
from sigap.children.services import child_register
from sigap.core.models import AuditEvent
from sigap.intake import services
from sigap.intake.models import PublicStage, Status
from sigap.intake.tests.factories import details, public_report


def test_open_case_for_a_new_child(regions, intake_officer):
    report = public_report(immediate_danger=True)
    done = services.report_open_case(
        actor=intake_officer, report=report, full_name="Dewi Lestari", sex="female", estimated_age=8
    )
    assert done.status == Status.CASE_OPENED
    assert done.public_stage == PublicStage.HANDLED
    assert done.child is not None and done.child.full_name == "Dewi Lestari"
    assert done.case is not None and done.case.child_id == done.child.pk
    assert done.case.risk_level == "critical"
    assert AuditEvent.objects.filter(action="report.case_opened").exists()


def test_open_case_for_an_existing_child(regions, intake_officer):
    child = child_register(
        actor=intake_officer, full_name="Rudi Hartono", sex="male", estimated_age=10
    )
    report = public_report()
    done = services.report_open_case(actor=intake_officer, report=report, child=child)
    assert done.child == child
    assert Case.objects.filter(child=child).count() == 1


def test_a_new_child_needs_a_name_and_nothing_is_half_written(regions, intake_officer):
    report = public_report()
    with pytest.raises(ValidationError):
        services.report_open_case(actor=intake_officer, report=report, full_name=" ", sex="male")
    report.refresh_from_db()
    assert report.status == Status.RECEIVED and not Case.objects.exists()


def test_the_page_offers_possible_duplicates_first(client, regions, intake_officer):
    child_register(actor=intake_officer, full_name="Andi Saputra", sex="male", estimated_age=9)
    report = services.staff_report_record(
        actor=intake_officer, details=details(), channel="hotline", child_name="Andy Saputra"
    )
    client.force_login(intake_officer)
    page = client.get(f"/laporan/{report.pk}/kasus/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Andi Saputra" in html
    assert html.index("Andi Saputra") < html.index('value="new"')


def test_open_case_through_the_page_moves_the_tracking_page(client, regions, intake_officer):
    report = public_report()
    client.force_login(intake_officer)
    response = client.post(
        f"/laporan/{report.pk}/kasus/",
        {"child": "new", "full_name": "Sari", "sex": "female", "version": report.version},
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.case is not None and response["Location"] == report.case.get_absolute_url()
    client.logout()
    html = client.get(f"/lapor/status/{report.tracking_code}/").content.decode()
    assert "Sari" not in html


def test_new_child_without_sex_is_refused_on_the_page(client, regions, intake_officer):
    report = public_report()
    client.force_login(intake_officer)
    response = client.post(
        f"/laporan/{report.pk}/kasus/",
        {"child": "new", "full_name": "Sari", "version": report.version},
    )
    assert response.status_code == 422
    assert "Sari" in response.content.decode()


def test_case_worker_cannot_open_a_case_from_the_queue(client, regions, case_worker):
    report = public_report()
    client.force_login(case_worker)
    assert client.get(f"/laporan/{report.pk}/kasus/").status_code == 403
