"""Blocking: which pairs are worth comparing.

Each record gets keys in several passes; two records sharing a key in any pass become a candidate
pair. The passes are chosen so that a duplicate survives most single disagreements: a misspelt
name still shares the birth-year and parents' keys, a nickname-only record still shares the NIK
or parents' keys, a moved child still shares the name keys.

Keys are built column-wise as 64-bit hashes (numpy), and pairs are drawn from the keys sorted by
(key, a secondary order): within a block every record is paired with the next `window` records
of that block. A block no larger than window + 1 is compared in full; a larger one (a common name
in a million records) becomes a sorted neighbourhood, ordered by birth for name keys and by name
for the other keys, so the number of pairs grows linearly with the number of records.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .normalize import WEAK_TOKENS, phonetic_token, skeleton
from .records import Prepared

# Pass id -> (name, weight used to rank candidates in the index).
PASSES: dict[int, tuple[str, float]] = {
    0: ("name_pair", 3.0),  # two name tokens, phonetic skeletons
    1: ("name_year", 2.0),  # one name token + a birth year
    2: ("year_origin", 0.6),  # birth year + origin + sex
    3: ("parents", 2.0),  # mother + father name keys
    4: ("mother_year", 1.5),  # mother's name key + birth year
    5: ("nik", 6.0),  # the whole NIK
    6: ("nik_half", 2.5),  # either half of the NIK (one digit off keeps one half)
    7: ("name_kelurahan", 1.0),  # one name token + kelurahan
    8: ("full_name", 2.5),  # all identifying name tokens, phonetic
    9: ("birth_date", 1.0),  # the exact birth date
    10: ("name_token", 0.5),  # one name token alone: only rare ones make blocks small enough
    11: ("address", 1.5),  # the whole address
}
PASS_IDS = {name: pid for pid, (name, _) in PASSES.items()}
# Passes whose blocks are capped lower than max_block: a name token shared by more records
# than this is a common name, and the other passes pair its bearers better.
PASS_MAX_BLOCK = {10: 40}
# How many following records of its block each record is paired with, per pass. Blocks up to
# window + 1 records are compared in full.
PASS_WINDOW = {
    0: 40, 1: 30, 2: 12, 3: 40, 4: 30, 5: 40, 6: 12, 7: 30, 8: 40, 9: 30, 10: 40, 11: 30,
}  # fmt: skip
# Passes whose blocks share a name: their records are ordered by birth within a block (the
# others by name).
NAME_PASSES = frozenset({0, 1, 7, 8, 10})
# Beyond this many records the windows shrink with the square root of the number of records, so
# that a million records give tens of pairs per record, not hundreds.
WINDOW_FULL_UP_TO = 50_000
MIN_WINDOW = 2
MAX_YEARS = 6  # an estimated age spans at most this many year keys

_U = np.uint64
_PRIME = _U(0x9E3779B97F4A7C15)
_PRIME2 = _U(0xBF58476D1CE4E5B9)


def _mix(pid: int, *cols: NDArray[np.int64] | int) -> NDArray[np.int64]:
    """One 64-bit hash per row from a pass id and integer columns (string hashes, years)."""
    with np.errstate(over="ignore"):
        h = np.asarray(np.uint64(pid + 1) * _PRIME2, _U)
        for c in cols:
            h = (h ^ np.asarray(c).astype(_U)) * _PRIME
            h = h ^ (h >> _U(31))
    return np.asarray(h).astype(np.int64)


def _hash_col(values: Iterable[str]) -> NDArray[np.int64]:
    return np.fromiter((hash(v) for v in values), np.int64)


class _TokenCache:
    """Blocking tokens of a record's names: phonetic forms and pairs of skeletons, hashed."""

    def __init__(self) -> None:
        self.memo: dict[tuple[str, ...], tuple[tuple[int, ...], tuple[int, ...]]] = {}

    def get(self, toks: tuple[str, ...]) -> tuple[tuple[int, ...], tuple[int, ...]]:
        hit = self.memo.get(toks)
        if hit is None:
            names = [t for t in toks[:5] if t not in WEAK_TOKENS] or list(toks[:1])
            skel = list(dict.fromkeys(skeleton(t) for t in names))
            phon = tuple(hash(x) for x in dict.fromkeys(phonetic_token(t) for t in names))
            pairs = tuple(
                hash(tuple(sorted((skel[a], skel[b]))))
                for a in range(len(skel))
                for b in range(a + 1, len(skel))
            )
            hit = self.memo[toks] = (phon, pairs)
        return hit


_TOKENS = _TokenCache()


def _first_keys(values: NDArray[np.object_]) -> NDArray[np.int64]:
    memo: dict[str, int] = {}
    out = np.zeros(len(values), np.int64)
    for i, v in enumerate(values):
        if v:
            h = memo.get(v)
            if h is None:
                h = memo[v] = hash(skeleton(v.split()[0]))
            out[i] = h
    return out


def _years(p: Prepared) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """First birth year key and number of year keys (0 when the birth is unknown)."""
    lo, hi = p.birth_lo, p.birth_hi
    known = ~np.isnan(lo)
    first = np.where(known, np.floor(np.nan_to_num(lo)), 0).astype(np.int64)
    last = np.where(hi > lo, np.floor(np.nan_to_num(hi) - 1e-9), np.floor(np.nan_to_num(lo)))
    last = np.minimum(last.astype(np.int64), first + MAX_YEARS - 1)
    count = np.where(known, np.maximum(last - first + 1, 1), 0)
    return first, count


def _expand_years(
    rows: NDArray[np.int64], first: NDArray[np.int64], count: NDArray[np.int64]
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """For entries belonging to records `rows`, one entry per birth-year key: (entry, year)."""
    c = count[rows]
    entry = np.repeat(np.arange(len(rows)), c)
    offset = np.arange(len(entry)) - np.repeat(np.cumsum(c) - c, c)
    return entry, first[rows][entry] + offset


def record_key_arrays(
    p: Prepared, passes: Iterable[int] | None = None
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int8]]:
    """(key hash, record index, pass id) of every blocking key of every record of p.

    Hashes use Python's string hash: they are only compared within one process.
    """
    allowed = set(PASSES if passes is None else passes)
    n = len(p)
    keys: list[NDArray[np.int64]] = []
    recs: list[NDArray[np.int64]] = []
    pids: list[int] = []

    def add(pid: int, key: NDArray[np.int64], rec: NDArray[np.int64]) -> None:
        if pid in allowed and len(key):
            keys.append(key)
            recs.append(np.asarray(rec, np.int64))
            pids.append(pid)

    tok = [_TOKENS.get(t) for t in p.name_tokens]
    phon_n = np.fromiter((len(x[0]) for x in tok), np.int64, n)
    pair_n = np.fromiter((len(x[1]) for x in tok), np.int64, n)
    phon = np.fromiter((h for x in tok for h in x[0]), np.int64, int(phon_n.sum()))
    phon_rec = np.repeat(np.arange(n), phon_n)
    pairs = np.fromiter((h for x in tok for h in x[1]), np.int64, int(pair_n.sum()))
    add(0, _mix(0, pairs), np.repeat(np.arange(n), pair_n))
    first, count = _years(p)
    entry, year = _expand_years(phon_rec, first, count)
    add(1, _mix(1, phon[entry], year), phon_rec[entry])
    kel_present = p.present("kelurahan")
    kel = _hash_col(p.kelurahan)
    has = kel_present[phon_rec]
    add(7, _mix(7, phon[has], kel[phon_rec[has]]), phon_rec[has])
    add(8, _mix(8, _hash_col(p.name_phon)), np.arange(n))
    add(10, _mix(10, phon), phon_rec)
    rows = np.flatnonzero(p.present("address"))
    add(11, _mix(11, _hash_col(p.address[rows])), rows)
    rows = np.flatnonzero(p.present("birth_exact"))
    add(9, _mix(9, _hash_col(p.birth_exact[rows])), rows)
    rows = np.flatnonzero(p.present("origin"))
    entry, year = _expand_years(rows, first, count)
    origin = _hash_col(p.origin[rows])
    add(2, _mix(2, year, origin[entry], p.sex[rows][entry].astype(np.int64)), rows[entry])
    mk, fk = _first_keys(p.mother), _first_keys(p.father)
    rows = np.flatnonzero(p.present("mother") & p.present("father"))
    add(3, _mix(3, mk[rows], fk[rows]), rows)
    rows = np.flatnonzero(p.present("mother_phon"))
    entry, year = _expand_years(rows, first, count)
    add(4, _mix(4, _hash_col(p.mother_phon[rows])[entry], year), rows[entry])
    niks = p.nik
    rows = np.flatnonzero(np.fromiter((len(v) >= 10 for v in niks), bool, n))
    if len(rows):
        add(5, _mix(5, _hash_col(niks[rows])), rows)
        add(6, _mix(6, 0, _hash_col(v[: len(v) // 2] for v in niks[rows])), rows)
        add(6, _mix(6, 1, _hash_col(v[len(v) // 2 :] for v in niks[rows])), rows)
    if not keys:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int8)
    pid = np.concatenate([np.full(len(k), i, np.int8) for k, i in zip(keys, pids, strict=True)])
    return np.concatenate(keys), np.concatenate(recs), pid


def record_keys(p: Prepared, i: int) -> list[tuple[int, int]]:
    """(pass id, key hash) pairs of record i. Hashes are only compared within one process."""
    key, _, pid = record_key_arrays(p.slice(i, i + 1))
    return list(zip(pid.tolist(), key.tolist(), strict=True))


@dataclass
class KeyTable:
    """All keys of a record set, sorted by hash: rec[k] holds key[k]."""

    key: NDArray[np.int64]
    rec: NDArray[np.int64]
    pass_id: NDArray[np.int8]

    @classmethod
    def build(cls, p: Prepared, passes: Iterable[int] | None = None) -> KeyTable:
        key, rec, pid = record_key_arrays(p, passes)
        order = np.argsort(key, kind="stable")
        return cls(key[order], rec[order], pid[order])

    def groups(self) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """Start offset and size of each run of equal keys."""
        if len(self.key) == 0:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        starts = np.flatnonzero(np.r_[True, self.key[1:] != self.key[:-1]])
        sizes = np.diff(np.r_[starts, len(self.key)])
        return starts, sizes


def _secondary(p: Prepared, pid: NDArray[np.int8], rec: NDArray[np.int64]) -> NDArray[np.float64]:
    """Order within a block: birth for name keys, the name for the others."""
    birth = np.nan_to_num(p.birth_lo, nan=1e4)
    name_rank = p.codes("name_phon").astype(np.float64)
    return np.where(np.isin(pid, list(NAME_PASSES)), birth[rec], name_rank[rec])


def pair_chunks(
    p: Prepared,
    *,
    passes: Iterable[int] | None = None,
    max_block: int | None = None,
    window: int | None = None,
) -> Iterator[NDArray[np.int64]]:
    """Candidate pairs as codes lo * n + hi (lo < hi), one array per window offset, possibly
    repeating a pair across arrays. See candidate_pairs."""
    key, rec, pid = record_key_arrays(p, passes)
    if len(key) == 0:
        return
    n = max(len(p), 1)
    order = np.lexsort((_secondary(p, pid, rec), key))
    key, rec, pid = key[order], rec[order], pid[order]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    sizes = np.diff(np.r_[starts, len(key)])
    size = np.repeat(sizes, sizes)
    cap = np.full(len(PASSES), np.iinfo(np.int64).max if max_block is None else max_block)
    for k, c in PASS_MAX_BLOCK.items():
        cap[k] = min(cap[k], c)
    ok = (size <= cap[pid]) & (size >= 2)
    if window is None:
        scale = min(1.0, math.sqrt(WINDOW_FULL_UP_TO / n))
        win = np.array([max(MIN_WINDOW, round(PASS_WINDOW[k] * scale)) for k in sorted(PASSES)])
    else:
        win = np.full(len(PASSES), window)
    w = np.where(ok, np.minimum(win[pid], size - 1), 0)
    for d in range(1, int(w.max(initial=0)) + 1):
        same = np.flatnonzero((w[:-d] >= d) & (key[:-d] == key[d:]))
        if len(same) == 0:
            break
        a, b = rec[same], rec[same + d]
        lo, hi = np.minimum(a, b), np.maximum(a, b)
        keep = lo != hi
        yield lo[keep] * n + hi[keep]


def candidate_pairs(
    p: Prepared,
    *,
    passes: Iterable[int] | None = None,
    max_block: int | None = None,
    window: int | None = None,
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Unique candidate pairs (ia < ib) sharing a key within `window` places of the block
    (PASS_WINDOW when None); blocks larger than max_block are skipped (None: none is)."""
    n = max(len(p), 1)
    code = candidate_codes(p, passes=passes, max_block=max_block, window=window)
    return code // n, code % n


def candidate_codes(
    p: Prepared,
    *,
    passes: Iterable[int] | None = None,
    max_block: int | None = None,
    window: int | None = None,
) -> NDArray[np.int64]:
    """Candidate pairs as sorted unique codes lo * len(p) + hi: each pair once across passes,
    in one int64 array (no per-pair Python objects)."""
    codes = list(pair_chunks(p, passes=passes, max_block=max_block, window=window))
    if not codes:
        return np.zeros(0, np.int64)
    joined = np.concatenate(codes)
    del codes
    return sorted_unique(joined)


def sorted_unique(a: NDArray[np.int64]) -> NDArray[np.int64]:
    """np.unique by sorting in place (numpy's hash-based unique is far slower on 10^7 ints)."""
    a.sort(kind="stable" if len(a) < 1000 else "quicksort")
    if len(a) == 0:
        return a
    return a[np.r_[True, a[1:] != a[:-1]]]
