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
