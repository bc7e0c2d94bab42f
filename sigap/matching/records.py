"""Child records as the engine sees them, and their column-wise prepared form."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .normalize import fold, parse_name, phonetic_token, tokens

FIELDS = (
    "id", "full_name", "alias", "sex", "birth_date", "birth_year", "age", "place_of_birth",
    "origin", "father_name", "mother_name", "nik", "address", "kelurahan",
)  # fmt: skip

# An estimated age is a range: a worker's guess "about 12" means 11 to 13, and the child may be
# anywhere in that year of age.
AGE_ESTIMATE_SLACK = 1.0


class RecordError(ValueError):
    """A value in an input record that cannot be understood."""


@dataclass(slots=True)
class Record:
    """One child record. Only `id` and `full_name` are required; empty strings mean unknown."""

    id: str
    full_name: str
    alias: str = ""
    sex: str = ""
    birth_date: str = ""  # YYYY-MM-DD (also DD-MM-YYYY, DD/MM/YYYY)
    birth_year: str = ""
    age: str = ""  # "12", "12-14", "~12"
    place_of_birth: str = ""
    origin: str = ""
    father_name: str = ""
    mother_name: str = ""
    nik: str = ""
    address: str = ""
    kelurahan: str = ""

    @classmethod
    def from_mapping(cls, row: Mapping[str, str | None]) -> Record:
        values = {k: (row.get(k) or "").strip() for k in FIELDS}
        return cls(**values)


_DATE_PATTERNS = (
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"), (1, 2, 3)),
    (re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$"), (3, 2, 1)),
    (re.compile(r"^(\d{4})(\d{2})(\d{2})$"), (1, 2, 3)),
)


def parse_date(text: str) -> date | None:
    """Parse a birth date; empty means unknown. Raises RecordError on a malformed date."""
    text = text.strip()
    if not text:
        return None
    for pattern, (yi, mi, di) in _DATE_PATTERNS:
        m = pattern.match(text)
        if m:
            try:
                return date(int(m.group(yi)), int(m.group(mi)), int(m.group(di)))
            except ValueError as exc:
                raise RecordError(f"invalid date {text!r}: {exc}") from None
    raise RecordError(f"invalid date {text!r}: expected YYYY-MM-DD or DD-MM-YYYY")


def _parse_year(text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not re.fullmatch(r"\d{4}", text) or not 1900 <= int(text) <= 2100:
        raise RecordError(f"invalid birth year {text!r}")
    return int(text)


def _parse_age(text: str) -> tuple[float, float] | None:
    """An age estimate as (youngest, oldest) in years."""
    text = text.strip().lstrip("~±").strip()
    if not text:
        return None
    m = re.fullmatch(
        r"(\d{1,2})(?:\s*(?:-|to|s/d|sampai)\s*(\d{1,2}))?\s*(?:th|thn|tahun|y)?\.?", text
    )
    if not m:
        raise RecordError(f"invalid age {text!r}: expected a number or a range like 12-14")
    lo = float(m.group(1))
    hi = float(m.group(2)) if m.group(2) else lo
    if hi < lo:
        lo, hi = hi, lo
    return lo, hi


def _decimal_year(d: date) -> float:
    return d.year + (d.timetuple().tm_yday - 0.5) / 366.0


def birth_interval(record: Record, as_of: date) -> tuple[float, float, int]:
    """(earliest, latest) birth as decimal years and the exact date as YYYYMMDD (0 if unknown).

    A missing birth gives (nan, nan, 0). An exact date is a point, a year is that year, and an
    estimated age is a range widened by AGE_ESTIMATE_SLACK on both sides.
    """
    d = parse_date(record.birth_date)
    if d is not None:
        y = _decimal_year(d)
        return y, y, d.year * 10000 + d.month * 100 + d.day
    year = _parse_year(record.birth_year)
    if year is not None:
        return float(year), float(year + 1), 0
    age = _parse_age(record.age)
    if age is not None:
        now = _decimal_year(as_of)
        lo_age, hi_age = age
        return (now - hi_age - 1 - AGE_ESTIMATE_SLACK, now - lo_age + AGE_ESTIMATE_SLACK, 0)
    return float("nan"), float("nan"), 0


def nik_birth(nik: str, as_of: date) -> tuple[date, int] | None:
    """Birth date and sex (1 male, 2 female) written in a 16-digit NIK, if they make sense.

    An Indonesian NIK is 6 digits of region, the birth date as DDMMYY (40 added to the day for
    a girl) and a 4-digit serial. The century is the one that puts the date at or before
    `as_of`. None when the digits are not a valid date.
    """
    if len(nik) != 16 or not nik.isdigit():
        return None
    day, month, yy = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    sex = 2 if day > 40 else 1
    day -= 40 if day > 40 else 0
    year = 2000 + yy if 2000 + yy <= as_of.year else 1900 + yy
    try:
        d = date(year, month, day)
    except ValueError:
        return None
    return (d, sex) if d <= as_of else None


def _sex(value: str, hint: str) -> int:
    v = value.strip().lower()
    if v in ("m", "l", "male", "laki-laki", "laki", "lk", "pria", "1"):
        return 1
    if v in ("f", "p", "female", "perempuan", "pr", "wanita", "2"):
        return 2
    return {"M": 1, "F": 2}.get(hint, 0)


def _sorted_join(toks: Iterable[str]) -> str:
    return " ".join(sorted(toks))


@lru_cache(maxsize=200_000)
def _person_name(text: str) -> tuple[str, str]:
    """Canonical sorted given names and their phonetic form, for a parent's name."""
    if not text.strip():
        return "", ""
    key = parse_name(text).key_tokens
    return _sorted_join(key), _sorted_join(phonetic_token(t) for t in key)


Col = NDArray[np.object_]  # a column of str


def _col(values: list[str]) -> Col:
    arr = np.empty(len(values), dtype=object)
    arr[:] = values
    return arr


def _nick_core(nick: str) -> str:
    """ "kiki" -> "ki" (a doubled syllable), else the nickname itself when long enough."""
    half = len(nick) // 2
    if len(nick) >= 4 and len(nick) % 2 == 0 and nick[:half] == nick[half:]:
        return nick[:half]
    return nick if len(nick) >= 3 else ""


class Prepared:
    """Records turned into columns, ready for vectorised comparison.

    String columns are numpy object arrays (fancy indexing is fast and rapidfuzz reads them);
    codes are numeric arrays. `present()` and `codes()` are computed once per column.
    """

    STRING_COLUMNS = (
        "name", "name_written", "name_phon", "nick_phon", "nick_core", "all_phon", "marga",
        "titles", "birth_exact", "place_of_birth", "origin", "father", "father_phon", "mother",
        "mother_phon", "nik", "address", "kelurahan",
    )  # fmt: skip

    def __init__(
        self,
        ids: list[str],
        columns: dict[str, list[str]],
        arrays: dict[str, NDArray[Any]],
        name_tokens: list[tuple[str, ...]],
    ) -> None:
        self.ids = ids
        self.name_tokens = name_tokens  # all given-name and alias tokens, for blocking keys
        self.cols = {k: _col(v) for k, v in columns.items()}
        self.birth_order: NDArray[np.int8] = arrays["birth_order"]
        self.sex: NDArray[np.int8] = arrays["sex"]
        self.birth_lo: NDArray[np.float64] = arrays["birth_lo"]
        self.birth_hi: NDArray[np.float64] = arrays["birth_hi"]
        self.name_words: NDArray[np.int8] = arrays["name_words"]  # identifying name tokens
        self._present: dict[str, NDArray[np.bool_]] = {}
        self._codes: dict[str, NDArray[np.int64]] = {}
        # Term frequencies: how many reference records bear each record's name, father's name,
        # mother's name (see TF_COLUMNS), out of name_population records.
        self.tf: dict[str, NDArray[np.int64]] = {}
        self.name_population = 0
        # Whether a one-word name is, in the reference records, more often a nickname (an
        # alias beside a full name) than a part of a full name: Ucok, not Budi.
        self.nicklike: NDArray[np.bool_] = np.zeros(len(ids), bool)
        if ids:
            self.count_names_in(self)

    TF_COLUMNS = ("name", "father", "mother")

    @property
    def name_count(self) -> NDArray[np.int64]:
        return self.tf["name"]

    @name_count.setter
    def name_count(self, value: NDArray[np.int64]) -> None:
        self.tf["name"] = value

    def count_names_in(self, reference: Prepared) -> None:
        """How many records of `reference` bear each record's name and parents' names (term
        frequency); a record compared with `reference` from outside counts itself in."""
        for col in self.TF_COLUMNS:
            if reference is self:
                codes = self.codes(col)
                self.tf[col] = np.bincount(codes)[codes]
            else:
                counts = reference.value_counts(col)
                self.tf[col] = np.array([counts.get(v, 0) + 1 for v in self.cols[col]], np.int64)
        self.name_population = len(self) if reference is self else len(reference) + 1
        roles = reference.token_roles()
        self.nicklike = np.fromiter(
            (
                words == 1 and roles.get(name, (0, 0))[1] > roles.get(name, (0, 0))[0]
                for words, name in zip(
                    self.name_words.tolist(), self.cols["name_phon"], strict=True
                )
            ),
            bool,
            len(self),
        )

    def token_roles(self) -> dict[str, tuple[int, int]]:
        """Phonetic name token -> (records bearing it in a full name of two words or more,
        records bearing it as an alias beside such a name)."""
        key = "_token_roles"
        if key not in self.__dict__:
            roles: dict[str, list[int]] = {}
            multi = self.name_words >= 2
            for col, role in (("name_phon", 0), ("nick_phon", 1)):
                values, counts = np.unique(self.cols[col][multi].astype(str), return_counts=True)
                for value, count in zip(values.tolist(), counts.tolist(), strict=True):
                    for t in value.split():
                        roles.setdefault(t, [0, 0])[role] += count
            self.__dict__[key] = {t: (a, b) for t, (a, b) in roles.items()}
        out: dict[str, tuple[int, int]] = self.__dict__[key]
        return out

    def value_counts(self, col: str) -> dict[str, int]:
        key = "_counts_" + col
        if key not in self.__dict__:
            values, n = np.unique(self.cols[col].astype(str), return_counts=True)
            self.__dict__[key] = dict(zip(values.tolist(), n.tolist(), strict=True))
        counts: dict[str, int] = self.__dict__[key]
        return counts

    def name_counts(self) -> dict[str, int]:
        return self.value_counts("name")

    def slice(self, start: int, stop: int) -> Prepared:
        """Records [start, stop) as their own Prepared, keeping this set's name frequencies."""
        out = Prepared.__new__(Prepared)
        out.ids = self.ids[start:stop]
        out.name_tokens = self.name_tokens[start:stop]
        out.cols = {k: v[start:stop] for k, v in self.cols.items()}
        out.birth_order = self.birth_order[start:stop]
        out.sex = self.sex[start:stop]
        out.birth_lo = self.birth_lo[start:stop]
        out.birth_hi = self.birth_hi[start:stop]
        out.name_words = self.name_words[start:stop]
        out._present = {k: v[start:stop] for k, v in self._present.items()}
        out._codes = {}
        out.tf = {k: v[start:stop] for k, v in self.tf.items()}
        out.name_population = self.name_population
        out.nicklike = self.nicklike[start:stop]
        return out

    def __len__(self) -> int:
        return len(self.ids)

    def __getattr__(self, name: str) -> Col:
        cols = self.__dict__.get("cols", {})
        if name in cols:
            return cols[name]
        raise AttributeError(name)

    def present(self, col: str) -> NDArray[np.bool_]:
        if col not in self._present:
            self._present[col] = np.fromiter((bool(v) for v in self.cols[col]), bool, len(self))
        return self._present[col]

    TOKENS_PER_VALUE = 5

    def tokens(self, col: str) -> NDArray[np.int64]:
        """Hashes of a column's space-separated tokens, one row of TOKENS_PER_VALUE per record
        (0 where none; tokens past that are dropped); hashes only compared within a process."""
        cache: dict[str, NDArray[np.int64]] = self.__dict__.setdefault("_tokens", {})
        if col not in cache:
            k = self.TOKENS_PER_VALUE
            out = np.zeros((len(self), k), np.int64)
            memo: dict[str, list[int]] = {}
            for i, v in enumerate(self.cols[col]):
                if v:
                    row = memo.get(v)
                    if row is None:
                        row = memo[v] = [hash(t) or 1 for t in dict.fromkeys(v.split())][:k]
                    out[i, : len(row)] = row
            cache[col] = out
        return cache[col]

    @property
    def birth_int(self) -> NDArray[np.int64]:
        """The exact birth date as the integer YYYYMMDD, 0 when unknown."""
        if "_birth_int" not in self.__dict__:
            self.__dict__["_birth_int"] = np.fromiter(
                (int(v) if v else 0 for v in self.cols["birth_exact"]), np.int64, len(self)
            )
        out: NDArray[np.int64] = self.__dict__["_birth_int"]
        return out

    def codes(self, col: str) -> NDArray[np.int64]:
        """Integer codes of a column's values: equal strings, equal codes."""
        if col not in self._codes:
            _, inv = np.unique(self.cols[col].astype(str), return_inverse=True)
            self._codes[col] = inv.astype(np.int64)
        return self._codes[col]


@dataclass(frozen=True, slots=True)
class _NameParts:
    columns: tuple[str, ...]  # name, name_written, name_phon, nick_phon, nick_core, all_phon, marga
    words: int
    all_tokens: tuple[str, ...]
    titles: str
    birth_order: int
    sex_hint: str
    patronym: str


def _name_parts(full_name: str, alias: str) -> _NameParts:
    parsed = parse_name(full_name)
    key = parsed.key_tokens
    alias_toks = tuple(t for t in tokens(alias) if t not in parsed.given)
    all_toks = tuple(dict.fromkeys(parsed.given + alias_toks))
    nicks = alias_toks + (key if len(key) == 1 else ())
    nick_phon = [phonetic_token(t) for t in nicks]
    columns = (
        _sorted_join(key),
        " ".join(key),
        _sorted_join(phonetic_token(t) for t in key),
        " ".join(nick_phon),
        _nick_core(nick_phon[0]) if nick_phon else "",
        " ".join(phonetic_token(t) for t in all_toks),
        parsed.marga,
    )
    return _NameParts(
        columns, min(len(key), 100), all_toks, " ".join(parsed.titles), parsed.birth_order,
        parsed.sex_hint, parsed.patronym,
    )  # fmt: skip


_NON_DIGIT = re.compile(r"\D")


def _digits(text: str) -> str:
    return _NON_DIGIT.sub("", text) if text else ""


@lru_cache(maxsize=10_000)
def _kelurahan(text: str) -> str:
    return fold(text).removeprefix("kelurahan ").removeprefix("kel ")


def prepare(records: Sequence[Record], *, as_of: date | None = None) -> Prepared:
    """Normalise records into columns. Raises RecordError (with the record id) on bad values."""
    as_of = as_of or date.today()
    n = len(records)
    cols: dict[str, list[str]] = {k: [] for k in Prepared.STRING_COLUMNS}
    name_tokens: list[tuple[str, ...]] = []
    birth_order = np.zeros(n, np.int8)
    sex = np.zeros(n, np.int8)
    lo = np.full(n, np.nan)
    hi = np.full(n, np.nan)
    words = np.zeros(n, np.int8)
    birth_memo: dict[tuple[str, str, str], tuple[float, float, int]] = {}
    name_memo: dict[tuple[str, str], _NameParts] = {}
    fold_memo: dict[str, str] = {}

    def folded(text: str) -> str:
        out = fold_memo.get(text)
        if out is None:
            out = fold_memo[text] = fold(text)
        return out

    names = ("name", "name_written", "name_phon", "nick_phon", "nick_core", "all_phon", "marga")
    for i, r in enumerate(records):
        bkey = (r.birth_date, r.birth_year, r.age)
        birth = birth_memo.get(bkey)
        if birth is None:
            try:
                birth = birth_memo[bkey] = birth_interval(r, as_of)
            except RecordError as exc:
                raise RecordError(f"record {r.id!r}: {exc}") from None
        lo[i], hi[i], exact = birth
        nik = _digits(r.nik)
        from_nik = nik_birth(nik, as_of) if nik else None
        if from_nik is not None and exact == 0 and np.isnan(lo[i]):
            # no birth written down: the NIK's date is the child's
            d = from_nik[0]
            lo[i] = hi[i] = _decimal_year(d)
            exact = d.year * 10000 + d.month * 100 + d.day
        nkey = (r.full_name, r.alias)
        parts = name_memo.get(nkey)
        if parts is None:
            parts = name_memo[nkey] = _name_parts(r.full_name, r.alias)
        for col, value in zip(names, parts.columns, strict=True):
            cols[col].append(value)
        words[i] = parts.words
        name_tokens.append(parts.all_tokens)
        cols["titles"].append(parts.titles)
        birth_order[i] = parts.birth_order
        sex[i] = _sex(r.sex, parts.sex_hint or ("MF"[from_nik[1] - 1] if from_nik else ""))
        cols["birth_exact"].append(str(exact) if exact else "")
        cols["place_of_birth"].append(folded(r.place_of_birth))
        cols["origin"].append(folded(r.origin))
        f, fp = _person_name(r.father_name or parts.patronym)
        m, mp = _person_name(r.mother_name)
        cols["father"].append(f)
        cols["father_phon"].append(fp)
        cols["mother"].append(m)
        cols["mother_phon"].append(mp)
        cols["nik"].append(nik)
        cols["address"].append(folded(r.address))
        cols["kelurahan"].append(_kelurahan(r.kelurahan))
    arrays: dict[str, NDArray[Any]] = {
        "birth_order": birth_order,
        "sex": sex,
        "birth_lo": lo,
        "birth_hi": hi,
        "name_words": words,
    }
    return Prepared([r.id for r in records], cols, arrays, name_tokens)
