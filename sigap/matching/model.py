"""Fellegi–Sunter scoring: m/u probabilities per field level, estimation, explanations.

The model is stated over all pairs of records, as Splink does: u (how often a level occurs
between two different children) comes from random pairs, exact-name agreement is split by how
common the name is, and the prior probability that two records are the same child is the
expected number of duplicates per record divided by the number of records compared against, so
one set of weights serves 5,000 records and 1,000,000 alike.

Children of one household break the independence that Fellegi–Sunter assumes: a sibling shares
the parents, the address and the origin, a twin the birth date too. So pairs whose parents or
address agree are scored with a second u table, learnt on same-household pairs of different
children: given that two records come from one family, is this the same child or a sibling?
A third table serves pairs of one household born the same day (the same child, or twins: then
only the name and sex tell them apart), and a fourth pairs whose names agree outside a
household: namesakes share sex, origin and marga far more often than any two children, so
those agreements count for less there (the name itself is weighed as between any two records).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from .compare import FIELD_NAMES, FIELDS, MISSING, Levels

_DEFAULTS = Path(__file__).with_name("default_model.json")
_PARENTS, _RESIDENCE = FIELD_NAMES.index("parents"), FIELD_NAMES.index("residence")
_BIRTH, _NIK = FIELD_NAMES.index("birth"), FIELD_NAMES.index("nik")
_NIK_SERIAL = FIELDS[_NIK].levels.index("serial_differs")
# any two records; one household; one household and the same birth date; the same name (not
# one household): children of one name share sex, origin, often marga, more than any two do
N_STRATA = 4
NAME_STRATUM = 3  # names agree exactly or phonetically (those levels are known cheaply)


def household(levels: Levels) -> NDArray[np.bool_]:
    """Pairs that look like one household: both parents' names agree, or the address, or one
    parent's name (the other unknown) and the kelurahan, or NIKs differing only in the serial
    (born the same day in the same place)."""
    parents, residence = levels[:, _PARENTS], levels[:, _RESIDENCE]
    both = (parents == 0) | (parents == 1)
    one = (parents >= 2) & (parents <= 4)
    twins = levels[:, _NIK] == _NIK_SERIAL
    return both | (residence == 0) | (one & ((residence == 1) | (residence == 2))) | twins


@dataclass(frozen=True, slots=True)
class FieldContribution:
    """How one field moved a pair's score."""

    field: str
    status: str  # agree / partial / disagree / missing
    level: str  # the level label, e.g. "one_digit_off"; "" when missing
    weight: float  # log2(m/u) in bits; 0 when missing

    def __str__(self) -> str:
        if self.status == "missing":
            return f"{self.field}:missing(0)"
        return f"{self.field}:{self.level}({self.weight:+.1f})"


@dataclass(frozen=True, slots=True)
class Explanation:
    """Per-field contributions, the total match weight and the resulting 0–1 score."""

    contributions: tuple[FieldContribution, ...]
    match_weight: float
    score: float

    def __str__(self) -> str:
        return "; ".join(str(c) for c in self.contributions)

    def by_field(self) -> dict[str, FieldContribution]:
        return {c.field: c for c in self.contributions}


def _normalise(p: NDArray[np.float64]) -> NDArray[np.float64]:
    p = np.clip(p, 1e-9, None)
    return p / p.sum()


@dataclass
class FSModel:
    """m[f][l] = P(level l on field f | same child); u[f][s][l] = the same for two different
    children, s = 0 for any two records, s = 1 for two of one household.

    dup_rate: expected number of other records of the same child per record; house_rate: the
    same for records of other children of the household (0 switches the household table off);
    population: how many records each record is compared against (N - 1 in a dedupe of N).
    """

    m: list[NDArray[np.float64]]
    u: list[NDArray[np.float64]]
    dup_rate: float = 0.5
    house_rate: float = 0.0
    twin_rate: float = 0.0
    name_stratum: bool = False
    population: int = 10_000
    history: list[float] = field(default_factory=list)

    @classmethod
    def default(cls) -> FSModel:
        """Weights estimated from labelled synthetic Indonesian pairs, shipped with the package."""
        return cls.from_dict(json.loads(_DEFAULTS.read_text()))

    @classmethod
    def uninformed(cls) -> FSModel:
        """A starting point for EM: agreement levels likelier among matches."""
        m, u = [], []
        for spec in FIELDS:
            k = len(spec.levels)
            m.append(_normalise(np.array([2.0 ** (k - i) for i in range(k)])))
            ui = _normalise(np.array([2.0**i for i in range(k)]))
            u.append(np.vstack([ui] * N_STRATA))
        return cls(m, u)

    def for_population(self, population: int) -> FSModel:
        """The same weights for records compared against `population` others."""
        return replace(self, population=max(int(population), 1), history=[])

    def copy(self) -> FSModel:
        return replace(self, m=[x.copy() for x in self.m], u=[x.copy() for x in self.u])

    @property
    def prior(self) -> float:
        """P(same child) for two records taken at random."""
        return float(np.clip(self.dup_rate / self.population, 1e-12, 0.5))

    def to_dict(self) -> dict[str, object]:
        return {
            "dup_rate": self.dup_rate,
            "house_rate": self.house_rate,
            "twin_rate": self.twin_rate,
            "name_stratum": self.name_stratum,
            "fields": {
                spec.name: {
                    lv: [round(float(x), 10) for x in (self.m[f][i], *self.u[f][:, i])]
                    for i, lv in enumerate(spec.levels)
                }
                for f, spec in enumerate(FIELDS)
            },
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> FSModel:
        fields = data["fields"]
        assert isinstance(fields, dict)
        m, u = [], []
        for spec in FIELDS:
            levels = fields[spec.name]
            rows = np.array([levels[lv] for lv in spec.levels], float)
            m.append(_normalise(rows[:, 0]))
            third = rows[:, 3] if rows.shape[1] > 3 else rows[:, 2]
            fourth = rows[:, 4] if rows.shape[1] > 4 else rows[:, 1]
            u.append(np.vstack([_normalise(x) for x in (rows[:, 1], rows[:, 2], third, fourth)]))
        dup_rate, house_rate = data["dup_rate"], data["house_rate"]
        twin_rate = data.get("twin_rate", 0.0)
        assert isinstance(dup_rate, float) and isinstance(house_rate, float)
        assert isinstance(twin_rate, float)
        return cls(m, u, dup_rate, house_rate, twin_rate, bool(data.get("name_stratum", False)))

    # -- scoring ---------------------------------------------------------------------------
    def weight_tables(self, stratum: int = 0) -> list[NDArray[np.float64]]:
        """log2(m/u) per field level, with a trailing 0 used for MISSING (index -1).

        Remembered for the current m and u arrays (estimation replaces them, never edits them
        in place), so explaining many pairs does not recompute them."""
        arrays = (*self.m, *self.u)
        memo: dict[int, tuple[tuple[object, ...], list[NDArray[np.float64]]]]
        memo = self.__dict__.setdefault("_weight_memo", {})
        hit = memo.get(stratum)
        # the arrays themselves are kept in the memo, so their ids cannot be reused
        if (
            hit is None
            or len(hit[0]) != len(arrays)
            or any(a is not b for a, b in zip(hit[0], arrays, strict=True))
        ):
            # in the name stratum the name itself is weighed as between any two records
            tables = [
                np.append(np.log2(m / u[0 if stratum == NAME_STRATUM and f == 0 else stratum]), 0.0)
                for f, (m, u) in enumerate(zip(self.m, self.u, strict=True))
            ]
            hit = memo[stratum] = (arrays, tables)
        return hit[1]

    def _household_weight(self, stratum: int = 1) -> float:
        """Evidence of sharing a household (stratum 1), and a birth date too (stratum 2):
        1 / P(that | different children)."""
        rate = (0.0, self.house_rate, self.twin_rate, 0.0)[stratum]
        return math.log2(self.population / rate) if rate > 0 else 0.0

    def _strata(self, levels: Levels) -> NDArray[np.int8]:
        """0 for any two records, 1 for one household, 2 for one household and the same
        birth date (the same child, or twins)."""
        h = np.zeros(len(levels), np.int8)
        if self.name_stratum:
            from .compare import N_EXACT

            h[(levels[:, 0] >= 0) & (levels[:, 0] <= N_EXACT)] = NAME_STRATUM
        if self.house_rate <= 0:
            return h
        house = household(levels)
        h[house] = 1
        if self.twin_rate > 0:
            h[house & (levels[:, _BIRTH] == 0)] = 2
        return h

    def match_weight(self, levels: Levels) -> NDArray[np.float64]:
        """Sum of the field weights in bits (the household term included)."""
        h = self._strata(levels)
        w = np.zeros(len(levels))
        for stratum in range(N_STRATA):
            rows = h == stratum
            if not rows.any():
                continue
            sub = levels[rows]
            ws = np.full(len(sub), self._household_weight(stratum))
            for f, table in enumerate(self.weight_tables(stratum)):
                ws += table[sub[:, f]]  # MISSING == -1 picks the trailing 0
            w[rows] = ws
        return w

    def can_reach(self, levels: Levels, threshold: float) -> NDArray[np.bool_]:
        """Whether each pair could score at least `threshold` whatever its UNKNOWN levels
        (see compare.compare_pruned) turn out to be: its best possible match weight, each
        UNKNOWN field at its best level and the household stratum at its best where the
        parents or residence are UNKNOWN."""
        from .compare import N_EXACT, UNKNOWN

        unknown = levels == UNKNOWN
        rows = np.where(unknown, 0, levels).astype(np.int8)
        # an UNKNOWN name does not agree (exact and phonetic agreement are known)
        h = self._strata(np.where(unknown[:, :1], len(FIELDS[0].levels) - 1, rows).astype(np.int8))
        undecided = unknown[:, [_PARENTS, _RESIDENCE]].any(axis=1) & (self.house_rate > 0)
        best = np.full(len(levels), -np.inf)
        for stratum in range(N_STRATA):
            sel = np.flatnonzero((h == stratum) | undecided)
            if not sel.size:
                continue
            w = np.full(len(sel), self._household_weight(stratum))
            for f, table in enumerate(self.weight_tables(stratum)):
                # an UNKNOWN name is past the exact and phonetic levels (those are known)
                top = float(table[N_EXACT + 1 if f == 0 else 0 : -1].max())
                w += np.where(unknown[sel, f], top, table[rows[sel, f]])
            best[sel] = np.maximum(best[sel], w)
        t = min(max(threshold, 1e-12), 1 - 1e-12)
        prior = self.prior
        need = math.log2(t / (1 - t)) - math.log2(prior / (1 - prior))
        return np.asarray(best >= need - 1e-9)

    def _logit(self, weight: NDArray[np.float64] | float) -> NDArray[np.float64]:
        prior = self.prior
        return np.clip(np.asarray(weight) + math.log2(prior / (1 - prior)), -60, 60)

    def score(self, levels: Levels) -> NDArray[np.float64]:
        """Posterior probability of a match in 0–1."""
        return np.asarray(1.0 / (1.0 + np.exp2(-self._logit(self.match_weight(levels)))))

    def explain(self, row: NDArray[np.int8]) -> Explanation:
        h = int(self._strata(row[None, :])[0])
        tables = self.weight_tables(h)
        contributions = []
        for f, spec in enumerate(FIELDS):
            lv = int(row[f])
            if lv == MISSING:
                contributions.append(FieldContribution(spec.name, "missing", "", 0.0))
            else:
                contributions.append(
                    FieldContribution(
                        spec.name, spec.status[lv], spec.levels[lv], float(tables[f][lv])
                    )
                )
        if h in (1, 2):
            contributions.append(
                FieldContribution("household", "agree", "same", self._household_weight(h))
            )
        total = sum(c.weight for c in contributions)
        score = float(1.0 / (1.0 + 2.0 ** (-float(self._logit(total)))))
        return Explanation(tuple(contributions), total, score)

    # -- estimation ------------------------------------------------------------------------
    def fit_u_random(self, levels: Levels) -> FSModel:
        """u of any two records from comparisons of random pairs (nearly all non-matches)."""
        for f, spec in enumerate(FIELDS):
            self.u[f] = self.u[f].copy()
            self.u[f][0] = _level_freq(levels[:, f], len(spec.levels))
            if self.house_rate <= 0:
                self.u[f][1:] = self.u[f][0]
        return self

    def set_name_frequencies(self, counts: NDArray[np.int64]) -> FSModel:
        """u of the exact-name levels computed from how many records bear each name: the chance
        that two random records share a name of that frequency band (term frequency)."""
        from .compare import N_EXACT, name_exact_bin

        n = int(counts.sum())
        if n < 2:
            return self
        bins = name_exact_bin(counts, n)
        pairs = counts.astype(np.float64) * (counts - 1)
        exact = np.bincount(bins, weights=pairs, minlength=N_EXACT)[:N_EXACT] / (n * (n - 1.0))
        u = self.u[0][0].copy()
        rest = u[N_EXACT:] / u[N_EXACT:].sum() * max(1.0 - exact.sum(), 1e-6)
        self.u[0] = self.u[0].copy()
        self.u[0][0] = _normalise(np.r_[exact + 1e-9, rest])
        return self

    def fit_em(
        self,
        levels: Levels,
        *,
        exclude: tuple[int, ...] = (),
        fix_u: bool = True,
        max_iter: int = 100,
        tol: float = 1e-6,
    ) -> NDArray[np.float64]:
        """Expectation–maximisation of m (and of u unless fix_u) on a set of pairs, one stratum.

        Fields in `exclude` (the ones the pairs were selected on) neither count nor are learnt,
        as in Splink's training per blocking rule. Returns each pair's P(match); `history`
        holds the share of matches per iteration.
        """
        patterns, inverse, counts = np.unique(
            levels, axis=0, return_inverse=True, return_counts=True
        )
        counts = counts.astype(np.float64)
        share = 0.5
        self.history = []
        g = np.zeros(len(patterns))
        active = [f for f in range(len(FIELDS)) if f not in exclude]
        for _ in range(max_iter):
            lm = np.full(len(patterns), math.log(share))
            lu = np.full(len(patterns), math.log(1 - share))
            for f in active:
                lv = patterns[:, f]
                present = lv != MISSING
                lm[present] += np.log(self.m[f][lv[present]])
                lu[present] += np.log(self.u[f][0][lv[present]])
            g = 1.0 / (1.0 + np.exp(np.clip(lu - lm, -700, 700)))
            gm, gu = g * counts, (1 - g) * counts
            new_share = float(np.clip(gm.sum() / counts.sum(), 1e-6, 1 - 1e-6))
            for f in active:
                k = len(FIELDS[f].levels)
                self.m[f] = _level_freq(patterns[:, f], k, gm)
                if not fix_u:
                    self.u[f] = self.u[f].copy()
                    self.u[f][:] = _level_freq(patterns[:, f], k, gu)
            delta = abs(new_share - share)
            share = new_share
            self.history.append(share)
            if delta < tol:
                break
        return np.asarray(g[inverse.ravel()])

    def fit_labelled(
        self,
        levels: Levels,
        is_match: NDArray[np.bool_],
        random_levels: Levels,
        *,
        records: int,
        true_pairs: int,
    ) -> FSModel:
        """m from labelled matches among compared pairs, u from random pairs, the household u
        from compared same-household pairs of different children; rates per record."""
        is_match = np.asarray(is_match, bool)
        h = household(levels) & ~is_match
        twins = h & (levels[:, _BIRTH] == 0)
        h = h & ~twins
        self.dup_rate = 2.0 * true_pairs / records
        self.house_rate = 2.0 * float(h.sum()) / records
        self.twin_rate = 2.0 * float(twins.sum()) / records
        from .compare import N_EXACT

        same_name = ~household(levels) & ~is_match & (levels[:, 0] >= 0)
        same_name &= levels[:, 0] <= N_EXACT
        self.name_stratum = True
        for f, spec in enumerate(FIELDS):
            k = len(spec.levels)
            self.m[f] = _level_freq(levels[is_match, f], k)
            self.u[f] = np.vstack(
                [
                    _level_freq(random_levels[:, f], k),
                    _level_freq(levels[h, f], k),
                    _level_freq(levels[twins, f], k),
                    _level_freq(levels[same_name, f], k),
                ]
            )
        return self


def _level_freq(
    col: NDArray[np.int8], k: int, weights: NDArray[np.float64] | None = None
) -> NDArray[np.float64]:
    present = col != MISSING
    w = None if weights is None else weights[present]
    counts = np.bincount(col[present].astype(np.int64), weights=w, minlength=k)[:k]
    total = counts.sum()
    return _normalise(np.asarray(counts, np.float64) + 0.5 * max(total, 1.0) / (1e4 * k))
