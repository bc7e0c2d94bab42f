import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sigap.intake import services
from sigap.intake.forms import new_form_token
from sigap.intake.models import CloseReason, Report
from sigap.intake.tests.factories import image_bytes, public_report

pytestmark = pytest.mark.django_db


def _form(**overrides):
    data = {
        "category": "street",
        "children_count": "2",
        "age_group": "5_12",
        "kelurahan": "64.71.03.1001",
        "landmark": "Simpang Muara Rapak",
        "seen_at": "2024-05-01T14:30",
        "description": "Dua anak menjual tisu di lampu merah.",
        "contact": "anonymous",
        "form_token": new_form_token(),
        "website": "",
    }
    data.update(overrides)
    return data


def test_the_form_is_public_and_lists_the_citys_kelurahan(client, regions):
    response = client.get("/lapor/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="64.71.03.1001"' in html
    assert "64.72.02.1010" not in html  # Samarinda is another city
    assert "intake/report.js" in html
    assert "<script>" not in html  # nothing inline (CSP)


def test_a_valid_report_redirects_to_its_status_page(client, regions):
    response = client.post("/lapor/", _form())
    assert response.status_code == 302
    report = Report.objects.get()
    assert response["Location"] == f"/lapor/status/{report.tracking_code}/?baru=1"
    page = client.get(response["Location"]).content.decode()
    assert (
        "-".join([report.tracking_code[:4], report.tracking_code[4:8], report.tracking_code[8:]])
        in page
    )
    assert "Simpang" not in page  # no detail on the status page


def test_a_photo_is_accepted(client, regions):
    photo = SimpleUploadedFile("p.webp", image_bytes("WEBP"), content_type="image/webp")
    response = client.post("/lapor/", {**_form(), "photos": [photo]})
    assert response.status_code == 302
    assert Report.objects.get().photos.count() == 1


def test_a_fake_photo_is_refused_and_the_answers_are_kept(client, regions):
    fake = SimpleUploadedFile("cat.jpg", b"MZ\x90\x00 not an image", content_type="image/jpeg")
    response = client.post("/lapor/", {**_form(), "photos": [fake]})
    assert response.status_code == 422
    html = response.content.decode()
    assert "cat.jpg" in html
    assert "Simpang Muara Rapak" in html
    assert not Report.objects.exists()


def test_an_empty_description_is_refused_next_to_the_field(client, regions):
    response = client.post("/lapor/", _form(description="  "))
    assert response.status_code == 422
    assert 'id="id_description_error"' in response.content.decode()


def test_the_honeypot_refuses_with_a_plain_message(client, regions):
    response = client.post("/lapor/", _form(website="http://spam.example"))
    assert response.status_code == 400
    assert (
        "could not be accepted" in response.content.decode()
        or "tidak dapat" in response.content.decode()
    )
    assert not Report.objects.exists()


def test_a_form_sent_too_fast_is_refused_but_kept(client, regions, settings):
    settings.SIGAP_REPORT_MIN_FILL_SECONDS = 60
    response = client.post("/lapor/", _form())
    assert response.status_code == 400
    assert "Simpang Muara Rapak" in response.content.decode()
    assert not Report.objects.exists()


def test_a_forged_token_is_refused(client, regions):
    response = client.post("/lapor/", _form(form_token="forged"))
    assert response.status_code == 400
    assert not Report.objects.exists()


def test_a_double_tap_stores_one_report(client, regions):
    data = _form()
    first = client.post("/lapor/", data)
    second = client.post("/lapor/", data)
    assert first["Location"] == second["Location"]
    assert Report.objects.count() == 1


def test_a_flood_from_one_address_gets_429(client, regions, settings):
    settings.SIGAP_REPORT_RATE_LIMIT = 3
    for _ in range(3):
        assert client.post("/lapor/", _form()).status_code == 302
    response = client.post("/lapor/", _form())
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert Report.objects.count() == 3


def test_tracking_lookup_redirects_to_the_status(client, regions):
    report = public_report()
    code = report.tracking_code
    response = client.get("/lapor/status/", {"code": f"{code[:4].lower()}-{code[4:8]} {code[8:]}"})
    assert response.status_code == 302
    assert response["Location"] == f"/lapor/status/{code}/"


def test_tracking_with_wrong_characters_gives_a_message(client, regions):
    response = client.get("/lapor/status/", {"code": "K7QM-4XPA-9TZU"})
    assert response.status_code == 422
    assert 'id="id_code_error"' in response.content.decode()


def test_an_unknown_code_gives_404(client, regions):
    assert client.get("/lapor/status/K7QM4XPA9TZD/").status_code == 404


def test_the_status_page_follows_the_outcome(client, regions, intake_officer):
    report = public_report()
    url = f"/lapor/status/{report.tracking_code}/"
    assert 'aria-current="step">' in client.get(url).content.decode()
    services.report_close(actor=intake_officer, report=report, reason=CloseReason.NOT_FOUND)
    html = client.get(url).content.decode()
    assert html.count('aria-current="step"') == 1
    assert "list-group-item active" in html.split("Being handled")[-1].split("</ol>")[0] or (
        "active" in html.split('aria-current="step"')[0].rsplit("<li", 1)[-1]
    )
    assert "not_found" not in html and "Child not found" not in html
