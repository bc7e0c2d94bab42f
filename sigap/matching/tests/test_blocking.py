import numpy as np

from sigap.matching import prepare
from sigap.matching.blocking import PASS_IDS, candidate_pairs


def test_blocking_recall_is_high_and_pairs_few(synthetic) -> None:
    p = prepare(synthetic.records, as_of=synthetic.as_of)
    ia, ib = candidate_pairs(p)
    cl = np.array(synthetic.cluster)
    truth = len(synthetic.true_pairs())
    recall = (cl[ia] == cl[ib]).sum() / truth
    n = len(p)
    assert recall >= 0.93, recall
    assert len(ia) < 0.01 * n * (n - 1) / 2  # under 1% of all pairs
    assert (ia < ib).all() and len(np.unique(ia * n + ib)) == len(ia)


def test_each_pass_adds_recall(synthetic) -> None:
    p = prepare(synthetic.records, as_of=synthetic.as_of)
    cl = np.array(synthetic.cluster)
    without = {}
    for name, pid in PASS_IDS.items():
        ia, ib = candidate_pairs(p, passes=[x for x in PASS_IDS.values() if x != pid])
        without[name] = (cl[ia] == cl[ib]).sum()
    ia, ib = candidate_pairs(p)
    full = (cl[ia] == cl[ib]).sum()
    assert all(v <= full for v in without.values())
    assert sum(v < full for v in without.values()) >= 4


def test_windows_keep_pairs_per_record_flat_as_records_grow() -> None:
    """A block larger than its window becomes a sorted neighbourhood: pairs grow linearly."""
    from sigap.matching import Record
    from sigap.matching.blocking import PASS_WINDOW

    # 600 children of the same name and year: one block of 600 in the name passes
    recs = [Record(str(i), "Rizky Pratama", birth_year="2015") for i in range(600)]
    ia, ib = candidate_pairs(prepare(recs))
    assert len(ia) <= 600 * max(PASS_WINDOW.values())
    assert len(ia) < 600 * 599 / 2 / 4
    # a small block is compared in full
    ia, ib = candidate_pairs(prepare(recs[:20]))
    assert len(ia) == 20 * 19 / 2


def test_record_keys_match_the_key_table(synthetic) -> None:
    """A query's keys (index) are the ones the batch builds for the same record."""
    from sigap.matching.blocking import KeyTable, record_keys

    p = prepare(synthetic.records[:300], as_of=synthetic.as_of)
    table = KeyTable.build(p)
    for i in (0, 17, 299):
        mine = {k for _, k in record_keys(p, i)}
        assert mine and mine == set(table.key[table.rec == i].tolist())
