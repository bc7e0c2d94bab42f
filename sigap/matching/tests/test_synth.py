from sigap.matching.synth import generate


def test_generator_is_deterministic_for_a_seed() -> None:
    a, b, c = generate(500, seed=5), generate(500, seed=5), generate(500, seed=6)
    assert a.records == b.records and a.cluster == b.cluster
    assert a.records != c.records


def test_generator_makes_duplicates_and_hard_cases() -> None:
    s = generate(3000, seed=1)
    assert len(s.records) == 3000 and len({r.id for r in s.records}) == 3000
    assert len(s.true_pairs()) > 300
    names = [r.full_name for r in s.records]
    assert any(n.startswith(("M. ", "Moh. ", "Mochamad ")) for n in names)
    assert any("oe" in n.lower() or "dj" in n.lower() for n in names)
    assert any(" bin " in n or " binti " in n for n in names)
    assert any(n.startswith(("I Wayan", "I Made", "Ni Made", "Ni Putu")) for n in names)
    assert any(r.age for r in s.records) and any(not r.nik for r in s.records)
    # siblings: same mother, different children
    by_mother: dict[str, set[int]] = {}
    for r, c in zip(s.records, s.cluster, strict=True):
        if r.mother_name:
            by_mother.setdefault(r.mother_name, set()).add(c)
    assert any(len(v) > 1 for v in by_mother.values())


def test_generator_says_how_each_record_was_varied() -> None:
    """Family, twin flag and variation tags (for error analysis) line up with the records."""
    s = generate(3000, seed=1)
    assert len(s.family) == len(s.tags) == len(s.twin) == len(s.records)
    tags = {t for tg in s.tags for t in tg}
    assert {"copy", "nickname_only", "moved", "age_estimated", "name_typo"} <= tags
    for r, tg in zip(s.records, s.tags, strict=True):
        if "age_estimated" in tg:
            assert r.age and not r.birth_date
        if "birth_year_only" in tg:
            assert r.birth_year and not r.birth_date
    # one child, one family; twins come in pairs of one family
    fam: dict[int, int] = {}
    for c, f in zip(s.cluster, s.family, strict=True):
        assert fam.setdefault(c, f) == f
    assert any(s.twin)
