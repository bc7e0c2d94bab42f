from datetime import time, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from conftest import PERSONAS
from sigap.accounts.models import Role
from sigap.accounts.tests.factories import user_with_role
from sigap.core.models import AuditEvent
from sigap.intake import services
from sigap.intake.images import CleanImage
from sigap.intake.models import Notification, Priority, Report, Status
from sigap.intake.tests.factories import daytime, details, image_bytes, public_report

TRIAGE = {"intake_officer", "supervisor"}
# The outsider is a case worker too: outreach in their own city (Samarinda).
OUTREACH = {"intake_officer", "case_worker", "supervisor", "outsider"}


def _client_as(client, user):
    if user is not None:
        client.force_login(user)
    return client


def _expect(response, allowed, name):
    if name == "anonymous":
        assert response.status_code == 302 and "/akun/masuk/" in response["Location"]
    elif allowed:
        assert response.status_code == 200, response.content[:500]
    else:
        assert response.status_code in (403, 404)


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"], indirect=True)
def test_queue_by_role(client, persona, request, regions):
    name = request.node.callspec.params["persona"]
    public_report()
    response = _client_as(client, persona).get("/laporan/")
    _expect(response, name in TRIAGE, name)


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"], indirect=True)
def test_detail_by_role(client, persona, request, regions):
    name = request.node.callspec.params["persona"]
    report = public_report()
    response = _client_as(client, persona).get(f"/laporan/{report.pk}/")
    _expect(response, name in TRIAGE, name)
    viewed = AuditEvent.objects.filter(action="report.viewed", object_id=str(report.pk))
    assert viewed.exists() == (name in TRIAGE)


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"], indirect=True)
def test_outreach_list_by_role(client, persona, request, regions):
    name = request.node.callspec.params["persona"]
    response = _client_as(client, persona).get("/laporan/penjangkauan/")
    _expect(response, name in OUTREACH, name)


def test_another_citys_intake_officer_gets_404(client, regions, other_agency):
    samarinda = user_with_role(Role.INTAKE_OFFICER, other_agency, username="intake2")
    report = public_report()
    client.force_login(samarinda)
    assert client.get(f"/laporan/{report.pk}/").status_code == 404
    assert client.post(f"/laporan/{report.pk}/tutup/", {"reason": "not_found"}).status_code == 404
    assert report.reference not in client.get("/laporan/").content.decode()


def test_queue_query_count_is_constant(client, regions, intake_officer, django_assert_num_queries):
    for _ in range(3):
        services.report_assign(
            actor=intake_officer, report=public_report(), assignee=intake_officer
        )
    client.force_login(intake_officer)
    client.get("/laporan/")  # warm the session
    with django_assert_num_queries(7) as first:
        client.get("/laporan/?status=open")
    for _ in range(20):
        services.report_assign(
            actor=intake_officer, report=public_report(), assignee=intake_officer
        )
    with django_assert_num_queries(len(first.captured_queries)):
        response = client.get("/laporan/?status=open")
    assert len(response.context["page"]) == 23


def test_detail_query_count_is_constant(client, regions, intake_officer, django_assert_num_queries):
    report = public_report()
    client.force_login(intake_officer)
    client.get(f"/laporan/{report.pk}/")
    # The audit event of the read takes the chain's advisory lock on PostgreSQL: one query more.
    expected = 13 + (connection.vendor == "postgresql")
    with django_assert_num_queries(expected) as first:
        client.get(f"/laporan/{report.pk}/")
    for _ in range(5):
        other = public_report()
        services.report_merge(actor=intake_officer, report=other, into=report)
    with django_assert_num_queries(len(first.captured_queries)):
        client.get(f"/laporan/{report.pk}/")


def test_queue_filters_stay_in_the_url_and_overdue_stands_out(client, regions, intake_officer):
    late = public_report()
    Report.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(hours=1))
    on_time = public_report()
    client.force_login(intake_officer)
    html = client.get("/laporan/?overdue=on").content.decode()
    assert late.reference in html and on_time.reference not in html
    assert "table-danger" in html
    assert 'name="overdue"' in html and "checked" in html
    urgent = public_report(immediate_danger=True)
    html = client.get("/laporan/", {"priority": Priority.URGENT}).content.decode()
    assert urgent.reference in html and on_time.reference not in html


def test_queue_puts_the_nearest_deadline_first(client, regions, intake_officer):
    normal = public_report()
    urgent = public_report(immediate_danger=True)
    client.force_login(intake_officer)
    page = client.get("/laporan/").context["page"]
    assert [r.pk for r in page] == [urgent.pk, normal.pk]


def test_empty_queue_says_so(client, regions, intake_officer):
    client.force_login(intake_officer)
    html = client.get("/laporan/").content.decode()
    assert "No open reports" in html or "Tidak ada laporan" in html


def test_reporter_identity_is_a_separate_audited_read(
    client, regions, intake_officer, police_officer
):
    report = services.staff_report_record(
        actor=intake_officer,
        details=details(
            is_anonymous=False, reporter_name="Ibu Wulan Sari", reporter_phone="0812555"
        ),
        channel="hotline",
    )
    client.force_login(intake_officer)
    detail = client.get(f"/laporan/{report.pk}/").content.decode()
    assert "Ibu Wulan Sari" not in detail
    response = client.get(f"/laporan/{report.pk}/pelapor/", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "Ibu Wulan Sari" in response.content.decode()
    assert AuditEvent.objects.filter(action="report.reporter_viewed", actor=intake_officer).exists()
    services.report_refer(actor=intake_officer, report=report, agency=police_officer.primary_agency)
    client.force_login(police_officer)
    assert client.get(f"/laporan/{report.pk}/").status_code == 200
    assert client.get(f"/laporan/{report.pk}/pelapor/").status_code == 403


def test_photos_are_served_only_through_the_audited_view(
    client, regions, intake_officer, case_worker
):
    photo = CleanImage(content=image_bytes("PNG"), format="PNG", width=64, height=48)
    report = services.public_report_submit(details=details(), photos=[photo])
    stored = report.photos.get()
    url = f"/laporan/{report.pk}/foto/{stored.pk}/"
    assert client.get(url).status_code == 302  # anonymous: to the login page
    client.force_login(case_worker)
    assert client.get(url).status_code == 404
    client.force_login(intake_officer)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    assert AuditEvent.objects.filter(action="report.photo_viewed", actor=intake_officer).exists()


def test_staff_record_with_a_photo(client, regions, intake_officer):
    client.force_login(intake_officer)
    photo = SimpleUploadedFile("p.jpg", image_bytes("JPEG", exif=True), content_type="image/jpeg")
    response = client.post(
        "/laporan/baru/",
        {
            "channel": "sapa129",
            "category": "violence",
            "children_count": "1",
            "age_group": "5_12",
            "landmark": "Gang Mawar RT 12",
            "seen_at": daytime().strftime("%Y-%m-%dT%H:%M"),
            "description": "Tetangga mendengar anak dipukul setiap malam.",
            "reporter_name": "Pak Joko",
            "reporter_phone": "08123",
            "reporter_relation": "neighbour",
            "photos": [photo],
        },
    )
    report = Report.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/laporan/{report.pk}/"
    assert report.channel == "sapa129" and report.reporter_name == "Pak Joko"
    assert report.photos.count() == 1


def test_staff_record_errors_keep_the_input(client, regions, intake_officer):
    client.force_login(intake_officer)
    response = client.post("/laporan/baru/", {"channel": "letter", "landmark": "Pasar Baru"})
    assert response.status_code == 422
    assert "Pasar Baru" in response.content.decode()


def test_case_worker_cannot_record_a_report(client, regions, case_worker):
    client.force_login(case_worker)
    assert client.get("/laporan/baru/").status_code == 403


# --- triage through the pages ---------------------------------------------------------------------


def test_screen_then_assign(client, regions, intake_officer, supervisor):
    report = public_report()
    client.force_login(supervisor)
    response = client.post(
        f"/laporan/{report.pk}/skrining/", {"injury": "on", "version": report.version}
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.priority == Priority.URGENT and report.status == Status.IN_TRIAGE
    response = client.post(
        f"/laporan/{report.pk}/tugaskan/",
        {"assignee": intake_officer.pk, "version": report.version},
    )
    assert response.status_code == 302
    assert Notification.objects.filter(recipient=intake_officer).exists()


def test_a_stale_form_shows_a_message_instead_of_overwriting(client, regions, intake_officer):
    report = public_report()
    client.force_login(intake_officer)
    client.post(f"/laporan/{report.pk}/skrining/", {"injury": "on", "version": report.version})
    response = client.post(
        f"/laporan/{report.pk}/skrining/", {"very_young": "on", "version": report.version}
    )
    assert response.status_code == 422
    report.refresh_from_db()
    assert report.injury and not report.very_young


@pytest.mark.parametrize("path", ["skrining", "tugaskan"])
def test_post_only_views_refuse_get(client, regions, intake_officer, path):
    report = public_report()
    client.force_login(intake_officer)
    assert client.get(f"/laporan/{report.pk}/{path}/").status_code == 405


def test_case_worker_cannot_triage(client, regions, case_worker):
    report = public_report()
    client.force_login(case_worker)
    for path in ("skrining", "tugaskan", "tutup", "rujuk", "gabung"):
        assert client.post(f"/laporan/{report.pk}/{path}/", {}).status_code == 403


def test_close_asks_for_confirmation_then_closes(client, regions, intake_officer):
    report = public_report()
    client.force_login(intake_officer)
    page = client.get(f"/laporan/{report.pk}/tutup/")
    assert page.status_code == 200
    assert (
        client.post(f"/laporan/{report.pk}/tutup/", {"version": report.version}).status_code == 422
    )
    response = client.post(
        f"/laporan/{report.pk}/tutup/", {"reason": "outside_area", "version": report.version}
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == Status.CLOSED
    assert client.get(f"/laporan/{report.pk}/tutup/").status_code == 200  # shows the outcome


def test_refer_from_the_page(client, regions, intake_officer, police_agency):
    report = public_report()
    client.force_login(intake_officer)
    response = client.post(
        f"/laporan/{report.pk}/rujuk/",
        {"agency": police_agency.pk, "note": "TPPO", "version": report.version},
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == Status.REFERRED and report.referred_to == police_agency


def test_merge_from_the_page(client, regions, intake_officer):
    first, duplicate = public_report(), public_report()
    client.force_login(intake_officer)
    page = client.get(f"/laporan/{duplicate.pk}/gabung/").content.decode()
    assert first.reference in page
    response = client.post(
        f"/laporan/{duplicate.pk}/gabung/", {"into": str(first.pk), "version": duplicate.version}
    )
    assert response.status_code == 302 and response["Location"] == f"/laporan/{first.pk}/"
    duplicate.refresh_from_db()
    assert duplicate.merged_into == first


# --- outreach -----------------------------------------------------------------------------------------


def test_outreach_operation_and_children_through_the_pages(client, regions, case_worker):
    client.force_login(case_worker)
    two_days_ago = timezone.localdate() - timedelta(days=2)
    response = client.post(
        "/laporan/penjangkauan/baru/",
        {
            "date": two_days_ago.isoformat(),
            "start_time": "22:00",
            "end_time": "03:00",
            "district": "64.71.03",
            "area": "Simpang Rapak sampai Pasar Pandan Sari",
            "team": "Tim pendamping UPTD PPA, Satpol PP",
        },
    )
    assert response.status_code == 302
    detail_url = response["Location"]
    for name, age in (("Dedi", 9), ("Putri", 4)):
        response = client.post(
            detail_url,
            {
                "child_name": name,
                "child_age": str(age),
                "child_sex": "male" if name == "Dedi" else "female",
                "activity": "selling",
                "found_time": "00:45",
                "location": "Lampu merah Rapak",
                "kelurahan": "64.71.03.1001",
                "origin_text": "Samarinda",
            },
        )
        assert response.status_code == 302
    reports = Report.objects.filter(outreach__isnull=False).order_by("child_name")
    assert [r.child_name for r in reports] == ["Dedi", "Putri"]
    assert all(r.out_at_night for r in reports)
    assert reports[1].very_young
    html = client.get(detail_url).content.decode()
    assert "Dedi" in html and "Putri" in html


def test_outreach_child_form_errors_keep_the_input(client, regions, intake_officer):
    operation = services.outreach_create(
        actor=intake_officer,
        date=timezone.localdate(),
        start_time=time(20, 0),
        end_time=time(23, 0),
        area="Pantai Kemala",
        team="Tim A",
    )
    client.force_login(intake_officer)
    response = client.post(f"/laporan/penjangkauan/{operation.pk}/", {"location": "Dermaga"})
    assert response.status_code == 422
    assert "Dermaga" in response.content.decode()


def test_police_partner_cannot_open_outreach(client, regions, police_officer):
    client.force_login(police_officer)
    assert client.get("/laporan/penjangkauan/baru/").status_code == 403


# --- notifications ---------------------------------------------------------------------------------------


def test_notifications_page_and_read(client, regions, intake_officer, supervisor):
    report = public_report()
    services.report_assign(actor=supervisor, report=report, assignee=intake_officer)
    note = Notification.objects.get(recipient=intake_officer)
    client.force_login(intake_officer)
    assert report.reference in client.get("/laporan/notifikasi/").content.decode()
    response = client.post("/laporan/notifikasi/baca/", {"id": str(note.pk)})
    assert response.status_code == 302 and response["Location"] == f"/laporan/{report.pk}/"
    note.refresh_from_db()
    assert note.read_at is not None
    client.force_login(supervisor)
    assert client.post("/laporan/notifikasi/baca/", {"id": str(note.pk)}).status_code == 404
