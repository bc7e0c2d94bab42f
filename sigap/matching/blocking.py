"""Blocking: which pairs are worth comparing.

Each record gets keys in several passes; two records sharing a key in any pass become a candidate
pair. The passes are chosen so that a duplicate survives most single disagreements: a misspelt
name still shares the birth-year and parents' keys, a nickname-only record still shares the NIK
or parents' keys, a moved child still shares the name keys.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
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
MAX_YEARS = 6  # an estimated age spans at most this many year keys


def _years(p: Prepared, i: int) -> range:
    lo, hi = p.birth_lo[i], p.birth_hi[i]
    if math.isnan(lo):
        return range(0)
    a, b = int(math.floor(lo)), int(math.floor(hi - 1e-9)) if hi > lo else int(math.floor(lo))
    return range(a, min(b, a + MAX_YEARS - 1) + 1)


def _first_key(name: str) -> str:
    return skeleton(name.split()[0]) if name else ""


def record_keys(p: Prepared, i: int) -> list[tuple[int, int]]:
    """(pass id, key hash) pairs of record i. Hashes are only compared within one process."""
    names = [t for t in p.name_tokens[i][:5] if t not in WEAK_TOKENS] or p.name_tokens[i][:1]
    skel = list(dict.fromkeys(skeleton(t) for t in names))
    phon = list(dict.fromkeys(phonetic_token(t) for t in names))
    years = _years(p, i)
    keys: list[tuple[int, int]] = []
    for a in range(len(skel)):
        for b in range(a + 1, len(skel)):
            x, y = sorted((skel[a], skel[b]))
            keys.append((0, hash((0, x, y))))
    for t in phon:
        for yr in years:
            keys.append((1, hash((1, t, yr))))
        if p.kelurahan[i]:
            keys.append((7, hash((7, t, p.kelurahan[i]))))
    keys.append((8, hash((8, p.name_phon[i]))))
    for t in phon:
        keys.append((10, hash((10, t))))
    if p.address[i]:
        keys.append((11, hash((11, p.address[i]))))
    if p.birth_exact[i]:
        keys.append((9, hash((9, p.birth_exact[i]))))
    if p.origin[i]:
        for yr in years:
            keys.append((2, hash((2, yr, p.origin[i], int(p.sex[i])))))
    mk, fk = _first_key(p.mother[i]), _first_key(p.father[i])
    if mk and fk:
        keys.append((3, hash((3, mk, fk))))
    if p.mother_phon[i]:
        for yr in years:
            keys.append((4, hash((4, p.mother_phon[i], yr))))
    nik = p.nik[i]
    if len(nik) >= 10:
        keys.append((5, hash((5, nik))))
        half = len(nik) // 2
        keys.append((6, hash((6, 0, nik[:half]))))
        keys.append((6, hash((6, 1, nik[half:]))))
    return keys


@dataclass
class KeyTable:
    """All keys of a record set, sorted by hash: rec[k] holds key[k]."""

    key: NDArray[np.int64]
    rec: NDArray[np.int64]
    pass_id: NDArray[np.int8]

    @classmethod
    def build(cls, p: Prepared, passes: Iterable[int] | None = None) -> KeyTable:
        allowed = set(PASSES if passes is None else passes)
        keys: list[int] = []
        recs: list[int] = []
        pids: list[int] = []
        for i in range(len(p)):
            for pid, h in record_keys(p, i):
                if pid in allowed:
                    keys.append(h)
                    recs.append(i)
                    pids.append(pid)
        key = np.asarray(keys, np.int64)
        order = np.argsort(key, kind="stable")
        return cls(key[order], np.asarray(recs, np.int64)[order], np.asarray(pids, np.int8)[order])

    def groups(self) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """Start offset and size of each run of equal keys."""
        if len(self.key) == 0:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        starts = np.flatnonzero(np.r_[True, self.key[1:] != self.key[:-1]])
        sizes = np.diff(np.r_[starts, len(self.key)])
        return starts, sizes


def candidate_pairs(
    p: Prepared, *, passes: Iterable[int] | None = None, max_block: int = 400
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Unique candidate pairs (ia < ib) sharing a key; blocks larger than max_block are skipped
    (a key shared by that many records says nothing; other passes still pair them)."""
    table = KeyTable.build(p, passes)
    starts, sizes = table.groups()
    limit = np.full(len(starts), max_block)
    for pid, cap in PASS_MAX_BLOCK.items():
        limit[table.pass_id[starts] == pid] = min(cap, max_block)
    sizes = np.where(sizes > limit, 0, sizes)  # too large: skipped
    n = max(len(p), 1)
    codes: list[NDArray[np.int64]] = []
    for s in np.unique(sizes):
        if s < 2 or s > max_block:
            continue
        st = starts[sizes == s]
        r, c = np.triu_indices(int(s), 1)
        a = table.rec[st[:, None] + r[None, :]].ravel()
        b = table.rec[st[:, None] + c[None, :]].ravel()
        lo, hi = np.minimum(a, b), np.maximum(a, b)
        keep = lo != hi
        codes.append(np.unique(lo[keep] * n + hi[keep]))
    if not codes:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    code = np.unique(np.concatenate(codes))
    return code // n, code % n
