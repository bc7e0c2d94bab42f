from __future__ import annotations

import io
from random import Random

import pytest

from sigap.accounts import demo as accounts_demo
from sigap.cases import demo
from sigap.cases.models import Approval, ApprovalStatus, Case, CaseCounter, PlanStatus, Stage
from sigap.cases.selectors import case_list_for
from sigap.cases.tests.factories import ChildFactory
from sigap.geo.models import Region

pytestmark = pytest.mark.django_db


def _base(count: int):
    home = Region.objects.get(code="64.71")
    base = accounts_demo.seed(rng=Random(1), scale=count, home_regency=home, out=io.StringIO())
    uptd = base["agencies"]["uptd"]
    intake = base["users"]["intake"]
    children = [
        ChildFactory(registered_by_agency=uptd, created_by=intake, full_name=f"Anak Demo {i}")
        for i in range(count)
    ]
    return base, children


def _seed(base, children, seed: int = 1):
    out = io.StringIO()
    result = demo.seed(
        rng=Random(f"{seed}:cases"),
        scale=len(children),
        home_regency=Region.objects.get(code="64.71"),
        out=out,
        children=children,
        **base,
    )
    return result, out.getvalue()


def test_every_child_gets_a_consistent_case(regions, django_assert_max_num_queries):
    base, children = _base(60)
    # Bulk writes: the number of queries does not grow with the number of children.
    with django_assert_max_num_queries(60):
        result, out = _seed(base, children)
    assert len(result["cases"]) == 60
    assert "60 cases" in out
    stages = set(Case.objects.values_list("stage", flat=True))
    assert stages == set(Stage.values)
    # Stage consistency: past planning means an approved plan; a closed case used its approval.
    for case in Case.objects.filter(stage__in=[Stage.IMPLEMENTATION, Stage.REVIEW]):
        assert case.plans.get().status == PlanStatus.APPROVED
        assert case.next_review_on is not None
    for case in Case.objects.filter(stage=Stage.CLOSURE):
        assert case.closure_reason and case.closed_at
        assert case.approvals.filter(kind="closure", used_at__isnull=False).exists()
    # Numbers continue from the counters, without gaps.
    for counter in CaseCounter.objects.all():
        seqs = sorted(Case.objects.filter(year=counter.year).values_list("sequence", flat=True))
        assert seqs == list(range(1, counter.last_sequence + 1))
    # The demo case worker and supervisor have a real caseload and queue.
    users = base["users"]
    assert case_list_for(user=users["supervisor"]).count() == 60
    assert case_list_for(user=users["pekerja"]).count() >= 40
    assert case_list_for(user=users["analis"]).count() == 0
    assert Approval.objects.filter(status=ApprovalStatus.REQUESTED).exists()


def test_deterministic_and_idempotent(regions):
    base, children = _base(20)
    first, _out = _seed(base, children, seed=7)
    again, _out = _seed(base, children, seed=7)
    assert again == {"cases": []}  # every child has a case already

    def spread():
        return sorted(Case.objects.values_list("child__full_name", "number", "stage", "risk_level"))

    before = spread()
    Case.objects.all().delete()
    CaseCounter.objects.all().delete()
    _seed(base, children, seed=7)
    assert spread() == before
