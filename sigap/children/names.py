"""Name tokens for the child search, from the shared normaliser in `sigap.matching`.

`sigap.matching.normalize.tokens` folds case and accents, rewrites the old spelling and maps the
spelling variants of common names to one token ("Muhamad", "Mochammad" -> "muhammad"; "Rizki",
"Rizqy" -> "rizky"). Indexing and querying both go through `name_tokens`, so they always agree.
"""

from __future__ import annotations

from collections.abc import Iterable

from sigap.matching.normalize import phonetic_token, tokens

MAX_TOKEN_LENGTH = 40


def name_tokens(*texts: str) -> list[str]:
    """Distinct search tokens of one or more names, in order of first appearance."""
    seen: dict[str, None] = {}
    for text in texts:
        for token in tokens(text or ""):
            token = token[:MAX_TOKEN_LENGTH]
            if len(token) >= 2 or token.isdigit():
                seen.setdefault(token, None)
    return list(seen)


def child_tokens(full_name: str, aliases: Iterable[str]) -> list[str]:
    return name_tokens(full_name, *aliases)


def sound_key(token: str) -> str:
    """Sound-alike key of one token (same key: pronounced alike in Indonesian)."""
    return phonetic_token(token)
