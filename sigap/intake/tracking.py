"""Tracking codes: 12 Crockford base32 characters = 60 random bits, shown as K7QM-4XPA-9TZD.

Crockford's alphabet has no I, L, O or U, so a code read aloud or copied from paper is hard to get
wrong; when typed back, O is read as 0 and I/L as 1, and dashes, spaces and case are ignored.
At 60 bits, guessing one of a million live codes takes ~10^12 tries on average.
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 12
GROUP = 4
_TYPO = str.maketrans({"O": "0", "I": "1", "L": "1"})
_VALID_RE = re.compile(rf"^[{ALPHABET}]{{{LENGTH}}}$")
_SEPARATORS_RE = re.compile(r"[\s\-–.]")


def new_code() -> str:
    # 60 random bits, five per character.
    bits = secrets.randbits(5 * LENGTH)
    return "".join(ALPHABET[(bits >> (5 * i)) & 31] for i in range(LENGTH))


def normalize(raw: str) -> str | None:
    """The stored form of a typed code, or None when it cannot be a code."""
    text = _SEPARATORS_RE.sub("", raw or "").upper().translate(_TYPO)
    return text if _VALID_RE.match(text) else None


def display(code: str) -> str:
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))
