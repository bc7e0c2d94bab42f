import pytest

from sigap.geo.models import Region
from sigap.geo.selectors import region_get, region_is_within, region_search

pytestmark = pytest.mark.usefixtures("regions")


def names(items: list[Region]) -> list[str]:
    return [region.name for region in items]


def test_search_puts_prefix_matches_first_then_word_matches_then_the_rest():
    items, total = region_search(q="samarinda")

    assert names(items) == [
        "Samarinda Seberang",
        "Samarinda Ulu",
        "Gunung Samarinda",  # 11.12.06.2003, Aceh
        "Gunung Samarinda",  # 64.71.03.1002, Balikpapan: same name, ordered by code
        "Gunung Samarinda Baru",
        "Kota Samarinda",
        "Tenun Samarinda",
    ]
    assert [r.code for r in items[2:4]] == ["11.12.06.2003", "64.71.03.1002"]
    assert total == 7

    items, _ = region_search(q="sa")
    assert names(items)[-2:] == ["Tenun Samarinda", "Nusa Tenggara Timur"]  # "nuSA" comes last


def test_search_ignores_case_spacing_and_apostrophe_style():
    assert names(region_search(q="  SAMARINDA   ulu ")[0]) == ["Samarinda Ulu"]
    assert names(region_search(q="regapu'u")[0]) == ["Regapu’u"]


def test_search_without_a_term_lists_by_name():
    items, total = region_search(level="province")

    assert names(items) == ["Aceh", "Kalimantan Timur", "Nusa Tenggara Timur"]
    assert total == 3


def test_search_within_a_parent_keeps_its_direct_children():
    items, total = region_search(parent="64.71.03")
    assert names(items) == ["Batu Ampar", "Gunung Samarinda", "Gunung Samarinda Baru"]
    assert total == 3

    items, total = region_search(q="samarinda", parent="64.71.03")
    assert [r.code for r in items] == ["64.71.03.1002", "64.71.03.1005"]

    assert region_search(parent="64") == region_search(parent="64", level="regency")
    assert names(region_search(parent="64")[0]) == ["Kota Balikpapan", "Kota Samarinda"]


def test_unknown_parent_or_level_gives_nothing():
    assert region_search(parent="99.99") == ([], 0)
    assert region_search(q="samarinda", parent="64.71.0") == ([], 0)
    assert region_search(level="hamlet") == ([], 0)
    assert region_search(q="no such place") == ([], 0)


def test_search_filters_by_level():
    assert names(region_search(q="samarinda", level="district")[0]) == [
        "Samarinda Seberang",
        "Samarinda Ulu",
    ]


def test_search_pages_and_counts_all_matches():
    first, total = region_search(q="samarinda", limit=2)
    second, total_again = region_search(q="samarinda", limit=2, offset=2)

    assert names(first) == ["Samarinda Seberang", "Samarinda Ulu"]
    assert [r.code for r in second] == ["11.12.06.2003", "64.71.03.1002"]
    assert total == total_again == 7
    assert region_search(q="samarinda", limit=0) == ([], 7)
    assert len(region_search(limit=10_000)[0]) == 22
    assert region_search(q="samarinda", limit=-5, offset=-5) == ([], 7)


def test_search_results_give_full_names_without_further_queries(django_assert_num_queries):
    with django_assert_num_queries(2):  # the count and the page
        items, _ = region_search(q="gunung samarinda")
        full_names = [region.full_name for region in items]

    assert full_names == [
        "Gunung Samarinda, Babah Rot, Kabupaten Aceh Barat Daya",
        "Gunung Samarinda, Balikpapan Utara, Kota Balikpapan",
        "Gunung Samarinda Baru, Balikpapan Utara, Kota Balikpapan",
    ]


def test_region_get(django_assert_num_queries):
    with django_assert_num_queries(1):
        region = region_get(code="64.71.03.1002")
        assert region is not None
        assert region.full_name == "Gunung Samarinda, Balikpapan Utara, Kota Balikpapan"
    assert region_get(code="64.71.03.9999") is None
    assert region_get(code="") is None


@pytest.mark.parametrize(
    ("code", "ancestor_code", "within"),
    [
        ("64.71.03.1002", "64.71.03", True),
        ("64.71.03.1002", "64.71", True),
        ("64.71.03.1002", "64", True),
        ("64.71", "64.71", True),
        ("64.71.03.1002", "64.7", False),
        ("64.71", "64.71.03", False),
        ("64.72.01", "64.71", False),
        ("", "64", False),
        ("64", "", False),
    ],
)
def test_region_is_within(code, ancestor_code, within):
    assert region_is_within(code=code, ancestor_code=ancestor_code) is within
