from __future__ import annotations

import pytest

from conftest import PERSONAS
from sigap.core.access import can
from sigap.dedupe.services import candidate_decide, child_merge
from sigap.dedupe.tests.conftest import make_pair

pytestmark = pytest.mark.django_db

REVIEWERS = {"case_worker", "supervisor", "outsider"}  # outsider: a case worker elsewhere
SEES_THE_PAIR = {"case_worker", "supervisor"}  # registered by the case worker at home


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
@pytest.mark.parametrize("action", ["dedupe.review", "dedupe.decide", "dedupe.merge"])
def test_may_review_at_all(persona, action, request):
    name = request.node.callspec.params["persona"]
    assert can(persona, action) is (name in REVIEWERS)


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
@pytest.mark.parametrize("action", ["dedupe.review", "dedupe.decide", "dedupe.merge"])
def test_on_a_pair_both_children_must_be_visible(persona, action, pair, request):
    name = request.node.callspec.params["persona"]
    assert can(persona, action, pair) is (name in SEES_THE_PAIR)


def test_a_pair_with_one_hidden_child_is_not_reviewable(
    case_worker, supervisor, rizki, hidden_rizki
):
    p = make_pair(rizki, hidden_rizki)
    assert not can(case_worker, "dedupe.review", p)
    assert not can(supervisor, "dedupe.review", p)


def test_merge_record_policy(case_worker, outsider, pair, rizki):
    c = candidate_decide(actor=case_worker, candidate=pair, decision="confirmed", version=1)
    m = child_merge(actor=case_worker, candidate=c, survivor=rizki, version=2)
    assert can(case_worker, "dedupe.merge", m)
    assert not can(outsider, "dedupe.merge", m)
