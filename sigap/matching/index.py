"""An in-memory index answering "which stored records may be this new child?" quickly."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from .blocking import PASSES, KeyTable, record_keys
from .compare import compare
from .dedupe import adapt_u
from .model import Explanation, FSModel
from .records import Prepared, Record, prepare


@dataclass(frozen=True, slots=True)
class Candidate:
    id: str
    score: float
    explanation: Explanation


class MatchIndex:
    """Blocking keys of N stored records in sorted arrays; a query looks its keys up by binary
    search, ranks the records it finds by the weight and rarity of the shared keys, compares
    the best `shortlist` of them in full and returns the top k by match score."""

    def __init__(
        self,
        records: Sequence[Record] | Prepared,
        *,
        model: FSModel | None = None,
        as_of: date | None = None,
        shortlist: int = 300,
        max_posting: int = 20_000,
    ) -> None:
        self.as_of = as_of
        self.prepared = records if isinstance(records, Prepared) else prepare(records, as_of=as_of)
        self.model = adapt_u(model or FSModel.default(), self.prepared).for_population(
            len(self.prepared)
        )
        self.table = KeyTable.build(self.prepared)
        self.shortlist = shortlist
        self.max_posting = max_posting
        self._pass_weight = np.array([PASSES[i][1] for i in sorted(PASSES)])

    def __len__(self) -> int:
        return len(self.prepared)

    def candidates(self, q: Prepared, i: int = 0) -> np.ndarray:
        """Stored record indices sharing a key with q[i], best-ranked first (at most shortlist)."""
        keys = record_keys(q, i)
        if not keys:
            return np.zeros(0, np.int64)
        hashes = np.array([h for _, h in keys], np.int64)
        left = np.searchsorted(self.table.key, hashes, "left")
        right = np.searchsorted(self.table.key, hashes, "right")
        recs, weights = [], []
        for (pid, _), a, b in zip(keys, left, right, strict=True):
            size = int(b - a)
            if size == 0 or size > self.max_posting:
                continue
            recs.append(self.table.rec[a:b])
            # rarer keys say more: weight / log2(2 + size)
            weights.append(np.full(size, self._pass_weight[pid] / math.log2(2 + size)))
        if not recs:
            return np.zeros(0, np.int64)
        all_recs = np.concatenate(recs)
        uniq, inv = np.unique(all_recs, return_inverse=True)
        if len(uniq) <= self.shortlist:
            return uniq
        total = np.bincount(inv, weights=np.concatenate(weights))
        best = np.argpartition(-total, self.shortlist)[: self.shortlist]
        return uniq[best]

    def query(self, record: Record, k: int = 10) -> list[Candidate]:
        """The top k stored records for a new record, best first, with explanations."""
        q = prepare([record], as_of=self.as_of)
        q.count_names_in(self.prepared)
        cand = self.candidates(q)
        if len(cand) == 0:
            return []
        levels = compare(self.prepared, q, cand, np.zeros(len(cand), np.int64))
        scores = self.model.score(levels)
        top = np.argsort(-scores, kind="stable")[:k]
        ids = self.prepared.ids
        return [
            Candidate(ids[cand[t]], float(scores[t]), self.model.explain(levels[t])) for t in top
        ]
