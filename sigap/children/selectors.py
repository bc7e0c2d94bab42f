"""Reads of the child registry, always scoped to the reader (children_visible_to).

An object the user may not see is a 404 (Http404), never a 403: its existence is not revealed.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, overload

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from sigap.accounts.models import CHILD_DATA_ROLES, User
from sigap.children import crypto
from sigap.children.access import (
    children_visible_to,
    listed_children,
    remember_visible,
    successors_q,
)
from sigap.children.models import Child, FamilyMember, Incident, Person
from sigap.children.policies import EDITOR_ROLES
from sigap.children.search import CANDIDATE_CAP, rank
from sigap.geo.models import ANCESTORS

LIST_COUNT_CAP = 10_000


@dataclass(frozen=True)
class ChildFilters:
    q: str = ""
    sex: str = ""
    kelurahan: str = ""  # a village code, or a district/regency code (everything inside it)
    origin: str = ""  # "pendatang", "local", or a region code (children from inside it)
    school_status: str = ""


def _filtered(qs: QuerySet[Child], f: ChildFilters) -> QuerySet[Child]:
    if f.sex:
        qs = qs.filter(sex=f.sex)
    if f.school_status:
        qs = qs.filter(school_status=f.school_status)
    if f.kelurahan:
        qs = qs.filter(
            Q(kelurahan_id=f.kelurahan) | Q(kelurahan__code__startswith=f.kelurahan + ".")
        )
    home = settings.SIGAP_HOME_REGENCY
    local = Q(origin_region_id=home) | Q(origin_region__code__startswith=home + ".")
    if f.origin == "pendatang":
        qs = qs.filter(origin_region__isnull=False).exclude(local)
    elif f.origin == "local":
        qs = qs.filter(local)
    elif f.origin:
        qs = qs.filter(
            Q(origin_region_id=f.origin) | Q(origin_region__code__startswith=f.origin + ".")
        )
    return qs


def _list_related(qs: QuerySet[Child]) -> QuerySet[Child]:
    return qs.select_related("kelurahan", "origin_region")


def looks_like_identity_number(q: str) -> bool:
    return crypto.is_valid_identity_number(q.strip())


class RankedChildren(Sequence[Child]):
    """Search results in rank order, loading only the rows of the requested slice (so the
    paginator fetches one page of children, not the whole candidate list)."""

    def __init__(self, ids: list[uuid.UUID], base: QuerySet[Child], capped: bool) -> None:
        self.ids = ids
        self.base = base
        self.capped = capped

    def __len__(self) -> int:
        return len(self.ids)

    @overload
    def __getitem__(self, index: int) -> Child: ...
    @overload
    def __getitem__(self, index: slice) -> list[Child]: ...
    def __getitem__(self, index: int | slice) -> Child | list[Child]:
        if isinstance(index, int):
            return self[index : index + 1][0]
        wanted = self.ids[index]
        rows = {c.pk: c for c in self.base.filter(pk__in=wanted)}
        return [rows[pk] for pk in wanted if pk in rows]


def child_list_for(*, user: User, filters: ChildFilters) -> QuerySet[Child] | RankedChildren:
    """The children the user may see, filtered: newest first, or by relevance for a name search.
    A 16-digit search is an exact NIK / family-card lookup through the blind indexes."""
    visible = _filtered(listed_children(children_visible_to(user)), filters)
    q = filters.q.strip()
    if not q:
        return _list_related(visible).order_by("-created_at", "pk")
    if looks_like_identity_number(q):
        return _list_related(_by_identity_number(visible, q)).order_by("-created_at", "pk")
    ranking = rank(q, scope=visible)
    return RankedChildren(
        [h.child_id for h in ranking.hits], _list_related(visible), ranking.capped
    )


def _by_identity_number(qs: QuerySet[Child], number: str) -> QuerySet[Child]:
    """The children of `qs` with this NIK or family-card number (exact, through the blind
    indexes), and those that stand for a child with it (the survivor of a merge: the merged
    record keeps its own numbers, and its survivor is found by them while the merge is
    active; nothing is copied, so an undo needs nothing undone)."""
    match = Q(nik_index=crypto.blind_index(number, field="nik")) | Q(
        family_card_index=crypto.blind_index(number, field="family_card")
    )
    standing_for = successors_q(Child.objects.filter(match).values("pk"))
    return qs.filter(match if standing_for is None else match | standing_for)


def child_search(
    *, user: User, q: str, limit: int = 25, offset: int = 0
) -> tuple[list[Child], int, bool]:
    """One page of the user's visible children matching `q` (name with typos, alias, or NIK):
    (children, count, count_is_capped). An empty `q` lists the newest children."""
    results = child_list_for(user=user, filters=ChildFilters(q=q))
    if isinstance(results, RankedChildren):
        return list(results[offset : offset + limit]), len(results), results.capped
    count = results[: LIST_COUNT_CAP + 1].count()
    return list(results[offset : offset + limit]), count, count > LIST_COUNT_CAP


def child_ids_matching_name(
    q: str, *, within: QuerySet[Any] | None = None, limit: int = CANDIDATE_CAP
) -> list[list[uuid.UUID]]:
    """Ids of the children whose name or alias matches `q`, at most `limit`, in tiers of equal
    match quality (same number of name tokens matched, same similarity), best tier first.

    `within`: a queryset whose `pk` values are the child ids to search among, e.g. the child ids
    of the cases a user may see, already filtered (`Case...values("child_id")` won't do: pass
    `Child.objects.filter(pk__in=...)`). Searching inside that set keeps a common name from
    filling the cap with children the caller will drop. UNSCOPED when None: it ignores who is
    asking, and the other domains that call it (the case list) filter the ids with their own
    access rules. Never show its result without scoping it."""
    tiers: list[list[uuid.UUID]] = []
    last: tuple[int, float, int] | None = None
    for hit in rank(q, scope=within, cap=max(limit, CANDIDATE_CAP)).hits[:limit]:
        key = (hit.matched, hit.score, hit.other_tokens)
        if key != last:
            tiers.append([])
            last = key
        tiers[-1].append(hit.child_id)
    return tiers


def child_ids_with_identity_number(number: str) -> list[uuid.UUID]:
    """Ids of ALL children with this NIK or family-card number (exact), and of the records
    that stand for them (a merge's survivor). UNSCOPED, like child_ids_matching_name: callers
    must scope."""
    if not crypto.is_valid_identity_number(number):
        return []
    return list(_by_identity_number(Child.objects.all(), number).values_list("pk", flat=True))


def child_get_for(*, user: User, child_id: uuid.UUID | str) -> Child:
    """The child with its aliases and family, or Http404 when not visible to the user."""
    try:
        pk = uuid.UUID(str(child_id))
    except ValueError as exc:
        raise Http404 from exc
    child = (
        children_visible_to(user)
        .select_related(
            "kelurahan__" + ANCESTORS,
            "origin_region__" + ANCESTORS,
            "registered_by_agency",
            "created_by",
        )
        .prefetch_related(
            "aliases",
            Prefetch(
                "family_members",
                queryset=FamilyMember.objects.select_related("sibling_child").order_by(
                    "relation", "full_name", "pk"
                ),
            ),
        )
        .filter(pk=pk)
        .first()
    )
    if child is None:
        raise Http404
    remember_visible(user, child)
    return child


def family_member_get_for(*, user: User, child: Child, member_id: int) -> FamilyMember:
    member = FamilyMember.objects.filter(child=child, pk=member_id).first()
    if member is None:
        raise Http404
    return member


def visible_children_by_ids(*, user: User, ids: list[Any]) -> list[Child]:
    """The subset of `ids` the user may see, as children (for pickers and link targets)."""
    if not ids:
        return []
    return list(children_visible_to(user).filter(pk__in=ids))


# --- persons ------------------------------------------------------------------------------------


def _regencies(user: User, roles: Any) -> list[str]:
    return sorted({m.agency.regency_code for m in user.active_memberships if m.role in roles})


def person_list_for(*, user: User, q: str = "", role: str = "") -> QuerySet[Person]:
    persons = Person.objects.filter(regency_code__in=_regencies(user, CHILD_DATA_ROLES))
    if q.strip():
        term = q.strip()
        persons = persons.filter(Q(full_name__icontains=term) | Q(aliases__icontains=term))
    if role:
        persons = persons.filter(role=role)
    return persons.order_by("full_name", "pk")


def person_get_for(*, user: User, person_id: int) -> Person:
    person = (
        person_list_for(user=user).select_related("agency", "created_by").filter(pk=person_id)
    ).first()
    if person is None:
        raise Http404
    return person


# --- incidents ---------------------------------------------------------------------------------


def incident_list_for(*, user: User) -> QuerySet[Incident]:
    return (
        Incident.objects.filter(regency_code__in=_regencies(user, EDITOR_ROLES))
        .select_related("kelurahan", "agency")
        .order_by("-occurred_at", "-pk")
    )


def incident_get_for(*, user: User, incident_id: int) -> Incident:
    incident = (
        incident_list_for(user=user)
        .select_related("kelurahan__" + ANCESTORS, "created_by")
        .filter(pk=incident_id)
        .first()
    )
    if incident is None:
        raise Http404
    return incident


def incident_children_for(*, user: User, incident: Incident) -> tuple[list[Child], int]:
    """The incident's children that the user may see, and how many others it has."""
    linked = Child.objects.filter(incident_links__incident=incident)
    visible = list(
        _list_related(children_visible_to(user).filter(incident_links__incident=incident))
        .order_by("full_name", "pk")
        .distinct()
    )
    return visible, linked.count() - len(visible)
