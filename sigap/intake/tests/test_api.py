from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from sigap.intake.models import Channel, Report, ReportPhoto
from sigap.intake.tests.factories import daytime, image_bytes, public_report

pytestmark = pytest.mark.django_db

URL = "/api/v1/public/reports"


def _payload(**overrides):
    data = {
        "category": "street",
        "description": "Tiga anak mengamen di lampu merah pukul 23.00.",
        "landmark": "Simpang Rapak",
        "seen_at": daytime().isoformat(),
        "children_count": 3,
        "age_group": "5_12",
        "kelurahan": "64.71.03.1001",
    }
    data.update(overrides)
    return data


def _problem_fields(response):
    assert response["Content-Type"] == "application/problem+json"
    return {e["field"] for e in response.json()["errors"]}


def test_post_json_gives_201_with_a_readable_code(client, regions):
    response = client.post(URL, _payload(), content_type="application/json")
    assert response.status_code == 201, response.content
    code = response.json()["tracking_code"]
    assert len(code) == 14 and code.count("-") == 2
    report = Report.objects.get(tracking_code=code.replace("-", ""))
    assert report.channel == Channel.API
    assert report.kelurahan_id == "64.71.03.1001"
    assert report.is_anonymous


def test_post_multipart_with_photos(client, regions):
    photos = [
        SimpleUploadedFile("a.jpg", image_bytes("JPEG", exif=True), content_type="image/jpeg"),
        SimpleUploadedFile("b.png", image_bytes("PNG"), content_type="image/png"),
    ]
    response = client.post(URL, {**_payload(), "photos": photos})
    assert response.status_code == 201, response.content
    assert ReportPhoto.objects.count() == 2


def test_a_fake_photo_gives_422_and_stores_nothing(client, regions):
    fake = SimpleUploadedFile("x.jpg", b"<?php system($_GET['c']); ?>", content_type="image/jpeg")
    response = client.post(URL, {**_payload(), "photos": [fake]})
    assert response.status_code == 422
    assert _problem_fields(response) == {"photos"}
    assert not Report.objects.exists()


def test_too_many_photos_give_422(client, regions):
    photos = [SimpleUploadedFile(f"{i}.png", image_bytes("PNG")) for i in range(6)]
    response = client.post(URL, {**_payload(), "photos": photos})
    assert response.status_code == 422
    assert "photos" in _problem_fields(response)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"description": ""}, "description"),
        ({"category": "gossip"}, "category"),
        ({"children_count": 0}, "children_count"),
        ({"latitude": "48.85", "longitude": "2.35"}, "latitude"),
        ({"kelurahan": "64.72.02.1010"}, "kelurahan"),
        ({"seen_at": (timezone.now() + timedelta(days=2)).isoformat()}, "seen_at"),
        ({"anonymous": False}, "reporter_phone"),
        ({"seen_at": "yesterday"}, "seen_at"),
    ],
)
def test_invalid_input_gives_422_with_the_field(client, regions, overrides, field):
    response = client.post(URL, _payload(**overrides), content_type="application/json")
    assert response.status_code == 422, response.content
    assert field in _problem_fields(response)
    assert not Report.objects.exists()


def test_malformed_json_gives_400(client, regions):
    response = client.post(URL, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"


def test_over_the_limit_gives_429_with_retry_after(client, regions, settings):
    settings.SIGAP_REPORT_RATE_LIMIT = 2
    for _ in range(2):
        assert client.post(URL, _payload(), content_type="application/json").status_code == 201
    response = client.post(URL, _payload(), content_type="application/json")
    assert response.status_code == 429
    assert response["Content-Type"] == "application/problem+json"
    assert 0 < int(response["Retry-After"]) <= 3600
    assert Report.objects.count() == 2


def test_status_shows_only_the_stage_and_date(client, regions):
    report = public_report()
    response = client.get(f"{URL}/{report.tracking_code.lower()}")
    assert response.status_code == 200
    assert set(response.json()) == {"status", "updated_at"}
    assert response.json()["status"] == "received"


def test_unknown_code_gives_404_problem(client, regions):
    response = client.get(f"{URL}/K7QM-4XPA-9TZD")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_code_with_wrong_characters_gives_422(client, regions):
    response = client.get(f"{URL}/K7QM-4XPA-9TZU")
    assert response.status_code == 422
    assert _problem_fields(response) == {"code"}


def test_public_operations_are_in_the_openapi_schema_without_auth():
    from sigap.api.api import api

    schema = api.get_openapi_schema()
    post = schema["paths"]["/api/v1/public/reports"]["post"]
    assert "security" not in post or post["security"] == []
    assert set(post["requestBody"]["content"]) == {"application/json", "multipart/form-data"}


def test_a_public_report_is_audited_as_anonymous(client, regions):
    from sigap.core.audit import verify_chain
    from sigap.core.models import ActorKind, AuditEvent

    response = client.post(URL, _payload(), content_type="application/json")
    assert response.status_code == 201
    report = Report.objects.get(tracking_code=response.json()["tracking_code"].replace("-", ""))
    event = AuditEvent.objects.get(action="report.public_submit", object_id=str(report.pk))
    assert event.actor_id is None
    assert event.actor_kind == ActorKind.ANONYMOUS
    assert event.summary == {"channel": Channel.API}
    assert event.request_id == response["X-Request-ID"]
    assert next(verify_chain(), None) is None


def test_a_refused_public_report_writes_no_audit_event(client, regions):
    from sigap.core.models import AuditEvent

    response = client.post(URL, _payload(description=""), content_type="application/json")
    assert response.status_code == 422
    assert not AuditEvent.objects.filter(action="report.public_submit").exists()
