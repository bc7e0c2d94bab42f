from __future__ import annotations

import io
from random import Random
from typing import Any

import pytest

from sigap.accounts import demo as accounts_demo
from sigap.children import demo as children_demo
from sigap.children.models import Child, NameToken
from sigap.dedupe import demo
from sigap.dedupe.models import DuplicateCandidate
from sigap.geo.models import Region

pytestmark = pytest.mark.django_db


def _seed(seed: int = 1, scale: int = 80) -> tuple[list[Child], dict[str, Any], str]:
    home = Region.objects.get(code="64.71")
    accounts = accounts_demo.seed(rng=Random(0), scale=0, home_regency=home, out=io.StringIO())
    children = children_demo.seed(
        rng=Random(seed), scale=scale, home_regency=home, out=io.StringIO(), **accounts
    )
    out = io.StringIO()
    result = demo.seed(rng=Random(seed), scale=scale, home_regency=home, out=out, **children)
    return children["children"], result, out.getvalue()


def _wipe() -> None:
    DuplicateCandidate.objects.all().delete()
    Child.objects.all().delete()
    NameToken.objects.all().delete()


def test_old_spelling():
    assert demo.old_spelling("Yusuf Cahyadi") == "Joesoef Tjahjadi"
    assert demo.old_spelling("Khairul Syahputra Joko") == "Chairoel Sjahpoetra Djoko"


def test_demo_children_registered_twice_are_proposed_for_review(regions):
    children, result, out = _seed()
    twins = result["duplicates"]
    assert len(twins) == 3 and Child.objects.count() == len(children) + 3
    assert "registered twice" in out
    pairs = {frozenset((c.child_a_id, c.child_b_id)) for c in DuplicateCandidate.objects.all()}
    found = [t for t in twins if any(t.pk in p for p in pairs)]
    assert len(found) >= 2  # the review list of `make run` is not empty


def test_demo_is_deterministic_and_loaded_once(regions):
    def snapshot(twins: list[Child]) -> list[tuple[str, str, Any]]:
        return [(t.full_name, t.sex, t.birth_date) for t in twins]

    _children, first, _out = _seed(seed=7)
    home = Region.objects.get(code="64.71")
    again = io.StringIO()
    assert (
        demo.seed(rng=Random(7), scale=80, home_regency=home, out=again, children=_children) == {}
    )
    assert "loaded already" in again.getvalue()
    _wipe()
    _children, second, _out = _seed(seed=7)
    assert snapshot(first["duplicates"]) == snapshot(second["duplicates"])
