"""Children as the matching engine's records, read from the database in a few queries.

Internal to this app: callers pass querysets already scoped to the user (selectors) or to the
home regency (the nightly task). The NIK is never decrypted: equal blind indexes become equal
16-digit stand-ins, so the engine's "same NIK" level still fires and nothing clear leaves the DB.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from django.db.models import QuerySet
from django.utils import timezone

from sigap.children.models import Child, ChildAlias, FamilyMember, Relation, age_on
from sigap.matching import Record

PARENT_RELATIONS: dict[str, str] = {
    Relation.FATHER.value: "father_name",
    Relation.MOTHER.value: "mother_name",
}
CHUNK = 5000

_VALUES = (
    "pk",
    "full_name",
    "sex",
    "birth_date",
    "birth_date_is_estimated",
    "place_of_birth",
    "origin_region__name",
    "address",
    "kelurahan__name",
    "nik_index",
)


def nik_stand_in(blind_index: str) -> str:
    """A 16-digit stand-in for a NIK known only by its blind index (equal in, equal out)."""
    if not blind_index:
        return ""
    return f"{int(blind_index, 16) % 10**16:016d}"


def birth_fields(birth_date: date | None, estimated: bool, today: date) -> dict[str, str]:
    if birth_date is None:
        return {}
    if estimated:
        return {"age": str(age_on(birth_date, today))}
    return {"birth_date": birth_date.isoformat()}


def child_records(qs: QuerySet[Child], *, today: date | None = None) -> list[Record]:
    """One Record per child of `qs` (id = str(pk)), aliases and parents' names included.
    Three queries per CHUNK children."""
    today = today or timezone.localdate()
    out: list[Record] = []
    rows = list(qs.order_by().values(*_VALUES))
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        ids = [r["pk"] for r in chunk]
        aliases = _aliases(ids)
        parents = _parents(ids)
        for r in chunk:
            pk = r["pk"]
            out.append(
                Record(
                    id=str(pk),
                    full_name=r["full_name"],
                    alias=" ".join(aliases.get(pk, ())),
                    sex=r["sex"] or "",
                    place_of_birth=r["place_of_birth"] or "",
                    origin=r["origin_region__name"] or "",
                    address=r["address"] or "",
                    kelurahan=r["kelurahan__name"] or "",
                    nik=nik_stand_in(r["nik_index"]),
                    **birth_fields(r["birth_date"], r["birth_date_is_estimated"], today),
                    **parents.get(pk, {}),
                )
            )
    return out


def _aliases(ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    out: dict[uuid.UUID, list[str]] = defaultdict(list)
    for child_id, alias in ChildAlias.objects.filter(child_id__in=list(ids)).values_list(
        "child_id", "alias"
    ):
        out[child_id].append(alias)
    return out


def _parents(ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, dict[str, str]]:
    out: dict[uuid.UUID, dict[str, str]] = defaultdict(dict)
    rows = (
        FamilyMember.objects.filter(child_id__in=list(ids), relation__in=list(PARENT_RELATIONS))
        .order_by("pk")
        .values_list("child_id", "relation", "full_name")
    )
    for child_id, relation, name in rows:
        out[child_id].setdefault(PARENT_RELATIONS[relation], name)
    return out
