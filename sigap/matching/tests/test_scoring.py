from datetime import date

import numpy as np

from sigap.matching import FIELDS, FSModel, Record, compare, prepare
from sigap.matching.compare import MISSING

AS_OF_FIELDS = {f.name: k for k, f in enumerate(FIELDS)}


def levels(a: Record, b: Record) -> dict[str, str]:
    p = prepare([a, b])
    row = compare(p, p, np.array([0]), np.array([1]))[0]
    return {
        f.name: ("missing" if row[k] == MISSING else f.levels[row[k]]) for k, f in enumerate(FIELDS)
    }


def test_name_levels() -> None:
    base = Record("1", "Muhammad Rizky Pratama")
    # order and spelling variants; a name only this pair bears
    assert levels(base, Record("2", "Pratama M. Rizki"))["name"] == "exact_unique"
    assert levels(base, Record("2", "Rizky Pratams"))["name"] == "one_edit"  # one typo
    assert levels(base, Record("2", "Rizky Pratmaaa"))["name"] == "fuzzy_high"  # two
    assert levels(base, Record("2", "Rizky"))["name"] == "subset"
    assert levels(Record("1", "Soeharto"), Record("2", "Suharto"))["name"] == "exact_unique"
    assert levels(Record("1", "Rahmad Suryadi"), Record("2", "Rahmat Soerjadi"))["name"] in (
        "exact_unique",
        "phonetic",
    )
    assert levels(base, Record("2", "Dimas Pratama"))["name"] == "share_token"
    assert levels(base, Record("2", "Budi Santoso"))["name"] == "different"
    # a one-word name may be a nickname: its disagreement is a level of its own
    assert levels(Record("1", "Lamria Rosma"), Record("2", "Dame Ester"))["name"] == "different"
    assert levels(Record("1", "Ucok"), Record("2", "Dame Ester"))["name"] == "different_given"
    # ... when the data shows it as one: an alias beside full names
    p = prepare(
        [Record("1", "Ucok"), Record("2", "Dame Ester"), Record("3", "Rudi Hartono", alias="Ucok")]
    )
    row = compare(p, p, np.array([0]), np.array([1]))[0]
    assert FIELDS[0].levels[row[0]] == "different_short"
    w = dict(zip(FIELDS[0].levels, FSModel.default().weight_tables()[0], strict=False))
    assert w["different"] < w["different_short"] < 0


def test_parents_agreement_follows_name_frequency() -> None:
    """Sharing a mother named like one record in 50 counts less than sharing a rare name."""
    common = [Record(str(i), f"Anak{'x' * i}", mother_name="Aisyah") for i in range(60)]
    others = [Record(str(100 + i), f"Lain{'y' * i}", mother_name=f"Ibu{i}") for i in range(2940)]
    pair = [
        Record("a", "Budi", mother_name="Lamria Jowati"),
        Record("b", "Budi", mother_name="Lamria Jowati"),
    ]
    p = prepare([*common, *others, *pair])
    row = compare(p, p, np.array([0, len(p) - 2]), np.array([1, len(p) - 1]))
    parents = FIELDS[AS_OF_FIELDS["parents"]]
    assert parents.levels[row[0, AS_OF_FIELDS["parents"]]] == "one_same_common"
    assert parents.levels[row[1, AS_OF_FIELDS["parents"]]] == "one_same_rare"
    w = FSModel.default().weight_tables()[AS_OF_FIELDS["parents"]]
    assert w[row[1, AS_OF_FIELDS["parents"]]] > w[row[0, AS_OF_FIELDS["parents"]]]


def test_exact_name_level_follows_name_frequency() -> None:
    common = [Record(str(i), "Rizky Pratama") for i in range(30)]
    rare = [Record(str(100 + i), f"Budi Santoso{'x' * i}") for i in range(3000)]
    p = prepare([*common, *rare, Record("r1", "Wahyu Lestari"), Record("r2", "Wahyu Lestari")])
    row = compare(p, p, np.array([0, len(p) - 2]), np.array([1, len(p) - 1]))
    name = FIELDS[0]
    assert name.levels[row[0, 0]] == "exact_frequent"  # 30 in 3,032: about 1 in 100
    assert name.levels[row[1, 0]] == "exact_unique"
    model = FSModel.default()
    assert model.weight_tables()[0][row[1, 0]] > model.weight_tables()[0][row[0, 0]]


def test_alias_is_compared_with_every_name() -> None:
    a = Record("1", "Rizky Siregar", alias="Ucok")
    assert levels(a, Record("2", "Ucok"))["name"] == "alias"
    assert levels(Record("1", "Kiki"), Record("2", "Rizki Amelia"))["name"] == "nickname"


def test_missing_values_neither_help_nor_hurt() -> None:
    lv = levels(Record("1", "Budi"), Record("2", "Budi", nik="6401010101010001"))
    assert lv["nik"] == "missing" and lv["sex"] == "missing" and lv["birth"] == "missing"
    model = FSModel.default()
    p = prepare([Record("1", "Budi"), Record("2", "Budi", nik="6401010101010001")])
    row = compare(p, p, np.array([0]), np.array([1]))[0]
    assert model.explain(row).by_field()["nik"].weight == 0.0


def test_nik_one_digit_off() -> None:
    a = Record("1", "Budi", nik="6401010101100001")
    assert levels(a, Record("2", "Budi", nik="6401010101100001"))["nik"] == "same"
    assert levels(a, Record("2", "Budi", nik="6401070101100001"))["nik"] == "one_digit_off"
    # only the serial differs: another child born that day in that region (a twin)
    assert levels(a, Record("2", "Budi", nik="6401010101100002"))["nik"] == "serial_differs"
    assert levels(a, Record("2", "Budi", nik="6471023005120042"))["nik"] == "different"


def test_estimated_age_is_a_range() -> None:
    a = Record("1", "Budi", birth_date="2014-03-01")
    from datetime import date

    p = prepare(
        [a, Record("2", "Budi", age="11"), Record("3", "Budi", age="4")], as_of=date(2026, 1, 1)
    )
    row = compare(p, p, np.array([0, 0]), np.array([1, 2]))
    birth = AS_OF_FIELDS["birth"]
    assert FIELDS[birth].levels[row[0, birth]] == "ranges_overlap"
    assert FIELDS[birth].levels[row[1, birth]] == "different"


def test_birth_date_typos_are_near() -> None:
    a = Record("1", "Budi", birth_date="2014-03-12")
    assert levels(a, Record("2", "Budi", birth_date="2014-12-03"))["birth"] == "near_date"
    assert levels(a, Record("2", "Budi", birth_date="2014-03-13"))["birth"] == "near_date"
    assert levels(a, Record("2", "Budi", birth_year="2014"))["birth"] == "same_year"


def test_score_orders_duplicate_above_sibling() -> None:
    child = Record(
        "1",
        "Rizky Pratama",
        sex="M",
        birth_date="2014-03-12",
        father_name="Agus",
        mother_name="Sri Wahyuni",
        kelurahan="Damai",
    )
    again = Record(
        "2", "M. Rizki Pratama", sex="M", age="11", mother_name="Sri Wahyuni", kelurahan="Prapatan"
    )
    sibling = Record(
        "3",
        "Dimas Pratama",
        sex="M",
        birth_date="2016-07-01",
        father_name="Agus",
        mother_name="Sri Wahyuni",
        kelurahan="Damai",
    )
    p = prepare([child, again, sibling])
    lv = compare(p, p, np.array([0, 0]), np.array([1, 2]))
    s = FSModel.default().for_population(20_000).score(lv)
    assert s.min() >= 0.0 and s.max() <= 1.0
    assert s[0] > 0.5 > s[1]


def test_explanation_lists_every_field_and_adds_up() -> None:
    p = prepare([Record("1", "Budi Santoso", sex="M"), Record("2", "Budi Santoso", sex="F")])
    row = compare(p, p, np.array([0]), np.array([1]))[0]
    exp = FSModel.default().explain(row)
    by = exp.by_field()
    assert set(by) == {f.name for f in FIELDS}  # no household term: nothing shared
    assert by["name"].status == "agree" and by["name"].weight > 0
    assert by["sex"].status == "disagree" and by["sex"].weight < 0
    assert by["nik"].status == "missing"
    assert abs(sum(c.weight for c in exp.contributions) - exp.match_weight) < 1e-9
    assert 0 <= exp.score <= 1
    assert "name:exact_unique(+" in str(exp) and "nik:missing(0)" in str(exp)


def test_household_pairs_are_scored_as_same_child_or_sibling() -> None:
    """Sharing parents and an address makes two records a family, not the same child: twins
    with different names stay apart, the same child recorded twice in the family does not."""
    family = {"father_name": "Agus Santoso", "mother_name": "Sri Wahyuni", "address": "Jl. Mawar 3"}
    twin_a = Record("1", "Hasan", sex="M", birth_date="2015-02-01", **family)
    twin_b = Record("2", "Dimas", sex="M", birth_date="2015-02-01", **family)
    again = Record("3", "Hasan", sex="M", age="11", **family)
    p = prepare([twin_a, twin_b, again], as_of=date(2026, 1, 1))
    lv = compare(p, p, np.array([0, 0]), np.array([1, 2]))
    model = FSModel.default().for_population(20_000)
    s = model.score(lv)
    assert s[0] < 0.5 < s[1]
    assert model.explain(lv[0]).by_field()["household"].weight > 0


def test_em_recovers_known_weights() -> None:
    """Pairs drawn from a known Fellegi-Sunter model: EM (no labels) finds m, u and the prior."""
    rng = np.random.default_rng(0)
    truth = FSModel.default()
    n = 200_000
    is_match = rng.random(n) < 0.1
    lv = np.empty((n, len(FIELDS)), np.int8)
    for f in range(len(FIELDS)):
        k = len(truth.m[f])
        lv[:, f] = np.where(
            is_match, rng.choice(k, n, p=truth.m[f]), rng.choice(k, n, p=truth.u[f][0])
        )
    model = FSModel.uninformed()
    g = model.fit_em(lv, fix_u=False, max_iter=300, tol=1e-7)
    assert abs(model.history[-1] - 0.1) < 0.01
    for f in range(len(FIELDS)):
        assert np.abs(model.m[f] - truth.m[f]).max() < 0.05
        assert np.abs(model.u[f][0] - truth.u[f][0]).max() < 0.05
    assert np.corrcoef(g, is_match)[0, 1] > 0.9


def test_labelled_fit_and_round_trip(synthetic) -> None:
    from sigap.matching.blocking import candidate_pairs
    from sigap.matching.dedupe import random_pairs

    p = prepare(synthetic.records[:2000], as_of=synthetic.as_of)
    ia, ib = candidate_pairs(p)
    cl = np.array(synthetic.cluster[:2000])
    lv = compare(p, p, ia, ib)
    ra, rb = random_pairs(len(p))
    model = FSModel.uninformed().fit_labelled(
        lv, cl[ia] == cl[ib], compare(p, p, ra, rb), records=len(p), true_pairs=500
    )
    assert model.house_rate > 0 and 0.4 < model.dup_rate < 0.6
    again = FSModel.from_dict(model.to_dict())
    assert np.allclose(again.score(lv), model.score(lv), atol=1e-4)


def test_pruned_comparison_loses_no_pair_above_the_threshold(synthetic) -> None:
    """compare_pruned drops only pairs whose best possible weight is under the threshold, and
    gives the kept pairs the same levels as compare()."""
    from sigap.matching.blocking import candidate_pairs
    from sigap.matching.compare import compare_pruned
    from sigap.matching.dedupe import adapt_u

    p = prepare(synthetic.records, as_of=synthetic.as_of)
    model = adapt_u(FSModel.default(), p).for_population(len(p) - 1)
    ia, ib = candidate_pairs(p)
    full = compare(p, p, ia, ib)
    above = np.flatnonzero(model.score(full) >= 0.5)
    pos, lv = compare_pruned(p, p, ia, ib, lambda levels: model.can_reach(levels, 0.5))
    assert len(pos) < len(ia) / 2  # most candidate pairs never reach the name comparison
    assert set(above.tolist()) <= set(pos.tolist())
    assert (lv == full[pos]).all()


def test_twins_and_namesakes_have_their_own_tables() -> None:
    """Born the same day in one household: twins unless the names agree. Namesakes outside a
    household: sex and origin agreeing say less than between any two children."""
    family = {"father_name": "Agus Santoso", "mother_name": "Sri Wahyuni", "address": "Jl. Mawar 3"}
    twin_a = Record("1", "Saptitono Nugroho", sex="M", birth_date="2013-10-05", **family)
    twin_b = Record("2", "Saptitooa Nugroho", sex="M", birth_date="2013-10-05", **family)
    again = Record("3", "Saptitono Nugroho", sex="M", birth_date="2013-10-05", **family)
    p = prepare([twin_a, twin_b, again])
    lv = compare(p, p, np.array([0, 0]), np.array([1, 2]))
    model = FSModel.default().for_population(20_000)
    assert model.twin_rate > 0
    s = model.score(lv)
    assert s[0] < 0.5 < s[1]
    a, b = (
        Record("1", "Rizky", sex="M", origin="Bone"),
        Record("2", "Rizky", sex="M", origin="Bone"),
    )
    p = prepare([a, b])
    row = compare(p, p, np.array([0]), np.array([1]))[0]
    by = model.explain(row).by_field()
    general = model.weight_tables(0)
    assert by["sex"].weight < general[1][row[1]]
    assert by["birthplace_origin"].weight < general[5][row[5]]
    assert by["name"].weight == general[0][row[0]]


def test_nik_gives_birth_date_and_sex_when_missing() -> None:
    from sigap.matching.records import nik_birth

    # a girl born 2014-03-21 (day 21 + 40), serial 0007
    assert nik_birth("6401066103140007", date(2026, 1, 1)) == (date(2014, 3, 21), 2)
    assert nik_birth("6401062103990007", date(2026, 1, 1)) == (date(1999, 3, 21), 1)
    assert nik_birth("6401063203140007", date(2026, 1, 1)) is None  # no 32nd of March
    assert nik_birth("640106610314", date(2026, 1, 1)) is None  # not 16 digits
    p = prepare(
        [
            Record("1", "Sari", nik="6401066103140007"),
            Record("2", "Sari", birth_date="2014-03-21", sex="F"),
            Record("3", "Sari", birth_date="2015-01-01", nik="6401066103140007"),
        ],
        as_of=date(2026, 1, 1),
    )
    row = compare(p, p, np.array([0, 0]), np.array([1, 2]))
    assert FIELDS[2].levels[row[0, 2]] == "same_date"  # the NIK's date stands in for the birth
    assert FIELDS[1].levels[row[0, 1]] == "same"  # and its sex (day + 40) for the sex
    assert p.birth_exact[2] == "20150101"  # a written birth date is never overridden


def test_nickname_is_a_short_form_of_a_name_of_the_other_record() -> None:
    full = Record("1", "Rizki Nurhaliza Pratama")
    assert levels(full, Record("2", "Kiki"))["name"] == "nickname"
    assert levels(full, Record("2", "Liza"))["name"] == "nickname"
    assert levels(full, Record("2", "Rizk"))["name"] == "nickname"
    # a nickname whose letters merely occur inside a name is no short form of it
    assert levels(full, Record("2", "Ipin"))["name"] in ("different_short", "different_given")
    # the given name noted as an alias of a nickname-only record
    assert (
        levels(Record("1", "Kecil", alias="Zainal"), Record("2", "Zainal Kartika"))["name"]
        == "alias"
    )


def test_one_letter_says_less_in_a_short_name() -> None:
    assert levels(Record("1", "Rizky"), Record("2", "Rizka"))["name"] == "one_edit_short"
    assert levels(Record("1", "Rizky Pratama"), Record("2", "Rizky Pratams"))["name"] == "one_edit"
    w = dict(zip(FIELDS[0].levels, FSModel.default().weight_tables()[0], strict=False))
    assert w["one_edit_short"] < w["one_edit"]


def test_a_one_word_given_name_is_told_from_a_nickname_by_the_data() -> None:
    p = prepare(
        [
            Record("1", "Budi Santoso"),
            Record("2", "Budi Hartono"),
            Record("3", "Rina Sari", alias="Ucok"),
            Record("4", "Dimas Pratama", alias="Ucok"),
            Record("5", "Budi"),
            Record("6", "Ucok"),
            Record("7", "Tri Wibowo"),
        ]
    )
    assert p.nicklike.tolist() == [False, False, False, False, False, True, False]
    row = compare(p, p, np.array([4, 5]), np.array([6, 6]))
    assert FIELDS[0].levels[row[0, 0]] == "different_given"  # Budi is a given name here
    assert FIELDS[0].levels[row[1, 0]] == "different_short"  # Ucok a nickname
    w = dict(zip(FIELDS[0].levels, FSModel.default().weight_tables()[0], strict=False))
    assert w["different_given"] < w["different_short"]
