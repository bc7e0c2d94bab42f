"""Reports for tests, written through the services (so audit rows and priorities are real)."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone
from PIL import Image

from sigap.intake import services
from sigap.intake.models import Category, Channel, Report
from sigap.intake.services import ReportDetails


def details(**overrides: Any) -> ReportDetails:
    values: dict[str, Any] = {
        "category": Category.STREET,
        "description": "Dua anak menjual tisu di lampu merah sampai larut malam.",
        "landmark": "Simpang Muara Rapak",
        "seen_at": daytime(),
        "children_count": 2,
    }
    values.update(overrides)
    return ReportDetails(**values)


def daytime() -> datetime:
    """A moment in the past at 14:00 local time (not at night)."""
    local = timezone.localtime() - timedelta(days=1)
    return local.replace(hour=14, minute=0, second=0, microsecond=0)


def public_report(**overrides: Any) -> Report:
    return services.public_report_submit(details=details(**overrides), channel=Channel.WEB)


def image_bytes(fmt: str = "JPEG", size: tuple[int, int] = (64, 48), exif: bool = False) -> bytes:
    img = Image.new("RGB", size, (200, 30, 30))
    out = io.BytesIO()
    options: dict[str, Any] = {}
    if exif:
        data = Image.Exif()
        data[0x010F] = "PhoneMaker"  # Make
        data[0x0110] = "Phone X1"  # Model
        gps = {1: "S", 2: (1.0, 15.0, 0.0), 3: "E", 4: (116.0, 50.0, 0.0)}
        data[0x8825] = gps  # GPSInfo
        options["exif"] = data
    img.save(out, format=fmt, **options)
    return out.getvalue()
