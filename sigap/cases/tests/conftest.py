from __future__ import annotations

from typing import Any

import pytest

from sigap.cases.models import Case
from sigap.cases.tests.factories import make_child, open_case


@pytest.fixture
def child(home_agency: Any, intake_officer: Any) -> Any:
    return make_child(home_agency, intake_officer)


@pytest.fixture
def case(case_worker: Any, home_agency: Any, child: Any) -> Case:
    """A case opened by the persona case worker, who is its lead worker."""
    return open_case(
        case_worker, home_agency, child, risk_level="high", risk_reason="On the street at night"
    )


@pytest.fixture
def own_chrome_only(monkeypatch: Any) -> None:
    """Query-count tests pin what cases costs: other domains' navigation entries (with their
    badges) and timeline sources are pinned by those domains' own tests."""
    from sigap.cases import timeline
    from sigap.core import navigation

    monkeypatch.setattr(
        navigation,
        "_entries",
        [e for e in navigation._entries if e.url_name.startswith(("cases:", "core:"))],
    )
    monkeypatch.setattr(timeline, "_sources", list(timeline.BUILTIN_SOURCES))
