from __future__ import annotations

import pytest

from sigap.children import search
from sigap.children.models import AliasKind, Child
from sigap.children.selectors import child_ids_matching_name, child_search
from sigap.children.services import child_alias_add, child_register

NIK = "6471010101150001"


@pytest.fixture
def registry(intake_officer):
    def reg(name, **kw):
        return child_register(actor=intake_officer, full_name=name, sex="male", **kw)

    return {
        "rizki": reg("Muhammad Rizki"),
        "rizki_pratama": reg("Muhammad Rizki Pratama", nik=NIK),
        "rizal": reg("Rizal Hidayat"),
        "ahmad": reg("Ahmad Fauzi", aliases=[("Ucok Gondrong", AliasKind.STREET_NAME)]),
        "budi": reg("Budi Santoso"),
        "nurhaliza": reg("Siti Nurhaliza"),
    }


def names(children):
    return [c.full_name for c in children]


def test_spelling_variants_find_the_child(registry, intake_officer):
    found, count, capped = child_search(user=intake_officer, q="Muhamad Rizky")
    assert names(found)[:2] == ["Muhammad Rizki", "Muhammad Rizki Pratama"]
    assert not capped and count >= 2


def test_typos_are_tolerated(registry, intake_officer):
    found, _count, _capped = child_search(user=intake_officer, q="Rizkyy Pratma")
    assert names(found)[0] == "Muhammad Rizki Pratama"
    found, _count, _capped = child_search(user=intake_officer, q="Nurhalisa")
    assert names(found) == ["Siti Nurhaliza"]
    found, _count, _capped = child_search(user=intake_officer, q="Santsoo")  # transposition
    assert names(found) == ["Budi Santoso"]


def test_an_alias_finds_the_child(registry, intake_officer, case_worker):
    found, _count, _capped = child_search(user=intake_officer, q="ucok gondrong")
    assert names(found) == ["Ahmad Fauzi"]
    child_alias_add(actor=case_worker, child=registry["budi"], alias="Bembeng", kind="street_name")
    found, _count, _capped = child_search(user=intake_officer, q="bembeng")
    assert names(found) == ["Budi Santoso"]


def test_prefix_of_the_last_token(registry, intake_officer):
    found, _count, _capped = child_search(user=intake_officer, q="budi sant")
    assert names(found) == ["Budi Santoso"]


def test_full_matches_rank_before_partial_ones(registry, intake_officer):
    found, _count, _capped = child_search(user=intake_officer, q="Rizki Pratama")
    assert names(found)[0] == "Muhammad Rizki Pratama"
    assert "Muhammad Rizki" in names(found)  # partial match, ranked lower


def test_no_match_and_empty_query(registry, intake_officer):
    assert child_search(user=intake_officer, q="Xyzzyq")[0] == []
    found, count, _capped = child_search(user=intake_officer, q="")
    assert count == 6 and len(found) == 6


def test_exact_nik_lookup(registry, intake_officer):
    found, count, _capped = child_search(user=intake_officer, q="6471 0101 0115 0001")
    assert names(found) == ["Muhammad Rizki Pratama"] and count == 1
    assert child_search(user=intake_officer, q="6471010101150002")[0] == []


def test_search_is_scoped_to_visible_children(registry, outsider, analyst, intake_officer):
    assert child_search(user=outsider, q="Budi Santoso")[0] == []
    assert child_search(user=analyst, q="Budi Santoso")[0] == []
    assert child_search(user=outsider, q=NIK)[0] == []


def test_ids_for_other_domains_come_in_tiers_best_first(registry):
    tiers = child_ids_matching_name("Muhamad Rizky")
    # "Muhammad Rizki" matches both tokens with nothing left over; "... Pratama" has one more.
    assert tiers[:2] == [[registry["rizki"].pk], [registry["rizki_pratama"].pk]]
    assert child_ids_matching_name("Muhamad Rizky", limit=1) == [[registry["rizki"].pk]]


def test_ids_for_other_domains_searched_within_a_set(registry):
    within = Child.objects.filter(pk=registry["rizki_pratama"].pk)
    assert child_ids_matching_name("Muhamad Rizky", within=within) == [
        [registry["rizki_pratama"].pk]
    ]
    assert child_ids_matching_name("Budi", within=within) == []


def test_pagination_of_ranked_results(registry, intake_officer):
    first, count, _ = child_search(user=intake_officer, q="riz", limit=1, offset=0)
    second, _, _ = child_search(user=intake_officer, q="riz", limit=1, offset=1)
    assert count == 3 and len(first) == 1 and first != second


def test_vocabulary_picks_up_new_tokens(registry, intake_officer, monkeypatch):
    child_search(user=intake_officer, q="budi")  # loads the vocabulary
    child_register(actor=intake_officer, full_name="Kurniawan Saputra", sex="male")
    monkeypatch.setattr(search, "VOCABULARY_TTL", 0.0)
    found, _count, _capped = child_search(user=intake_officer, q="Kurniawann")
    assert names(found) == ["Kurniawan Saputra"]


def test_candidate_cap(intake_officer):
    for i in range(5):
        child_register(actor=intake_officer, full_name=f"Dewi Lestari {i}", sex="female")
    ranking = search.rank("dewi", cap=3)
    assert len(ranking.hits) == 3 and ranking.capped


def test_search_query_count_is_constant(registry, intake_officer, django_assert_max_num_queries):
    search.vocabulary()  # warm, as in a running process
    # vocabulary counts, full matches, partial matches, ranking rows, the page of children
    with django_assert_max_num_queries(5):
        child_search(user=intake_officer, q="Muhamad Rizky Pratama")


def test_all_but_one_token_when_nothing_matches_every_token(registry, intake_officer):
    found, _count, _capped = child_search(user=intake_officer, q="Budi Santoso Wijaya")
    assert names(found) == ["Budi Santoso"]
