import math

import numpy as np

from sigap.matching import FSModel, dedupe, prepare
from sigap.matching.synth import SyntheticSet


def _f1(s: SyntheticSet, ia: np.ndarray, ib: np.ndarray) -> float:
    cluster = np.array(s.cluster)
    tp = int((cluster[ia] == cluster[ib]).sum())
    precision, recall = tp / max(len(ia), 1), tp / len(s.true_pairs())
    return 2 * precision * recall / (precision + recall)


def test_pairs_made_consistent_through_third_records(synthetic) -> None:
    p = prepare(synthetic.records, as_of=synthetic.as_of)
    model = FSModel.default()
    alone = dedupe(p, threshold=0.5, model=model, resolve=False)
    resolved = dedupe(p, threshold=0.5, model=model)
    assert _f1(synthetic, resolved.ia, resolved.ib) > _f1(synthetic, alone.ia, alone.ib) + 0.005
    assert resolved.linked is not None and resolved.via is not None
    added = np.flatnonzero(resolved.linked > 0)
    assert len(added) > 0
    own = {(a, b) for a, b in zip(alone.ia.tolist(), alone.ib.tolist(), strict=True)}
    for k in added[:50].tolist():
        a, b, hub = int(resolved.ia[k]), int(resolved.ib[k]), int(resolved.via[k])
        assert (a, b) not in own and hub not in (a, b)
        e = resolved.explain(k)
        assert e.contributions[-1].field == "linked"
        assert e.contributions[-1].level == "through_other_record"
        # the explanation still adds up to the pair's score
        prior = resolved.model.prior
        logit = e.match_weight + math.log2(prior / (1 - prior))
        assert math.isclose(1 / (1 + 2**-logit), float(resolved.scores[k]), rel_tol=1e-6)
        assert resolved.scores[k] >= 0.5
    # the scores of pairs not added are their own, each explained without a link
    for k in np.flatnonzero(resolved.linked == 0)[:20].tolist():
        assert all(c.field != "linked" for c in resolved.explain(k).contributions)
