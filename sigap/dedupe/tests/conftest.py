from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from sigap.children import search
from sigap.children.models import Child
from sigap.children.services import child_register
from sigap.dedupe.models import DuplicateCandidate
from sigap.dedupe.services import ordered


@pytest.fixture(autouse=True)
def _fresh_vocabulary() -> Any:
    search.invalidate_vocabulary()
    yield
    search.invalidate_vocabulary()


def register(actor: Any, full_name: str, **kwargs: Any) -> Child:
    kwargs.setdefault("sex", "male")
    return child_register(actor=actor, full_name=full_name, **kwargs)


@pytest.fixture
def rizki(case_worker: Any) -> Child:
    """Registered by the case worker (so visible to them and to the home supervisor)."""
    return register(
        case_worker, "Muhammad Rizki Pratama", birth_date=date(2015, 3, 14), aliases=["Kiki"]
    )


@pytest.fixture
def rizky(case_worker: Any) -> Child:
    """The same child registered again with another spelling."""
    return register(case_worker, "Muhamad Rizky Pratama", birth_date=date(2015, 3, 14))


@pytest.fixture
def hidden_rizki(outsider: Any) -> Child:
    """The same name registered by an unrelated agency: nobody at the home agency sees it."""
    return register(outsider, "Muhammad Rizki Pratama", birth_date=date(2015, 3, 14))


def make_pair(a: Child, b: Child, **kwargs: Any) -> DuplicateCandidate:
    x, y = ordered(a.pk, b.pk)
    kwargs.setdefault("score", 0.97)
    kwargs.setdefault(
        "explanation",
        [
            {"field": "name", "status": "agree", "level": "phonetic", "weight": 9.1},
            {"field": "birth", "status": "agree", "level": "same_date", "weight": 7.5},
            {"field": "nik", "status": "missing", "level": "", "weight": 0.0},
        ],
    )
    return DuplicateCandidate.objects.create(
        child_a_id=x, child_b_id=y, regency_code=a.regency_code, **kwargs
    )


@pytest.fixture
def pair(rizki: Child, rizky: Child) -> DuplicateCandidate:
    return make_pair(rizki, rizky)
