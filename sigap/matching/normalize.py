"""Indonesian name normalisation and phonetic keys.

A name is split into the parts that matter for matching: given-name tokens (order ignored), Batak
marga, Bugis titles, the Balinese birth order, the patronym after bin/binti and the sex it implies.
Old (pre-1972, Dutch-based) spelling is rewritten to the current spelling, and the many spellings
of a few very common names (Muhammad, Ahmad, Abdul...) are mapped to one canonical token.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import jellyfish

# Canonical token for spelling variants of common names. Keys are already lower case and in the
# new spelling (after `modernise_token`), so "Moehammad" and "Mochamad" arrive here as
# "muhammad" and "mokhamad".
_CANONICAL: dict[str, str] = {}


def _add_variants(canonical: str, variants: str) -> None:
    for v in variants.split():
        _CANONICAL[v] = canonical
    _CANONICAL[canonical] = canonical


_add_variants(
    "muhammad",
    "m md mh mhd moh mohd muh muhd mochamad mokhamad mokhammad mochammad mohamad mohammad "
    "mohamed mohammed muhamad muhammed muhamed muhamat muhammat mukhamad mukhammad mamad",
)
_add_variants("ahmad", "achmad akhmad ahmat achmat akhmat amad ahmed")
_add_variants("abdul", "abd abdoel")
_add_variants("abdurrahman", "abdulrahman abdurahman")
_add_variants("nur", "noor nor nurul")
_add_variants("siti", "sitti st")
_add_variants("fatimah", "fatima fatma")
_add_variants("rizky", "rizki riski risky rizqi rizqy rezky rezki")
_add_variants("hidayat", "hidayah")
_add_variants("yusuf", "yusup jusuf")
_add_variants("zainal", "jainal")
_add_variants("rahmat", "rahmad rachmat rakhmat")
_add_variants("hasan", "hassan")
_add_variants("husein", "husain husin hussein")
_add_variants("syaiful", "saiful")

# Tokens so common that they say little about identity: they are dropped from the given names
# when other tokens remain ("M. Rizky" and "Rizky" are the same given name).
WEAK_TOKENS = frozenset({"muhammad", "siti", "nur"})

# Words that are not names at all.
_NOISE = frozenset(
    {"alm", "almarhum", "almarhumah", "anak", "an", "sdr", "sdri", "bpk", "ibu", "bu"}
)

PATRONYM_MALE = frozenset({"bin", "b"})
PATRONYM_FEMALE = frozenset({"binti", "bt", "bte"})

# Balinese birth-order names (and Balinese gender prefixes I / Ni). Value = birth order.
BALINESE_ORDER: dict[str, int] = {
    "wayan": 1, "putu": 1, "gede": 1, "iluh": 1,
    "made": 2, "kadek": 2, "nengah": 2,
    "nyoman": 3, "komang": 3,
    "ketut": 4,
}  # fmt: skip
BALINESE_SEX_PREFIX = {"i": "M", "ni": "F"}

# Bugis / Makassar nobility titles: kept apart, never compared as given names.
BUGIS_TITLES = frozenset({"andi", "daeng", "puang", "karaeng", "opu"})

# Batak marga (family names). A list of the common ones is enough: a marga is always last.
BATAK_MARGA = frozenset(
    [
        "siregar",
        "nasution",
        "harahap",
        "lubis",
        "hutapea",
        "panjaitan",
        "sinaga",
        "situmorang",
        "simanjuntak",
        "sitompul",
        "simatupang",
        "sihombing",
        "pardede",
        "pasaribu",
        "sitorus",
        "manurung",
        "napitupulu",
        "hutagalung",
        "tambunan",
        "silalahi",
        "gultom",
        "hasibuan",
        "ritonga",
        "daulay",
        "pohan",
        "tampubolon",
        "sianturi",
        "purba",
        "saragih",
        "damanik",
        "ginting",
        "tarigan",
        "sembiring",
        "karo-karo",
        "perangin-angin",
        "sitepu",
        "barus",
        "surbakti",
        "marpaung",
        "simbolon",
        "samosir",
        "sidabutar",
        "hutabarat",
        "lumbantobing",
        "tobing",
        "butarbutar",
        "aritonang",
        "rajagukguk",
        "matondang",
        "batubara",
        "tanjung",
        "pane",
        "pulungan",
        "rangkuti",
        "dalimunthe",
        "siagian",
        "hutauruk",
        "sinambela",
    ]
)

_OLD_MARKERS = ("oe", "dj", "tj", "sj")
_PUNCT = re.compile(r"[^a-z0-9\s-]")
_SPACES = re.compile(r"[\s\-_/,.;:()]+")


@dataclass(frozen=True, slots=True)
class ParsedName:
    """The parts of one person's name, normalised."""

    given: tuple[str, ...]  # canonical given-name tokens, in written order, weak tokens kept
    marga: str = ""  # Batak family name
    titles: tuple[str, ...] = ()  # Bugis titles
    birth_order: int = 0  # Balinese birth order, 0 when none
    patronym: str = ""  # father's name from "bin"/"binti"
    sex_hint: str = ""  # "M" / "F" implied by bin/binti or I/Ni

    @property
    def key_tokens(self) -> tuple[str, ...]:
        """Given-name tokens that identify: weak tokens dropped unless nothing else is left."""
        strong = tuple(t for t in self.given if t not in WEAK_TOKENS)
        return strong or self.given


def fold(text: str) -> str:
    """Lower-case, strip accents and punctuation, squeeze spaces."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = text.replace("'", "").replace("`", "").replace("\u2019", "")
    text = _PUNCT.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


@lru_cache(maxsize=200_000)
def modernise_token(token: str) -> str:
    """Rewrite one lower-case token from the old Dutch-based spelling to the current (EYD) one.

    "j" is rewritten to "y" only in a token that shows another old-spelling marker (oe, dj, tj,
    sj), because in the current spelling "j" is a normal letter ("Joko", "Jaya").
    """
    if any(m in token for m in _OLD_MARKERS):
        token = token.replace("dj", "\x00").replace("tj", "\x01").replace("sj", "\x02")
        token = token.replace("j", "y")
        token = token.replace("\x00", "j").replace("\x01", "c").replace("\x02", "sy")
        token = token.replace("oe", "u")
    if "ch" in token:
        token = token.replace("ch", "kh")
    return token


@lru_cache(maxsize=200_000)
def canonical_token(token: str) -> str:
    """Modern spelling, then the canonical form of common-name variants."""
    token = modernise_token(token)
    return _CANONICAL.get(token, token)


def tokens(text: str) -> list[str]:
    """Folded, modernised, canonical tokens of a free-text name, noise words dropped."""
    return [canonical_token(t) for t in fold(text).split() if t not in _NOISE]


@lru_cache(maxsize=200_000)
def parse_name(text: str) -> ParsedName:
    """Split a full name into its parts (see ParsedName)."""
    toks = tokens(text)
    patronym = ""
    sex_hint = ""
    for i, t in enumerate(toks):
        if i > 0 and (t in PATRONYM_MALE or t in PATRONYM_FEMALE):
            patronym = " ".join(toks[i + 1 :])
            sex_hint = "M" if t in PATRONYM_MALE else "F"
            toks = toks[:i]
            break
    titles: list[str] = []
    birth_order = 0
    given: list[str] = []
    for i, t in enumerate(toks):
        rest = len(toks) - i - 1
        if i == 0 and t in BALINESE_SEX_PREFIX and rest > 0:
            sex_hint = sex_hint or BALINESE_SEX_PREFIX[t]
            continue
        if t in BALINESE_ORDER and rest > 0 and not birth_order:
            birth_order = BALINESE_ORDER[t]
            continue
        if t in BUGIS_TITLES and rest > 0 and not given:
            titles.append(t)
            continue
        given.append(t)
    marga = ""
    if len(given) > 1 and given[-1] in BATAK_MARGA:
        marga = given.pop()
    if not given:  # a name made only of titles/order words: keep them as the given name
        given = [t for t in toks if t not in BALINESE_SEX_PREFIX] or toks
    return ParsedName(tuple(given), marga, tuple(titles), birth_order, patronym, sex_hint)


@lru_cache(maxsize=200_000)
def phonetic_token(token: str) -> str:
    """A sound-alike form of one canonical token, tuned to Indonesian spelling habits.

    Merges kh/h, sy/s, dz/z/s, f/v/p at word start, q/k, x/ks, y/i, double letters, a silent
    final h, and final d/t, b/p devoicing ("Rahmad"/"Rahmat", "Fatimah"/"Fatima").
    """
    t = token
    for a, b in (
        ("kh", "h"), ("sy", "s"), ("dz", "s"), ("z", "s"), ("q", "k"), ("x", "ks"),
        ("v", "f"), ("ph", "f"), ("th", "t"), ("dh", "d"), ("ck", "k"), ("ie", "i"),
        ("y", "i"), ("ou", "u"), ("ee", "i"), ("oo", "u"),
    ):  # fmt: skip
        t = t.replace(a, b)
    if t.startswith("p") and len(t) > 3:
        t = "f" + t[1:]
    if len(t) > 2 and t.endswith("h") and t[-2] in "aiueo":
        t = t[:-1]
    if len(t) > 2 and t[-1] in "dbg":
        t = t[:-1] + {"d": "t", "b": "p", "g": "k"}[t[-1]]
    out: list[str] = []
    for c in t:
        if not out or out[-1] != c:
            out.append(c)
    return "".join(out)


@lru_cache(maxsize=200_000)
def skeleton(token: str) -> str:
    """A coarse key for blocking: jellyfish's metaphone over the Indonesian phonetic form."""
    return jellyfish.metaphone(phonetic_token(token)) or token[:2]


def nickname_compatible(nick: str, name: str) -> bool:
    """True when `nick` is a usual Indonesian short form of `name`.

    Short forms keep the start ("Budi" for "Budiman"), the end ("Liza" for "Nurhaliza"), or
    double the last syllable ("Kiki" for "Rizki", "Nunu" for "Wisnu").
    """
    if len(nick) < 2 or nick == name:
        return nick == name
    if len(nick) >= 3 and (name.startswith(nick) or name.endswith(nick)):
        return True
    half = len(nick) // 2
    if len(nick) % 2 == 0 and nick[:half] == nick[half:] and len(nick) >= 4:
        syl = nick[:half]
        return name.endswith(syl) or phonetic_token(name).endswith(phonetic_token(syl))
    return False
