"""Typo-tolerant name search over a million children, the same on SQLite and PostgreSQL.

Plain pg_trgm over 1M names misses the 100 ms budget (shared/reference/postgres-search-1m.md):
one common token ("Muhammad") drags 100k rows through the similarity recheck. Instead:

1. Each child's full name and aliases are normalised (`sigap.children.names`, which maps spelling
   variants such as Muhamad/Mochammad to one token) into distinct tokens, stored as postings
   `ChildNameToken(token, child)` with a unique (token, child) index, and counted per token in the
   vocabulary `NameToken` (~100k distinct tokens at 1M children).
2. A query is tokenised the same way. Each query token expands to vocabulary tokens: itself, the
   tokens that sound alike (`phonetic_token`), the tokens within a small edit distance (rapidfuzz
   over the vocabulary held in process memory) and, for the last token, tokens it is a prefix of.
3. Postings are read with indexed lookups, rarest token first: first the children that match every
   query token (an index-driven semi-join), then, up to the cap, children matching the rarer
   tokens only; each candidate is ranked by how many query tokens it matches and how closely.

Queries per search: one for the vocabulary counts of the expansions, one or two for candidates,
one for ranking, whatever the size of the registry. The vocabulary in memory is refreshed when
this process adds tokens and otherwise checked every VOCABULARY_TTL seconds (one count query).
"""

from __future__ import annotations

import bisect
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F, QuerySet
from rapidfuzz import fuzz, process

from sigap.children.models import Child, ChildNameToken, NameToken
from sigap.children.names import child_tokens, name_tokens, sound_key

CANDIDATE_CAP = 1000
MAX_QUERY_TOKENS = 6
MAX_EXPANSIONS = 25
VOCABULARY_TTL = 60.0

# Similarity of an expansion, 0..1; the exact token is 1.0.
SOUND_ALIKE = 0.95
PREFIX = 0.85


def _fuzzy_cutoff(token: str) -> float | None:
    """rapidfuzz ratio (0–100) needed for a typo match: about one edit for short tokens, two for
    long ones; tokens under four letters match only exactly, by sound or as a prefix."""
    n = len(token)
    if n < 4:
        return None
    if n <= 5:
        return 74.0
    if n <= 8:
        return 76.0
    return 80.0


@dataclass
class Vocabulary:
    tokens: list[str] = field(default_factory=list)  # sorted, for prefix lookups
    counts: dict[str, int] = field(default_factory=dict)
    # Tuples of strings, not lists: the garbage collector stops tracking them, so tens of
    # thousands of groups held for the life of the process add nothing to each full collection.
    by_sound: dict[str, tuple[str, ...]] = field(default_factory=dict)
    size: int = 0
    checked_at: float = 0.0

    @classmethod
    def load(cls) -> Vocabulary:
        counts = dict(
            NameToken.objects.filter(child_count__gt=0).values_list("token", "child_count")
        )
        by_sound: dict[str, list[str]] = defaultdict(list)
        for token in counts:
            by_sound[sound_key(token)].append(token)
        # One join and split makes fresh strings laid out one after the other in memory; the
        # strings of the query rows lie scattered among everything else the load allocated, and
        # the typo scan (rapidfuzz over every token) ran 4-6 times slower over them: 10-17 ms
        # against 2-3 ms per query token at 45,000 tokens. Tokens never contain a newline.
        packed = "\n".join(sorted(counts)).split("\n") if counts else []
        return cls(
            tokens=packed,
            counts=counts,
            by_sound={key: tuple(group) for key, group in by_sound.items()},
            size=NameToken.objects.count(),
            checked_at=time.monotonic(),
        )

    def expand(self, token: str, *, prefix: bool) -> dict[str, float]:
        """Vocabulary tokens that `token` may stand for, with their similarity (0..1)."""
        out: dict[str, float] = {token: 1.0}
        for alike in self.by_sound.get(sound_key(token), ()):
            out.setdefault(alike, SOUND_ALIKE)
        cutoff = _fuzzy_cutoff(token)
        if cutoff is not None and self.tokens:
            for match, score, _index in process.extract(
                token, self.tokens, scorer=fuzz.ratio, score_cutoff=cutoff, limit=MAX_EXPANSIONS
            ):
                out.setdefault(match, score / 100.0)
        if prefix and len(token) >= 3:
            start = bisect.bisect_left(self.tokens, token)
            longer = []
            for candidate in self.tokens[start : start + 500]:
                if not candidate.startswith(token):
                    break
                longer.append(candidate)
            longer.sort(key=lambda t: -self.counts.get(t, 0))
            for candidate in longer[:MAX_EXPANSIONS]:
                out.setdefault(candidate, PREFIX)
        return out


_vocabulary: Vocabulary | None = None
_lock = threading.Lock()


def vocabulary() -> Vocabulary:
    """The in-process vocabulary, reloaded when the table changed size since the last check."""
    global _vocabulary
    with _lock:
        vocab = _vocabulary
        now = time.monotonic()
        if vocab is not None and now - vocab.checked_at < VOCABULARY_TTL:
            return vocab
        if vocab is not None and NameToken.objects.count() == vocab.size:
            vocab.checked_at = now
            return vocab
        _vocabulary = Vocabulary.load()
        return _vocabulary


def invalidate_vocabulary() -> None:
    global _vocabulary
    with _lock:
        _vocabulary = None


# --- indexing (called by the services, inside their transaction) -------------------------------


def reindex_child(child: Child, *, aliases: Iterable[str] | None = None) -> None:
    """Bring the postings and vocabulary counts of one child in line with its name and aliases."""
    if aliases is None:
        aliases = child.aliases.values_list("alias", flat=True)
    wanted = set(child_tokens(child.full_name, aliases))
    current = set(ChildNameToken.objects.filter(child=child).values_list("token", flat=True))
    added, removed = wanted - current, current - wanted
    if removed:
        ChildNameToken.objects.filter(child=child, token__in=removed).delete()
        NameToken.objects.filter(token__in=removed).update(child_count=F("child_count") - 1)
    if added:
        ChildNameToken.objects.bulk_create(ChildNameToken(child=child, token=t) for t in added)
        _count_tokens(added)


def _count_tokens(tokens: Iterable[str]) -> None:
    tokens = set(tokens)
    existing = set(NameToken.objects.filter(token__in=tokens).values_list("token", flat=True))
    if existing:
        NameToken.objects.filter(token__in=existing).update(child_count=F("child_count") + 1)
    new = tokens - existing
    if new:
        # ignore_conflicts: a concurrent registration may add the same new token first.
        NameToken.objects.bulk_create(
            (NameToken(token=t, child_count=1) for t in sorted(new)), ignore_conflicts=True
        )
        transaction.on_commit(invalidate_vocabulary)


def bulk_index(children: Iterable[tuple[uuid.UUID, str, list[str]]], *, batch: int = 5000) -> int:
    """Index many new children at once (demo data, imports): (id, full name, aliases) each.
    Returns the number of postings written."""
    counts: dict[str, int] = defaultdict(int)
    postings: list[ChildNameToken] = []
    total = 0
    for child_id, full_name, aliases in children:
        for token in child_tokens(full_name, aliases):
            postings.append(ChildNameToken(child_id=child_id, token=token))
            counts[token] += 1
        if len(postings) >= batch:
            ChildNameToken.objects.bulk_create(postings, batch_size=batch)
            total += len(postings)
            postings = []
    ChildNameToken.objects.bulk_create(postings, batch_size=batch)
    total += len(postings)
    existing = set(NameToken.objects.filter(token__in=list(counts)).values_list("token", flat=True))
    NameToken.objects.bulk_create(
        (NameToken(token=t, child_count=n) for t, n in counts.items() if t not in existing),
        batch_size=batch,
    )
    for token in existing:
        NameToken.objects.filter(token=token).update(child_count=F("child_count") + counts[token])
    transaction.on_commit(invalidate_vocabulary)
    return total


# --- querying ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    child_id: uuid.UUID
    matched: int  # how many query tokens it matches
    score: float  # sum of the best similarity per matched query token
    other_tokens: int  # name/alias tokens that match no query token


@dataclass(frozen=True)
class Ranking:
    hits: list[Hit]
    capped: bool  # more candidates existed than CANDIDATE_CAP


def rank(q: str, *, scope: QuerySet[Child] | None = None, cap: int = CANDIDATE_CAP) -> Ranking:
    """Children whose names or aliases match `q`, best first, at most `cap`.

    `scope`: a queryset of the children allowed (children_visible_to(user)); None searches all
    children, which only internal callers that scope the result themselves may do."""
    query_tokens = name_tokens(q)[:MAX_QUERY_TOKENS]
    if not query_tokens:
        return Ranking([], False)
    vocab = vocabulary()
    groups = [
        vocab.expand(t, prefix=(i == len(query_tokens) - 1)) for i, t in enumerate(query_tokens)
    ]
    all_tokens = sorted({t for g in groups for t in g})
    counts = dict(
        NameToken.objects.filter(token__in=all_tokens).values_list("token", "child_count")
    )
    groups = [{t: s for t, s in g.items() if counts.get(t)} for g in groups]
    live = [g for g in groups if g]
    if not live:
        return Ranking([], False)
    live.sort(key=lambda g: sum(counts[t] for t in g))  # rarest first

    postings = ChildNameToken.objects.all()
    if scope is not None:
        postings = postings.filter(child__in=scope.values("pk"))

    def matching_all(groups: list[dict[str, float]], limit: int) -> list[uuid.UUID]:
        qs = postings.filter(token__in=list(groups[0]))
        for g in groups[1:]:
            qs = qs.filter(
                child_id__in=ChildNameToken.objects.filter(token__in=list(g)).values("child_id")
            )
        return list(qs.values_list("child_id", flat=True).distinct()[:limit])

    # Children matching every query token; when none do and there are three or more, the children
    # matching all but one ("Budi Santoso Wijaya" still finds "Budi Santoso"), the most common
    # token dropped first.
    candidates: dict[uuid.UUID, None] = dict.fromkeys(matching_all(live, cap + 1))
    if not candidates and len(live) >= 3:
        for drop in range(len(live) - 1, -1, -1):
            rest = live[:drop] + live[drop + 1 :]
            candidates.update(dict.fromkeys(matching_all(rest, cap + 1 - len(candidates))))
            if len(candidates) > cap:
                break
    if len(live) > 1 and len(candidates) <= cap:
        # Children that match only some query tokens: from the tokens rare enough to list.
        rare = [t for g in live if sum(counts[t] for t in g) <= cap for t in g]
        if rare:
            partial = (
                postings.filter(token__in=rare)
                .exclude(child_id__in=list(candidates))
                .values_list("child_id", flat=True)
                .distinct()[: cap + 1 - len(candidates)]
            )
            candidates.update(dict.fromkeys(partial))
    capped = len(candidates) > cap
    ids = list(candidates)[:cap]
    if not ids:
        return Ranking([], False)

    matched: dict[uuid.UUID, list[float]] = {pk: [0.0] * len(live) for pk in ids}
    other_tokens: dict[uuid.UUID, int] = dict.fromkeys(ids, 0)
    # All tokens of the candidates (a few per child): the ones that match score, the others
    # break ties, so "Muhammad Rizki" ranks before "Muhammad Rizki Pratama" for "Muhamad Rizky".
    rows = ChildNameToken.objects.filter(child_id__in=ids).values_list("child_id", "token")
    for child_id, token in rows:
        best = matched[child_id]
        hit = False
        for i, g in enumerate(live):
            similarity = g.get(token)
            if similarity is not None:
                hit = True
                if similarity > best[i]:
                    best[i] = similarity
        if not hit:
            other_tokens[child_id] += 1
    hits = [
        Hit(pk, sum(1 for s in best if s > 0), round(sum(best), 4), other_tokens[pk])
        for pk, best in matched.items()
    ]
    hits.sort(key=lambda h: (-h.matched, -h.score, h.other_tokens, str(h.child_id)))
    return Ranking(hits, capped)
