import io

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from sigap.intake.images import clean_image
from sigap.intake.tests.factories import image_bytes


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_jpeg_png_webp_are_accepted_and_keep_their_format(fmt):
    cleaned = clean_image(io.BytesIO(image_bytes(fmt)), name=f"x.{fmt.lower()}")
    assert cleaned.format == fmt
    assert (cleaned.width, cleaned.height) == (64, 48)
    assert Image.open(io.BytesIO(cleaned.content)).format == fmt


def test_exif_and_gps_are_stripped():
    raw = image_bytes("JPEG", exif=True)
    assert Image.open(io.BytesIO(raw)).getexif().get(0x8825)  # the fixture does carry GPS
    cleaned = clean_image(io.BytesIO(raw), name="gps.jpg")
    reopened = Image.open(io.BytesIO(cleaned.content))
    assert len(reopened.getexif()) == 0
    assert b"PhoneMaker" not in cleaned.content
    assert "exif" not in reopened.info


def test_a_script_renamed_jpg_is_refused():
    with pytest.raises(ValidationError) as exc:
        clean_image(io.BytesIO(b"#!/bin/sh\nrm -rf /\n"), name="photo.jpg")
    assert "photo.jpg" in exc.value.messages[0]


def test_a_gif_is_refused_by_content():
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, format="GIF")
    with pytest.raises(ValidationError):
        clean_image(io.BytesIO(out.getvalue()), name="x.jpg")


def test_a_truncated_jpeg_is_refused():
    with pytest.raises(ValidationError):
        clean_image(io.BytesIO(image_bytes("JPEG")[:60]), name="broken.jpg")


def test_an_oversized_file_is_refused_before_reading(settings):
    settings.SIGAP_REPORT_MAX_PHOTO_BYTES = 1000
    with pytest.raises(ValidationError) as exc:
        clean_image(io.BytesIO(b""), name="big.jpg", size=5000)
    assert exc.value.code == "too_large"


def test_too_many_pixels_is_refused(monkeypatch):
    monkeypatch.setattr("sigap.intake.images.MAX_PIXELS", 100)
    with pytest.raises(ValidationError):
        clean_image(io.BytesIO(image_bytes("PNG")), name="bomb.png")
