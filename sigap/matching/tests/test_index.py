import time
from dataclasses import replace

from sigap.matching import MatchIndex, Record
from sigap.matching.synth import generate


def test_top_candidates_find_the_same_child(synthetic) -> None:
    index = MatchIndex(synthetic.records, as_of=synthetic.as_of)
    by_cluster: dict[int, list[int]] = {}
    for i, c in enumerate(synthetic.cluster):
        by_cluster.setdefault(c, []).append(i)
    hits = total = 0
    for members in list(by_cluster.values())[:3000]:
        if len(members) < 2:
            continue
        query = replace(synthetic.records[members[0]], id="new")
        found = {c.id for c in index.query(query, k=10)}
        others = {synthetic.records[m].id for m in members}
        hits += len(found & others)
        total += len(others)
    assert total > 100
    assert hits / total > 0.9


def test_query_returns_explained_scores_best_first() -> None:
    s = generate(500, seed=11)
    index = MatchIndex(s.records, as_of=s.as_of)
    got = index.query(Record("q", s.records[0].full_name, sex=s.records[0].sex), k=10)
    assert 0 < len(got) <= 10
    scores = [c.score for c in got]
    assert scores == sorted(scores, reverse=True)
    assert s.records[0].id in {c.id for c in got}
    assert str(got[0].explanation).startswith("name:")


def test_query_on_unknown_name_is_empty_or_weak() -> None:
    s = generate(300, seed=2)
    index = MatchIndex(s.records, as_of=s.as_of)
    got = index.query(Record("q", "Xyzzy Qwertz"))
    assert all(c.score < 0.5 for c in got)


def test_query_is_fast(synthetic) -> None:
    index = MatchIndex(synthetic.records, as_of=synthetic.as_of)
    times = []
    for r in synthetic.records[:200]:
        t = time.perf_counter()
        index.query(r)
        times.append(time.perf_counter() - t)
    times.sort()
    assert times[int(0.95 * len(times))] < 0.05
