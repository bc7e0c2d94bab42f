"""Batch deduplication and linkage: block, compare, estimate weights, score."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .blocking import PASS_IDS, candidate_codes, candidate_pairs
from .compare import FIELD_NAMES, N_EXACT, compare, compare_pruned
from .model import Explanation, FieldContribution, FSModel
from .records import Prepared, Record, prepare

Progress = Callable[[str], None]
Idx = NDArray[np.int64]
CHUNK = 500_000  # pairs compared at once: bounds memory and gives regular progress
RANDOM_PAIRS = 300_000  # random pairs compared to learn u
MIN_PAIRS_FOR_EM = 200  # below this EM has too little to learn from: use the shipped m
# Training passes, as Splink's EM blocking rules: pairs sharing one field, whose own weights
# that pass can therefore not learn.
TRAINING_PASSES = (("birth_date", "birth"), ("full_name", "name"))


def _silent(_: str) -> None:
    pass


@dataclass
class DedupeResult:
    """Scored candidate pairs at or above the threshold (indices into `prepared`)."""

    prepared: Prepared
    model: FSModel
    ia: NDArray[np.int64]
    ib: NDArray[np.int64]
    scores: NDArray[np.float64]
    levels: NDArray[np.int8]
    compared: int  # candidate pairs compared, before the threshold
    # Pairs found through a third record (see resolve_clusters): the bits added to the pair's
    # own weight, and that record's index; 0 and -1 for pairs scored on their own.
    linked: NDArray[np.float64] | None = None
    via: NDArray[np.int64] | None = None

    def __len__(self) -> int:
        return len(self.ia)

    def explain(self, k: int) -> Explanation:
        own = self.model.explain(self.levels[k])
        if self.linked is None or self.linked[k] <= 0:
            return own
        extra = float(self.linked[k])
        link = FieldContribution("linked", "agree", "through_other_record", extra)
        score = float(self.scores[k])
        return Explanation((*own.contributions, link), own.match_weight + extra, score)

    def rows(self) -> Iterator[tuple[str, str, float, str]]:
        """(id_a, id_b, score, explanation) per pair, best first."""
        ids = self.prepared.ids
        for k in np.argsort(-self.scores, kind="stable"):
            yield ids[self.ia[k]], ids[self.ib[k]], float(self.scores[k]), str(self.explain(int(k)))


def compare_chunked(
    p: Prepared,
    q: Prepared,
    ia: NDArray[np.int64],
    ib: NDArray[np.int64],
    progress: Progress = _silent,
) -> NDArray[np.int8]:
    parts = []
    for start in range(0, len(ia), CHUNK):
        parts.append(compare(p, q, ia[start : start + CHUNK], ib[start : start + CHUNK]))
        if len(ia) > CHUNK:
            progress(f"compared {min(start + CHUNK, len(ia)):,} / {len(ia):,} pairs")
    return np.concatenate(parts) if parts else compare(p, q, ia, ib)


def random_pairs(
    n_a: int, n_b: int | None = None, *, size: int = RANDOM_PAIRS, seed: int = 0
) -> tuple[Idx, Idx]:
    """Random pairs within one set of n_a records (n_b None) or across n_a x n_b records."""
    rng = np.random.default_rng(seed)
    if n_b is None:
        ia, ib = rng.integers(0, n_a, size), rng.integers(0, n_a, size)
        keep = ia != ib
        return np.minimum(ia, ib)[keep], np.maximum(ia, ib)[keep]
    return rng.integers(0, n_a, size), rng.integers(0, n_b, size)


def adapt_u(model: FSModel, p: Prepared, *, seed: int = 0) -> FSModel:
    """The model with u learnt from this data's random pairs and name frequencies (no labels
    needed); m and the rates stay as they are."""
    model = model.copy()
    if len(p) < 100:
        return model
    ia, ib = random_pairs(len(p), seed=seed, size=min(RANDOM_PAIRS, 20 * len(p)))
    model.fit_u_random(compare(p, p, ia, ib))
    _, counts = np.unique(p.codes("name"), return_counts=True)
    model.set_name_frequencies(counts)
    return model


def _pass_pairs(p: Prepared, pass_name: str, split: int | None) -> tuple[Idx, Idx]:
    ia, ib = candidate_pairs(p, passes=[PASS_IDS[pass_name]], max_block=1000)
    if split is not None:
        cross = (ia < split) & (ib >= split)
        ia, ib = ia[cross], ib[cross] - split
    return ia, ib


def estimate_model(
    p: Prepared,
    *,
    split: int | None = None,
    start: FSModel | None = None,
    seed: int = 0,
    progress: Progress = _silent,
) -> FSModel:
    """m, u and the prior estimated on the data alone (no labels), the way Splink does.

    u from random pairs (and name frequencies); m by EM on the pairs sharing a birth date
    (learning every field but the birth date) and on the pairs sharing a name (learning the
    birth date); the number of matches from how many pairs of each pass EM calls matches,
    divided by how often matches agree on that field. With `split`, records [0, split) are
    linked to [split, n) and only pairs across count.
    """
    model = (start or FSModel.default()).copy()
    # households, twins and namesakes need labels (or the shipped tables) to be told apart
    model.house_rate = model.twin_rate = 0.0
    model.name_stratum = False
    if split is None:
        q, n_a, n_b = p, len(p), None
        total_pairs = len(p) * (len(p) - 1) / 2
        model.population = max(len(p) - 1, 1)
    else:
        q, n_a, n_b = p.slice(split, len(p)), split, len(p) - split
        total_pairs = float(n_a * n_b)
        model.population = max(n_b, 1)
    left = p.slice(0, split) if split is not None else p
    ia, ib = random_pairs(n_a, n_b, seed=seed, size=min(RANDOM_PAIRS, 20 * len(p)))
    model.fit_u_random(compare(left, q, ia, ib))
    _, counts = np.unique(p.codes("name"), return_counts=True)
    model.set_name_frequencies(counts)
    fitted: dict[str, tuple[FSModel, NDArray[np.float64], NDArray[np.int8]]] = {}
    for pass_name, field_name in TRAINING_PASSES:
        pa, pb = _pass_pairs(p, pass_name, split)
        if len(pa) < MIN_PAIRS_FOR_EM:
            continue
        levels = compare(left, q, pa, pb)
        trial = model.copy()
        g = trial.fit_em(levels, exclude=(FIELD_NAMES.index(field_name),), max_iter=200)
        fitted[field_name] = (trial, g, levels)
        progress(f"EM on {len(pa):,} pairs sharing {field_name}: {g.sum():,.0f} matches")
    if not fitted:
        return model
    for f, name in enumerate(FIELD_NAMES):
        learnt = [t.m[f] for other, (t, _, _) in fitted.items() if other != name]
        if learnt:
            model.m[f] = np.mean(learnt, axis=0)
    # matches in a pass / P(match agrees on the pass field), the latter seen in the other pass
    estimates = []
    for field_name, (_, g, _) in fitted.items():
        f = FIELD_NAMES.index(field_name)
        agree_levels = {"birth": (0,), "name": tuple(range(N_EXACT + 1))}[field_name]
        for other, (_, g2, lv2) in fitted.items():
            if other != field_name and g2.sum() > 0:
                agree = float(g2[np.isin(lv2[:, f], agree_levels)].sum() / g2.sum())
                if agree > 0.01:
                    estimates.append(g.sum() / agree)
    if estimates:
        matches = float(np.exp(np.mean(np.log(estimates))))
        model.dup_rate = matches / total_pairs * model.population
    return model


def dedupe(
    records: Sequence[Record] | Prepared,
    *,
    threshold: float = 0.5,
    model: FSModel | None = None,
    max_block: int | None = None,
    resolve: bool = True,
    progress: Progress = _silent,
) -> DedupeResult:
    """Find likely duplicate pairs among records.

    With `resolve`, the pairs are then made consistent with each other (resolve_clusters).

    Without a model, every weight is estimated on the data itself (EM, no labels); with one,
    its u is re-learnt from this data's random pairs and name frequencies.
    """
    p = records if isinstance(records, Prepared) else prepare(records)
    progress(f"prepared {len(p):,} records")
    if model is None:
        model = estimate_model(p, progress=progress)
        progress(f"estimated weights (EM), {model.dup_rate:.3f} duplicates per record")
    else:
        model = adapt_u(model, p).for_population(len(p) - 1)
    code = candidate_codes(p, max_block=max_block)
    progress(f"blocking: {len(code):,} candidate pairs")
    n = max(len(p), 1)
    kept: list[tuple[Idx, Idx, NDArray[np.float64], NDArray[np.int8]]] = []
    for start in range(0, len(code), CHUNK):
        ia, ib = np.divmod(code[start : start + CHUNK], n)
        # pairs that cannot reach the threshold whatever their names are dropped before the
        # (costly) name comparison
        pos, levels = compare_pruned(p, p, ia, ib, lambda lv: model.can_reach(lv, threshold))
        ia, ib = ia[pos], ib[pos]
        scores = model.score(levels)
        keep = scores >= threshold
        kept.append((ia[keep], ib[keep], scores[keep], levels[keep]))
        if len(code) > CHUNK:
            progress(f"compared {min(start + CHUNK, len(code)):,} / {len(code):,} pairs")
    ia = np.concatenate([k[0] for k in kept]) if kept else np.zeros(0, np.int64)
    ib = np.concatenate([k[1] for k in kept]) if kept else np.zeros(0, np.int64)
    scores = np.concatenate([k[2] for k in kept]) if kept else np.zeros(0)
    levels = (
        np.concatenate([k[3] for k in kept]) if kept else np.zeros((0, len(FIELD_NAMES)), np.int8)
    )
    result = DedupeResult(p, model, ia, ib, scores, levels, len(code))
    if resolve:
        result = resolve_clusters(result, threshold)
    progress(f"{len(result):,} pairs at or above {threshold}")
    return result


# Cluster consistency: a pair scored at least STRONG is taken as the same child when judging
# its neighbours.
STRONG = 0.8
# A pair below SURE is dropped when one of its records is strongly the same child as a third
# record that is clearly (below CLEARLY_NOT) not the other: twins, one of whom has two records.
SURE, CLEARLY_NOT = 0.99, 0.01
# A pair found through a third record needs its own score at least this high.
LINK_FLOOR = 0.01
MAX_STRONG_DEGREE = 20  # strong neighbours per record considered (a guard for huge clusters)


def _strong_csr(
    n: int, ia: Idx, ib: Idx, scores: NDArray[np.float64]
) -> tuple[Idx, Idx, NDArray[np.float64]]:
    """Strong neighbours of each record: (offsets, neighbour, score), both directions."""
    strong = np.flatnonzero(scores >= STRONG)
    a = np.r_[ia[strong], ib[strong]]
    b = np.r_[ib[strong], ia[strong]]
    w = np.r_[scores[strong], scores[strong]]
    order = np.lexsort((-w, a))
    a, b, w = a[order], b[order], w[order]
    offsets = np.zeros(n + 1, np.int64)
    np.add.at(offsets, a + 1, 1)
    return np.cumsum(offsets), b, w


def _pair_scores(
    result: DedupeResult, a: Idx, b: Idx
) -> tuple[NDArray[np.float64], NDArray[np.int8]]:
    p = result.prepared
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    levels = compare(p, p, lo, hi)
    return result.model.score(levels), levels


def resolve_clusters(result: DedupeResult, threshold: float) -> DedupeResult:
    """Make the pairs agree with each other the way records of one child must.

    Records of one child are all the same child: when a is strongly the same child as b and b
    as c, then a and c are too, with probability at least P(a=b) x P(b=c), even when a and c
    alone say too little (a nickname on one, the full name on the other). Such pairs are
    added, their explanation showing the bits gained through b. Conversely a weaker pair (a, c)
    is dropped when a is strongly the same child as some b that is clearly not c (twins or
    siblings, one recorded twice).
    """
    n = len(result.prepared)
    ia, ib, scores = result.ia, result.ib, result.scores
    if len(ia) == 0:
        return result
    offsets, nbr, nsc = _strong_csr(n, ia, ib, scores)
    degree = np.minimum(np.diff(offsets), MAX_STRONG_DEGREE)
    # -- drop pairs contradicted through a third record
    weak = np.flatnonzero(scores < SURE)
    ks, bs, ys = [], [], []
    for x, y in ((ia, ib), (ib, ia)):
        rows = weak[degree[x[weak]] > 0]
        reps = degree[x[rows]]
        k = np.repeat(rows, reps)
        pos = np.repeat(offsets[x[rows]], reps) + (
            np.arange(reps.sum()) - np.repeat(np.cumsum(reps) - reps, reps)
        )
        b = nbr[pos]
        keep = (b != y[k]) & (nsc[pos] > scores[k])
        ks.append(k[keep])
        bs.append(b[keep])
        ys.append(y[k][keep])
    k, b, y = np.concatenate(ks), np.concatenate(bs), np.concatenate(ys)
    drop = np.zeros(len(ia), bool)
    if len(k):
        s_by, _ = _pair_scores(result, b, y)
        drop[k[s_by < CLEARLY_NOT]] = True
    keep = np.flatnonzero(~drop)
    ia, ib, scores, levels = ia[keep], ib[keep], scores[keep], result.levels[keep]
    # -- add pairs joined through a third record
    offsets, nbr, nsc = _strong_csr(n, ia, ib, scores)
    degree = np.minimum(np.diff(offsets), MAX_STRONG_DEGREE)
    hubs = np.flatnonzero(degree >= 2)
    cand_a, cand_c, cand_w, cand_b = [], [], [], []
    for hub in hubs.tolist():
        start = int(offsets[hub])
        d = int(degree[hub])
        for i in range(d):
            for j in range(i + 1, d):
                cand_a.append(int(nbr[start + i]))
                cand_c.append(int(nbr[start + j]))
                cand_w.append(float(nsc[start + i] * nsc[start + j]))
                cand_b.append(hub)
    linked = np.zeros(len(ia))
    via = np.full(len(ia), -1, np.int64)
    if cand_a:
        a, c = np.array(cand_a, np.int64), np.array(cand_c, np.int64)
        w, hub_of = np.array(cand_w), np.array(cand_b, np.int64)
        lo, hi = np.minimum(a, c), np.maximum(a, c)
        code = lo * n + hi
        # the best path per pair, and only pairs not already kept
        order = np.lexsort((-w, code))
        code, lo, hi, w, hub_of = code[order], lo[order], hi[order], w[order], hub_of[order]
        first = np.r_[True, code[1:] != code[:-1]]
        code, lo, hi, w, hub_of = code[first], lo[first], hi[first], w[first], hub_of[first]
        # neither a pair kept already nor one just dropped
        new = ~np.isin(code, result.ia * n + result.ib) & (w >= threshold)
        lo, hi, w, hub_of = lo[new], hi[new], w[new], hub_of[new]
        if len(lo):
            own, own_levels = _pair_scores(result, lo, hi)
            ok = own >= LINK_FLOOR
            lo, hi, w, hub_of, own = lo[ok], hi[ok], w[ok], hub_of[ok], own[ok]
            own_levels = own_levels[ok]
            final = np.maximum(w, own)
            gain = np.log2(final / (1 - np.minimum(final, 1 - 1e-12))) - np.log2(
                own / (1 - np.minimum(own, 1 - 1e-12))
            )
            ia, ib = np.r_[ia, lo], np.r_[ib, hi]
            scores = np.r_[scores, final]
            levels = np.concatenate([levels, own_levels])
            linked = np.r_[linked, np.maximum(gain, 0.0)]
            via = np.r_[via, hub_of]
    return DedupeResult(
        result.prepared, result.model, ia, ib, scores, levels, result.compared, linked, via
    )


@dataclass
class LinkResult:
    """Pairs (a in `left`, b in `right`) at or above the threshold, each record in at most one
    pair when linked one-to-one."""

    left: Prepared
    right: Prepared
    model: FSModel
    ia: NDArray[np.int64]
    ib: NDArray[np.int64]
    scores: NDArray[np.float64]
    levels: NDArray[np.int8]
    compared: int

    def __len__(self) -> int:
        return len(self.ia)

    def rows(self) -> Iterator[tuple[str, str, float, str]]:
        for k in np.argsort(-self.scores, kind="stable"):
            yield (
                self.left.ids[self.ia[k]],
                self.right.ids[self.ib[k]],
                float(self.scores[k]),
                str(self.model.explain(self.levels[k])),
            )


def one_to_one(ia: Idx, ib: Idx, scores: NDArray[np.float64]) -> NDArray[np.bool_]:
    """Greedy assignment: best pairs first, each record used at most once."""
    keep = np.zeros(len(ia), bool)
    used_a: set[int] = set()
    used_b: set[int] = set()
    for k in np.argsort(-scores, kind="stable"):
        a, b = int(ia[k]), int(ib[k])
        if a not in used_a and b not in used_b:
            keep[k] = True
            used_a.add(a)
            used_b.add(b)
    return keep


def link(
    left: Sequence[Record],
    right: Sequence[Record],
    *,
    threshold: float = 0.5,
    model: FSModel | None = None,
    one_to_one_only: bool = True,
    max_block: int | None = None,
    progress: Progress = _silent,
) -> LinkResult:
    """Link two sets of records that are each free of duplicates (a register and a list)."""
    both = prepare([*left, *right])
    split = len(left)
    a, b = both.slice(0, split), both.slice(split, len(both))
    if model is None:
        model = estimate_model(both, split=split, progress=progress)
    else:
        model = adapt_u(model, both).for_population(len(right))
    ia, ib = candidate_pairs(both, max_block=max_block)
    cross = (ia < split) & (ib >= split)
    ia, ib = ia[cross], ib[cross] - split
    progress(f"blocking: {len(ia):,} candidate pairs across")
    levels = compare_chunked(a, b, ia, ib, progress)
    scores = model.score(levels)
    keep = scores >= threshold
    ia, ib, scores, levels = ia[keep], ib[keep], scores[keep], levels[keep]
    if one_to_one_only:
        best = one_to_one(ia, ib, scores)
        ia, ib, scores, levels = ia[best], ib[best], scores[best], levels[best]
    return LinkResult(a, b, model, ia, ib, scores, levels, int(cross.sum()))
