"""Calls into sigap.matching: one new record against a few hundred stored ones, and the batch."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache

import numpy as np

from sigap.matching import Explanation, FSModel, Record, compare, dedupe, prepare


@cache
def default_model() -> FSModel:
    return FSModel.default()


@dataclass(frozen=True)
class Scored:
    id: str
    score: float
    explanation: Explanation


def score_against(
    query: Record, stored: Sequence[Record], *, population: int, as_of: date | None = None
) -> list[Scored]:
    """Every stored record scored against `query`, best first.

    `stored` is a shortlist (children sharing a name token), so the prior and the name
    frequencies are those of the whole registry of `population` children, not of the shortlist:
    a shortlist of 200 namesakes must not make each of them look likely."""
    if not stored:
        return []
    p = prepare(stored, as_of=as_of)
    q = prepare([query], as_of=as_of)
    q.count_names_in(p)
    q.name_population = max(population, len(stored)) + 1
    model = default_model().for_population(max(population, len(stored)))
    levels = compare(p, q, np.arange(len(p)), np.zeros(len(p), np.int64))
    scores = model.score(levels)
    order = np.argsort(-scores, kind="stable")
    return [Scored(p.ids[k], float(scores[k]), model.explain(levels[k])) for k in order]


@dataclass(frozen=True)
class Pair:
    id_a: str
    id_b: str
    score: float
    explanation: Explanation


def find_pairs(records: Sequence[Record], *, threshold: float) -> list[Pair]:
    """Likely duplicate pairs among `records` (the engine's blocked batch dedupe)."""
    if len(records) < 2:
        return []
    result = dedupe(records, threshold=threshold, model=default_model())
    ids = result.prepared.ids
    return [
        Pair(ids[result.ia[k]], ids[result.ib[k]], float(result.scores[k]), result.explain(k))
        for k in range(len(result))
    ]
