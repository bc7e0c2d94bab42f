"""Reads of possible duplicates, always scoped to the reader: a pair is shown only when both
children are visible to the user (children_visible_to); the suggestions for a child being
registered come only from the children the user may see, and never a record merged into another
(its survivor stands for it)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import QuerySet
from django.http import Http404

from sigap.accounts.models import User
from sigap.children.access import children_visible_to, listed_children, remember_visible
from sigap.children.models import Child
from sigap.children.search import rank
from sigap.dedupe import explain
from sigap.dedupe.models import CandidateStatus, ChildMerge, DuplicateCandidate
from sigap.dedupe.records import child_records
from sigap.dedupe.scoring import score_against
from sigap.matching import Record

SUGGEST_CANDIDATES = 200
SUGGEST_LIMIT = 5
SUGGEST_MIN_SCORE = 0.01
POPULATION_SECONDS = 600


@dataclass(frozen=True)
class SuggestQuery:
    """What the registration form knows so far (all optional but a name or an alias)."""

    full_name: str = ""
    aliases: list[str] = field(default_factory=list)
    sex: str = ""
    birth_date: Any = None  # date
    estimated_age: int | None = None
    place_of_birth: str = ""
    origin: str = ""  # region name
    kelurahan: str = ""  # region name
    address: str = ""
    father_name: str = ""
    mother_name: str = ""

    @property
    def names(self) -> list[str]:
        return [n for n in [self.full_name, *self.aliases] if n.strip()]

    def record(self) -> Record:
        birth: dict[str, str] = {}
        if self.birth_date is not None:
            birth = {"birth_date": self.birth_date.isoformat()}
        elif self.estimated_age is not None:
            birth = {"age": str(self.estimated_age)}
        return Record(
            id="new",
            full_name=self.full_name or (self.aliases[0] if self.aliases else ""),
            alias=" ".join(self.aliases),
            sex=self.sex,
            place_of_birth=self.place_of_birth,
            origin=self.origin,
            kelurahan=self.kelurahan,
            address=self.address,
            father_name=self.father_name,
            mother_name=self.mother_name,
            **birth,
        )


@dataclass(frozen=True)
class Suggestion:
    child: Child
    score: float
    lines: list[explain.Line]

    @property
    def percent(self) -> int:
        return round(self.score * 100)


def registry_population() -> int:
    """Children of the home regency (the prior of a match), cached for ten minutes."""
    key = "sigap:dedupe:population"
    value = cache.get(key)
    if value is None:
        value = Child.objects.filter(regency_code=settings.SIGAP_HOME_REGENCY).count()
        cache.set(key, value, POPULATION_SECONDS)
    return int(value)


def suggestions_for(
    *, user: User, query: SuggestQuery, limit: int = SUGGEST_LIMIT
) -> list[Suggestion]:
    """The best `limit` possible matches for a child being registered, among the children the
    user may see, each with the engine's explanation. Children shortlisted by the name-token
    search (at most SUGGEST_CANDIDATES, scoped to the user inside the search), scored by
    sigap.matching. Records merged into another are left out: the survivor carries their names."""
    names = query.names
    if not names:
        return []
    visible = listed_children(children_visible_to(user))
    ids: dict[uuid.UUID, None] = {}
    for name in names[:4]:
        for hit in rank(name, scope=visible, cap=SUGGEST_CANDIDATES).hits:
            ids.setdefault(hit.child_id)
        if len(ids) >= SUGGEST_CANDIDATES:
            break
    if not ids:
        return []
    shortlist = visible.filter(pk__in=list(ids)[:SUGGEST_CANDIDATES])
    stored = child_records(shortlist)
    scored = [
        s
        for s in score_against(query.record(), stored, population=registry_population())
        if s.score >= SUGGEST_MIN_SCORE
    ][:limit]
    if not scored:
        return []
    wanted = [uuid.UUID(s.id) for s in scored]
    children = {
        c.pk: c for c in visible.filter(pk__in=wanted).select_related("kelurahan", "origin_region")
    }
    out = []
    for s in scored:
        child = children.get(uuid.UUID(s.id))
        if child is None:
            continue
        remember_visible(user, child)
        out.append(
            Suggestion(
                child=child,
                score=s.score,
                lines=explain.lines(explain.to_json(s.explanation)),
            )
        )
    return out


# --- review -----------------------------------------------------------------------------------


def _pairs_visible(user: User) -> QuerySet[DuplicateCandidate]:
    visible = children_visible_to(user).values("pk")
    return DuplicateCandidate.objects.filter(child_a__in=visible, child_b__in=visible)


def candidate_list_for(
    *, user: User, status: str = CandidateStatus.PROPOSED
) -> QuerySet[DuplicateCandidate]:
    """Pairs whose two children the user may both see, best score first. A proposal that names
    a record merged into another meanwhile is left out: the nightly run proposes its survivor."""
    qs = _pairs_visible(user)
    if status:
        qs = qs.filter(status=status)
    if status == CandidateStatus.PROPOSED:
        merged = ChildMerge.objects.filter(undone_at__isnull=True).values("merged_id")
        qs = qs.exclude(child_a__in=merged).exclude(child_b__in=merged)
    return qs.select_related("child_a__kelurahan", "child_b__kelurahan", "decided_by").order_by(
        "-score", "pk"
    )


def candidate_get_for(*, user: User, pk: int) -> DuplicateCandidate:
    candidate = (
        _pairs_visible(user)
        .select_related(
            "child_a__kelurahan",
            "child_a__origin_region",
            "child_b__kelurahan",
            "child_b__origin_region",
            "decided_by",
        )
        .filter(pk=pk)
        .first()
    )
    if candidate is None:
        raise Http404
    remember_visible(user, candidate.child_a)
    remember_visible(user, candidate.child_b)
    return candidate


def merges_of(*, user: User, candidate: DuplicateCandidate) -> list[ChildMerge]:
    """The merges (active and undone) of a pair the user may see."""
    return list(
        ChildMerge.objects.filter(candidate=candidate)
        .select_related("merged_by", "undone_by", "survivor", "merged")
        .order_by("-created_at", "-pk")
    )


def merge_get_for(*, user: User, pk: int) -> ChildMerge:
    visible = children_visible_to(user).values("pk")
    merge = (
        ChildMerge.objects.filter(pk=pk, survivor__in=visible, merged__in=visible)
        .select_related("candidate", "survivor", "merged")
        .first()
    )
    if merge is None:
        raise Http404
    remember_visible(user, merge.survivor)
    remember_visible(user, merge.merged)
    return merge
