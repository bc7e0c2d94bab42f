"""Photos attached to reports: checked by content, re-encoded without metadata.

The file name and the browser's content type are ignored: Pillow must recognise the bytes as a
JPEG, PNG or WebP image. Re-encoding from the decoded pixels into a fresh image drops EXIF (with
any GPS position and the camera's serial number), XMP, ICC and text chunks; the orientation is
applied to the pixels first so the photo still stands the right way up.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_PHOTOS = 5
MAX_PIXELS = 40_000_000  # ~ a 7,700 × 5,200 photo; more is a decompression bomb, not a phone photo


def max_bytes() -> int:
    return int(getattr(settings, "SIGAP_REPORT_MAX_PHOTO_BYTES", DEFAULT_MAX_BYTES))


def max_photos() -> int:
    return int(getattr(settings, "SIGAP_REPORT_MAX_PHOTOS", DEFAULT_MAX_PHOTOS))


@dataclass(frozen=True)
class CleanImage:
    content: bytes
    format: str  # JPEG, PNG or WEBP
    width: int
    height: int

    @property
    def content_type(self) -> str:
        return ALLOWED_FORMATS[self.format]

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.format]


def clean_image(upload: IO[bytes], *, name: str = "", size: int | None = None) -> CleanImage:
    """Return the photo re-encoded without metadata, or raise ValidationError with a message
    naming the file."""
    label = name or _("the photo")
    if size is not None and size > max_bytes():
        raise ValidationError(
            _("%(name)s is larger than %(mb)d MB.")
            % {"name": label, "mb": max_bytes() // (1024 * 1024)},
            code="too_large",
        )
    try:
        upload.seek(0)
        with Image.open(upload) as opened:
            img: Image.Image = opened
            fmt = opened.format or ""
            if fmt not in ALLOWED_FORMATS:
                raise ValidationError(
                    _("%(name)s is not a JPEG, PNG or WebP photo.") % {"name": label},
                    code="bad_format",
                )
            if img.width * img.height > MAX_PIXELS:
                raise ValidationError(
                    _("%(name)s has too many pixels.") % {"name": label}, code="too_many_pixels"
                )
            img.load()
            img = ImageOps.exif_transpose(img) or img
            if fmt == "JPEG" and img.mode not in ("RGB", "L"):
                img = img.convert("RGB")
            elif img.mode not in ("RGB", "RGBA", "L", "LA"):
                img = img.convert("RGBA" if "A" in img.getbands() else "RGB")
            # A fresh image from the pixels alone: no info dict, no EXIF, ICC or text chunks.
            fresh = Image.frombytes(img.mode, img.size, img.tobytes())
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise ValidationError(
            _("%(name)s is not a JPEG, PNG or WebP photo, or it is damaged.") % {"name": label},
            code="bad_image",
        ) from exc
    out = io.BytesIO()
    options: dict[str, object] = {}
    if fmt == "JPEG":
        options = {"quality": 90, "optimize": True}
    elif fmt == "WEBP":
        options = {"quality": 90}
    fresh.save(out, format=fmt, **options)
    return CleanImage(content=out.getvalue(), format=fmt, width=fresh.width, height=fresh.height)
