"""Field-by-field comparison of record pairs into discrete agreement levels.

Every field compares to a level index (0 = strongest agreement) or MISSING when either record
lacks the value; the scoring model turns levels into weights. Comparisons are vectorised over
arrays of pair indices, with rapidfuzz's `cpdist` doing the string work in C++.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import NDArray
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA, JaroWinkler

from .normalize import nickname_compatible
from .records import Prepared

MISSING = -1
Idx = NDArray[np.int64]
Levels = NDArray[np.int8]


@dataclass(frozen=True)
class FieldSpec:
    """A compared field: its level labels and whether each level means agree/partial/disagree."""

    name: str
    levels: tuple[str, ...]
    status: tuple[str, ...]


FIELDS: tuple[FieldSpec, ...] = (
    # The exact levels are split by how common the name is (term frequency): sharing a name
    # borne by two records in the data says far more than sharing "Muhammad Rizky".
    FieldSpec(
        "name",
        (
            "exact_unique",
            "exact_rare",
            "exact_uncommon",
            "exact_common",
            "exact_frequent",
            "exact_very_common",
            "phonetic",
            "one_edit",
            "fuzzy_high",
            "fuzzy",
            "subset",
            "alias",
            "nickname",
            "share_token",
            "fuzzy_low",
            "different_short",
            "different",
            "one_edit_short",
            "fuzzy_short",
            "different_given",
        ),
        (
            "agree",
            "agree",
            "agree",
            "agree",
            "agree",
            "agree",
            "agree",
            "partial",
            "partial",
            "partial",
            "partial",
            "agree",
            "partial",
            "partial",
            "partial",
            "disagree",
            "disagree",
            "partial",
            "partial",
            "disagree",
        ),
    ),
    FieldSpec("sex", ("same", "different"), ("agree", "disagree")),
    FieldSpec(
        "birth",
        ("same_date", "near_date", "same_year", "ranges_overlap", "within_2y", "different"),
        ("agree", "partial", "agree", "partial", "partial", "disagree"),
    ),
    # A NIK is region (6 digits), birth date (6) and a serial (4): two NIKs differing only in
    # the serial are two children born the same day in the same place (twins), not a typo.
    FieldSpec(
        "nik",
        ("same", "one_digit_off", "different", "serial_differs"),
        ("agree", "partial", "disagree", "disagree"),
    ),
    # Father's and mother's names together: siblings share both, so counting them as two
    # independent agreements would double the evidence.
    # A parent's name agreeing counts by how common that name is (term frequency): sharing a
    # mother called "Aisyah" says little, sharing "Lamria Jowati" a lot.
    FieldSpec(
        "parents",
        (
            "both_same",
            "both_same_common",
            "one_same_rare",
            "one_same",
            "one_same_common",
            "one_same_one_different",
            "similar",
            "different",
        ),
        ("agree", "agree", "agree", "agree", "agree", "partial", "partial", "disagree"),
    ),
    # Place of birth and origin (region the family comes from), also correlated.
    FieldSpec(
        "birthplace_origin", ("same", "mixed", "different"), ("agree", "partial", "disagree")
    ),
    # Address and kelurahan: where the child was found or lives.
    FieldSpec(
        "residence",
        (
            "same_address",
            "similar_address_same_kelurahan",
            "same_kelurahan",
            "similar_address",
            "different",
        ),
        ("agree", "agree", "agree", "partial", "disagree"),
    ),
    FieldSpec("marga", ("same", "different"), ("agree", "disagree")),
    FieldSpec("birth_order", ("same", "different"), ("agree", "disagree")),
)
FIELD_NAMES = tuple(f.name for f in FIELDS)


def _sim(a: NDArray[Any], b: NDArray[Any], scorer: Callable[..., Any]) -> NDArray[np.float64]:
    if len(a) == 0:
        return np.zeros(0)
    workers = -1 if len(a) >= 20_000 else 1  # threads cost more than they save on small inputs
    return np.asarray(process.cpdist(a, b, scorer=scorer, workers=workers), dtype=np.float64)


class _Pairs:
    """Column access for pairs (p[ia[k]], q[ib[k]])."""

    def __init__(self, p: Prepared, q: Prepared, ia: Idx, ib: Idx) -> None:
        self.p, self.q, self.ia, self.ib = p, q, ia, ib

    def a(self, col: str, rows: Idx | None = None) -> NDArray[Any]:
        idx = self.ia if rows is None else self.ia[rows]
        return self.p.cols[col][idx]

    def b(self, col: str, rows: Idx | None = None) -> NDArray[Any]:
        idx = self.ib if rows is None else self.ib[rows]
        return self.q.cols[col][idx]

    def both(self, col: str) -> NDArray[np.bool_]:
        return self.p.present(col)[self.ia] & self.q.present(col)[self.ib]

    def equal(self, col: str, rows: Idx | None = None) -> NDArray[np.bool_]:
        if self.p is self.q:
            c = self.p.codes(col)
            ia = self.ia if rows is None else self.ia[rows]
            ib = self.ib if rows is None else self.ib[rows]
            return c[ia] == c[ib]
        return np.asarray(self.a(col, rows) == self.b(col, rows), dtype=bool)

    def sim(self, col: str, scorer: Callable[..., Any], rows: Idx) -> NDArray[np.float64]:
        if self.p is not self.q or len(rows) < 5000:
            return _sim(self.a(col, rows), self.b(col, rows), scorer)
        # In a batch the same two values meet again and again (common names, kelurahan): score
        # each distinct (value, value) combination once.
        c = self.p.codes(col)
        ca, cb = c[self.ia[rows]], c[self.ib[rows]]
        key = ca * (int(c.max()) + 1) + cb
        order = np.argsort(key)
        ks = key[order]
        new = np.empty(len(ks), bool)
        new[0], new[1:] = True, ks[1:] != ks[:-1]
        first = order[new]
        if len(first) > 0.8 * len(rows):
            return _sim(self.a(col, rows), self.b(col, rows), scorer)
        inverse = np.empty(len(ks), np.int64)
        inverse[order] = np.cumsum(new) - 1
        values = self.p.cols[col]
        scored = _sim(values[self.ia[rows][first]], values[self.ib[rows][first]], scorer)
        return scored[inverse]


def _string_levels(
    x: _Pairs, col: str, *, similar: float = 0.92, set_based: bool = False
) -> Levels:
    """same / similar / different for place names, origin and kelurahan; address by token set."""
    out = np.full(len(x.ia), MISSING, np.int8)
    ok = np.flatnonzero(x.both(col))
    if ok.size == 0:
        return out
    if set_based:
        s = x.sim(col, fuzz.token_set_ratio, ok) / 100.0
        out[ok] = np.where(s >= 0.95, 0, np.where(s >= similar, 1, 2))
    else:
        eq = x.equal(col, ok)
        lv = np.where(eq, 0, 2).astype(np.int8)
        ne = np.flatnonzero(~eq)
        lv[ne] = np.where(x.sim(col, JaroWinkler.normalized_similarity, ok[ne]) >= similar, 1, 2)
        out[ok] = lv
    return out


def _person_levels(x: _Pairs, col: str) -> Levels:
    """same / similar / partial / different for a parent's name."""
    out = np.full(len(x.ia), MISSING, np.int8)
    ok = np.flatnonzero(x.both(col))
    if ok.size == 0:
        return out
    eq = x.equal(col, ok)
    lv = np.zeros(len(ok), np.int8)
    ne = ok[~eq]
    peq = x.equal(col + "_phon", ne)
    jw = x.sim(col, JaroWinkler.normalized_similarity, ne)
    subset = _subset(x.p.tokens(col)[x.ia[ne]], x.q.tokens(col)[x.ib[ne]])
    lv[~eq] = np.where(peq | (jw >= 0.92), 1, np.where(subset | (jw >= 0.8), 2, 3))
    out[ok] = lv
    return out


# Exact-name levels by the share of reference records bearing the name (term frequency): at
# most two records (only this pair), then up to the shares below, then more common.
NAME_EXACT_BINS = (3e-4, 1e-3, 3e-3, 1e-2)
N_EXACT = len(NAME_EXACT_BINS) + 2  # levels 0 .. N_EXACT-1 are the exact-name levels


def name_exact_bin(count: NDArray[np.int64], population: int) -> NDArray[np.int8]:
    """Exact-name level (0-5) for names borne by `count` of `population` reference records."""
    share = np.asarray(count) / max(population, 1)
    lv = 1 + np.searchsorted(np.asarray(NAME_EXACT_BINS), share, side="left")
    return np.where(np.asarray(count) <= 2, 0, lv).astype(np.int8)


def _in_other(a: NDArray[np.int64], b: NDArray[np.int64]) -> NDArray[np.bool_]:
    """For token-hash rows a and b (0 = no token): which tokens of a occur in b."""
    hit = np.zeros(a.shape, bool)
    for j in range(b.shape[1]):
        col = b[:, j : j + 1]
        hit |= a == col
    return hit & (a != 0)


def _share_token(a: NDArray[np.int64], b: NDArray[np.int64]) -> NDArray[np.bool_]:
    return np.asarray(_in_other(a, b).any(axis=1))


def _subset(a: NDArray[np.int64], b: NDArray[np.int64]) -> NDArray[np.bool_]:
    """One token set within the other, both non-empty (rapidfuzz token_set_ratio == 100)."""
    na, nb = (a != 0).sum(axis=1), (b != 0).sum(axis=1)
    a_in_b = _in_other(a, b).sum(axis=1) == na
    b_in_a = _in_other(b, a).sum(axis=1) == nb
    return np.asarray((na > 0) & (nb > 0) & (a_in_b | b_in_a))


@lru_cache(maxsize=200_000)
def _nick_hit(nicks: str, names: str) -> bool:
    """Whether a nickname (phonetic tokens) is a short form of a name token of the other side."""
    return any(n != t and nickname_compatible(n, t) for n in nicks.split() for t in names.split())


def _nick_hits(nicks: NDArray[Any], names: NDArray[Any]) -> NDArray[np.bool_]:
    return np.fromiter(
        (bool(a) and bool(b) and _nick_hit(a, b) for a, b in zip(nicks, names, strict=True)),
        bool,
        len(nicks),
    )


def _name_levels(x: _Pairs) -> Levels:
    """Levels of FIELDS[0]; token order never matters (names are compared as sorted tokens)."""
    n = len(x.ia)
    e = N_EXACT
    (
        phonetic, one_edit, fuzzy_high, fuzzy, subset_lv, alias_lv, nick_lv, share, fuzzy_low,
        different_short, different, one_edit_short, fuzzy_short, different_given,
    ) = range(e, e + 14)  # fmt: skip
    lv = np.full(n, different, np.int8)
    eq = x.equal("name")
    agree = np.flatnonzero(eq)
    common = np.maximum(x.p.name_count[x.ia[agree]], x.q.name_count[x.ib[agree]])
    lv[agree] = name_exact_bin(common, x.p.name_population)
    rest = np.flatnonzero(~eq)
    lv[rest[x.equal("name_phon", rest)]] = phonetic
    rest = np.flatnonzero(lv == different)
    jw = x.sim("name", JaroWinkler.normalized_similarity, rest)
    # the written order differs from the sorted one only where a name has two words or more
    one_a, one_b = x.p.name_words[x.ia[rest]] <= 1, x.q.name_words[x.ib[rest]] <= 1
    short = one_a | one_b
    multi = np.flatnonzero(~(one_a & one_b))
    jw[multi] = np.maximum(
        jw[multi], x.sim("name_written", JaroWinkler.normalized_similarity, rest[multi])
    )
    subset = _subset(x.p.tokens("name_phon")[x.ia[rest]], x.q.tokens("name_phon")[x.ib[rest]])
    # one typo (OSA distance 1) on the sorted or the written names: a twin's near name usually
    # differs by more. One edit leaves Jaro-Winkler at 0.75 or more, so only those are checked.
    edit = np.full(len(rest), 99.0)
    close = np.flatnonzero(jw >= 0.75)
    edit[close] = x.sim("name", OSA.distance, rest[close])
    close_multi = np.flatnonzero((jw >= 0.75) & ~(one_a & one_b))
    edit[close_multi] = np.minimum(
        edit[close_multi], x.sim("name_written", OSA.distance, rest[close_multi])
    )
    # a name of one word on either side may be a nickname: different names say less then
    lv[rest] = np.select(
        [edit <= 1, jw >= 0.95, jw >= 0.88, subset, jw >= 0.7, short],
        [one_edit, fuzzy_high, fuzzy, subset_lv, fuzzy_low, different_short],
        different,
    )  # fmt: skip
    # A token in common but others different: siblings sharing a family name, or a typo
    # spoiling one of two names.
    rest = np.flatnonzero(lv >= fuzzy_low)
    if rest.size:
        shared = _share_token(
            x.p.tokens("all_phon")[x.ia[rest]], x.q.tokens("all_phon")[x.ib[rest]]
        )
        lv[rest[shared]] = share
    # Aliases (and a one-word name, often a nickname) against every name of the other record,
    # only where the names themselves did not already agree.
    has_nick = x.p.present("nick_phon")[x.ia] | x.q.present("nick_phon")[x.ib]
    rest = np.flatnonzero((lv >= share) & has_nick)
    if rest.size:
        na, nb = x.p.tokens("nick_phon")[x.ia[rest]], x.q.tokens("nick_phon")[x.ib[rest]]
        aa, ab = x.p.tokens("all_phon")[x.ia[rest]], x.q.tokens("all_phon")[x.ib[rest]]
        # an alias (or a one-word name) that is one of the names of the other record
        alias = _subset(na, nb) | _share_token(na, ab) | _share_token(aa, nb)
        # a usual short form of a name of the other record (Budi for Budiman, Liza for
        # Nurhaliza, Kiki for Rizki), from either side
        nick = _nick_hits(x.a("nick_phon", rest), x.b("all_phon", rest)) | _nick_hits(
            x.b("nick_phon", rest), x.a("all_phon", rest)
        )
        lv[rest] = np.where(alias, alias_lv, np.where(nick, nick_lv, lv[rest]))
    # One letter in a short name says less than in a long one: Rizky and Rizka, Sri and Sria
    # are twins' names as often as one child's typo.
    rest = np.flatnonzero((lv == one_edit) | (lv == fuzzy_high) | (lv == fuzzy))
    if rest.size:
        length = np.minimum(_lengths(x.a("name", rest)), _lengths(x.b("name", rest)))
        short_name = length <= SHORT_NAME
        was_one_edit = lv[rest] == one_edit
        lv[rest[short_name & was_one_edit]] = one_edit_short
        lv[rest[short_name & ~was_one_edit]] = fuzzy_short
    # A one-word name that is a given name in the data (Budi, Fatimah), not a nickname (Ucok),
    # disagreeing: a sibling or twin far more often than a nickname of the same child.
    rest = np.flatnonzero(lv == different_short)
    if rest.size:
        one_a, one_b = x.p.name_words[x.ia[rest]] <= 1, x.q.name_words[x.ib[rest]] <= 1
        nick_a, nick_b = x.p.nicklike[x.ia[rest]], x.q.nicklike[x.ib[rest]]
        given = ~((one_a & nick_a) | (one_b & nick_b))
        lv[rest[given]] = different_given
    return lv


SHORT_NAME = 7  # letters, spaces included, of the canonical name


def _lengths(values: NDArray[Any]) -> NDArray[np.int64]:
    return np.fromiter((len(v) for v in values), np.int64, len(values))


def _birth_levels(x: _Pairs) -> Levels:
    p, q, ia, ib = x.p, x.q, x.ia, x.ib
    lo_a, hi_a, lo_b, hi_b = p.birth_lo[ia], p.birth_hi[ia], q.birth_lo[ib], q.birth_hi[ib]
    missing = np.isnan(lo_a) | np.isnan(lo_b)
    gap = np.maximum(lo_a - hi_b, lo_b - hi_a)
    narrow = ((hi_a - lo_a) <= 1.01) & ((hi_b - lo_b) <= 1.01)
    same_year = narrow & (np.floor(lo_a) == np.floor(lo_b))
    lv = np.where(same_year, 2, np.where(gap <= 0, 3, np.where(gap <= 2.0, 4, 5))).astype(np.int8)
    both = np.flatnonzero(x.both("birth_exact"))
    if both.size:
        eq = x.equal("birth_exact", both)
        near = x.sim("birth_exact", OSA.distance, both) <= 1
        da, db = p.birth_int[ia[both]], q.birth_int[ib[both]]
        swapped = (
            (da // 10000 == db // 10000)
            & ((da // 100) % 100 == db % 100)
            & (da % 100 == (db // 100) % 100)
        )
        lv[both] = np.where(eq, 0, np.where(near | swapped, 1, lv[both]))
    lv[missing] = MISSING
    return lv


def _nik_levels(x: _Pairs) -> Levels:
    out = np.full(len(x.ia), MISSING, np.int8)
    ok = np.flatnonzero(x.both("nik"))
    if ok.size:
        d = x.sim("nik", OSA.distance, ok)
        lv = np.where(d == 0, 0, np.where(d <= 1, 1, 2))
        a, b = x.a("nik", ok), x.b("nik", ok)
        serial = np.fromiter(
            (len(u) == 16 and len(v) == 16 and u[:12] == v[:12] for u, v in zip(a, b, strict=True)),
            bool,
            len(ok),
        )
        out[ok] = np.where(serial & (d > 0), 3, lv)
    return out


# Share of records bearing a parent's name below which it is rare, above which common.
PARENT_RARE, PARENT_COMMON = 1e-3, 1e-2


def _parent_share(x: _Pairs, col: str) -> NDArray[np.float64]:
    """Share of reference records bearing each pair's parent name (the commoner side)."""
    count = np.maximum(x.p.tf[col][x.ia], x.q.tf[col][x.ib])
    return np.asarray(count / max(x.p.name_population, 1), np.float64)


def _parents_levels(x: _Pairs, father: Levels, mother: Levels) -> Levels:
    """Combine per-parent levels (0 same, 1 similar, 2 partial, 3 different), the agreeing
    names' frequency splitting the agreement levels."""
    agree = (father == 0).astype(int) + (father == 1) + (mother == 0) + (mother == 1)
    differ = (father == 3).astype(int) + (mother == 3)
    partial = (father == 2) | (mother == 2)
    # the rarest agreeing parent's name; a similar (not equal) spelling counts as rare
    share = np.minimum(
        np.where(father == 0, _parent_share(x, "father"), np.where(father == 1, 0.0, 1.0)),
        np.where(mother == 0, _parent_share(x, "mother"), np.where(mother == 1, 0.0, 1.0)),
    )
    one = np.where(share <= PARENT_RARE, 2, np.where(share <= PARENT_COMMON, 3, 4))
    both_share = np.maximum(
        np.where(father == 0, _parent_share(x, "father"), 0.0),
        np.where(mother == 0, _parent_share(x, "mother"), 0.0),
    )
    both = np.where(both_share > PARENT_COMMON, 1, 0)
    lv = np.select(
        [agree == 2, (agree == 1) & (differ == 0) & ~partial, agree == 1,
         partial & (differ == 0)],
        [both, one, 5, 6],
        7,
    )  # fmt: skip
    lv[(father == MISSING) & (mother == MISSING)] = MISSING
    return lv.astype(np.int8)


def _place_levels(pob: Levels, origin: Levels) -> Levels:
    same = ((pob == 0) | (pob == 1)).astype(int) + ((origin == 0) | (origin == 1))
    diff = (pob == 2).astype(int) + (origin == 2)
    lv = np.where(diff == 0, 0, np.where(same > 0, 1, 2))
    lv[(pob == MISSING) & (origin == MISSING)] = MISSING
    return lv.astype(np.int8)


def _residence_levels(address: Levels, kelurahan: Levels) -> Levels:
    similar, same_kel = address == 1, kelurahan == 0
    lv = np.select(
        [address == 0, similar & same_kel, same_kel, similar | (kelurahan == 1)], [0, 1, 2, 3], 4
    )
    lv[(address == MISSING) & (kelurahan == MISSING)] = MISSING
    return lv.astype(np.int8)


def _code_levels(a: NDArray[np.int8], b: NDArray[np.int8]) -> Levels:
    return np.where((a == 0) | (b == 0), MISSING, np.where(a == b, 0, 1)).astype(np.int8)


def _other_fields(x: _Pairs, out: Levels) -> None:
    """Every field but the name (column 0), into out."""
    _cheap_fields(x, out)
    _costly_fields(x, out)


_COSTLY = (4, 5, 6)  # parents, birthplace_origin, residence: several string comparisons each


def _cheap_fields(x: _Pairs, out: Levels) -> None:
    p, q, ia, ib = x.p, x.q, x.ia, x.ib
    out[:, 1] = _code_levels(p.sex[ia], q.sex[ib])
    out[:, 2] = _birth_levels(x)
    out[:, 3] = _nik_levels(x)
    out[:, 7] = np.where(x.both("marga"), np.where(x.equal("marga"), 0, 1), MISSING)
    out[:, 8] = _code_levels(p.birth_order[ia], q.birth_order[ib])


def _costly_present(x: _Pairs) -> list[NDArray[np.bool_]]:
    """Whether each costly field has a value on both sides (else it is MISSING)."""
    return [
        x.both("father") | x.both("mother"),
        x.both("place_of_birth") | x.both("origin"),
        x.both("address") | x.both("kelurahan"),
    ]


def _costly_fields(x: _Pairs, out: Levels) -> None:
    out[:, 4] = _parents_levels(x, _person_levels(x, "father"), _person_levels(x, "mother"))
    _places_fields(x, out)


def _parents_field(x: _Pairs, out: Levels) -> None:
    """Parents' names where UNKNOWN in out (MISSING rows stay as they are)."""
    rows = np.flatnonzero(out[:, 4] == UNKNOWN)
    if rows.size:
        sub = _Pairs(x.p, x.q, x.ia[rows], x.ib[rows])
        out[rows, 4] = _parents_levels(
            sub, _person_levels(sub, "father"), _person_levels(sub, "mother")
        )


def _places_fields(x: _Pairs, out: Levels) -> None:
    pob, origin = _string_levels(x, "place_of_birth"), _string_levels(x, "origin")
    out[:, 5] = _place_levels(pob, origin)
    address = _string_levels(x, "address", similar=0.75, set_based=True)
    out[:, 6] = _residence_levels(address, _string_levels(x, "kelurahan"))


def compare(p: Prepared, q: Prepared, ia: Idx, ib: Idx) -> Levels:
    """Levels for pairs (p[ia[k]], q[ib[k]]): an int8 array of shape (len(ia), len(FIELDS))."""
    ia = np.asarray(ia, dtype=np.int64)
    ib = np.asarray(ib, dtype=np.int64)
    n = len(ia)
    out = np.empty((n, len(FIELDS)), np.int8)
    if n == 0:
        return out
    x = _Pairs(p, q, ia, ib)
    out[:, 0] = _name_levels(x)
    _other_fields(x, out)
    return out


UNKNOWN = -2  # a level not computed yet (never MISSING: both records have a value)


def compare_pruned(
    p: Prepared, q: Prepared, ia: Idx, ib: Idx, keep: Callable[[Levels], NDArray[np.bool_]]
) -> tuple[Idx, Levels]:
    """compare() for the pairs that can still reach a score, in stages from cheap to costly.

    Sex, birth, NIK, marga and birth order are compared first, and the name where it agrees
    exactly or phonetically (integer codes, no string work); the other fields are UNKNOWN (or
    MISSING where a side lacks them). `keep(levels)` says which pairs could still reach the
    threshold whatever the UNKNOWN levels turn out to be (FSModel.can_reach); the parents,
    places and residence are then compared for those, `keep` asked again, and the name
    compared in full for what is left. Returns the kept pairs' positions and full levels,
    equal to compare()'s for them.
    """
    ia = np.asarray(ia, dtype=np.int64)
    ib = np.asarray(ib, dtype=np.int64)
    out = np.empty((len(ia), len(FIELDS)), np.int8)
    if len(ia) == 0:
        return np.zeros(0, np.int64), out
    x = _Pairs(p, q, ia, ib)
    _cheap_fields(x, out)
    for f, present in zip(_COSTLY, _costly_present(x), strict=True):
        out[:, f] = np.where(present, UNKNOWN, MISSING)
    name = np.full(len(ia), UNKNOWN, np.int8)
    eq = np.flatnonzero(x.equal("name"))
    count = np.maximum(p.name_count[ia[eq]], q.name_count[ib[eq]])
    name[eq] = name_exact_bin(count, p.name_population)
    rest = np.flatnonzero(name == UNKNOWN)
    name[rest[x.equal("name_phon", rest)]] = N_EXACT
    out[:, 0] = name
    pos = np.flatnonzero(keep(out))
    out = out[pos]
    for stage in (_parents_field, _places_fields):
        sub = _Pairs(p, q, ia[pos], ib[pos])
        stage(sub, out)
        kept = np.flatnonzero(keep(out))
        pos, out = pos[kept], out[kept]
    todo = np.flatnonzero(out[:, 0] == UNKNOWN)
    if todo.size:
        out[todo, 0] = _name_levels(_Pairs(p, q, ia[pos[todo]], ib[pos[todo]]))
    return pos, out
