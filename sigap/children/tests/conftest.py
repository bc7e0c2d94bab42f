from __future__ import annotations

from typing import Any

import pytest

from sigap.children import search
from sigap.children.models import Child
from sigap.children.services import child_register


@pytest.fixture(autouse=True)
def _fresh_vocabulary() -> Any:
    """The in-process vocabulary must not leak between tests (each test has its own rows)."""
    search.invalidate_vocabulary()
    yield
    search.invalidate_vocabulary()


@pytest.fixture
def child(intake_officer: Any) -> Child:
    """A child registered by the home agency's intake officer (synthetic name)."""
    return child_register(
        actor=intake_officer, full_name="Muhammad Rizki Pratama", sex="male", estimated_age=9
    )
