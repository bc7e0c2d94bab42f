from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    """Photos go to a throw-away MEDIA_ROOT; the fill-time guard is off unless a test sets it."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SIGAP_REPORT_MIN_FILL_SECONDS = 0


@pytest.fixture(autouse=True)
def _fresh_villages() -> Any:
    """Each test has its own region rows: the per-process kelurahan copy must not leak."""
    from sigap.intake.forms import forget_villages

    forget_villages()
    yield
    forget_villages()
