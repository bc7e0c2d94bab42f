"""The case list's name search: searched among the cases the user may see, best match first."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from sigap.cases import selectors
from sigap.cases.models import Case
from sigap.cases.selectors import CaseFilters, case_list_for
from sigap.cases.tests.factories import make_child, open_case
from sigap.children.search import reindex_child

pytestmark = pytest.mark.django_db


def named(agency, user, full_name, **kwargs):
    child = make_child(agency, user, full_name=full_name, **kwargs)
    reindex_child(child)  # the cases factory writes no name postings
    return child


def _opened(case: Case, days_ago: int) -> Case:
    Case.objects.filter(pk=case.pk).update(opened_at=timezone.now() - timedelta(days=days_ago))
    return case


def test_best_match_first_then_newest(case_worker, home_agency):
    exact = _opened(
        open_case(
            case_worker,
            home_agency,
            named(home_agency, case_worker, "Dedi Kurniawan"),
        ),
        30,
    )
    longer = _opened(
        open_case(
            case_worker,
            home_agency,
            named(home_agency, case_worker, "Dedi Kurniawan Saputra"),
        ),
        1,
    )
    typo = _opened(
        open_case(
            case_worker,
            home_agency,
            named(home_agency, case_worker, "Dedy Kurniawan"),
        ),
        2,
    )
    found = list(case_list_for(user=case_worker, filters=CaseFilters(q="Dedi Kurniawan")))
    # The exact name first although it is the oldest case; the typo and the longer name after.
    assert found[0] == exact
    assert set(found[1:]) == {longer, typo}
    # Without a search the list is newest first.
    assert list(case_list_for(user=case_worker))[:3] == [longer, typo, exact]


def test_the_name_cap_counts_only_cases_the_user_may_see(
    case_worker, home_agency, other_agency, monkeypatch
):
    from sigap.accounts.models import Role
    from sigap.accounts.tests.factories import user_with_role

    elsewhere = user_with_role(Role.CASE_WORKER, other_agency, username="pekerja_lain")
    for i in range(3):  # the same name in cases this worker may not see, ranked first on ties
        hidden = named(other_agency, elsewhere, "Rina Marlina", id=uuid.UUID(int=i + 1))
        open_case(elsewhere, other_agency, hidden)
    mine = open_case(case_worker, home_agency, named(home_agency, case_worker, "Rina Marlina"))
    monkeypatch.setattr(selectors, "NAME_CANDIDATES", 1)
    found = list(case_list_for(user=case_worker, filters=CaseFilters(q="Rina Marlina")))
    assert found == [mine]


def test_a_name_search_keeps_the_other_filters(case_worker, home_agency):
    high = open_case(
        case_worker,
        home_agency,
        named(home_agency, case_worker, "Sari Wulandari"),
        risk_level="high",
    )
    open_case(
        case_worker,
        home_agency,
        named(home_agency, case_worker, "Sari Wulandari"),
        risk_level="low",
    )
    found = list(case_list_for(user=case_worker, filters=CaseFilters(q="Sari", risk="high")))
    assert found == [high]
    assert list(case_list_for(user=case_worker, filters=CaseFilters(q="Tidak Ada Nama"))) == []
