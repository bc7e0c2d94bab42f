"""Demo duplicates: a few demo children registered a second time, as happens with street
children (a nickname instead of the name, the old Dutch-based spelling of a parent's notes, an
estimated age, another kelurahan, no NIK), then the nightly search, so the review list of
`make run` has pairs to look at. Deterministic for a given rng; synthetic data only.

Rows are written with bulk_create like the children demo (a fixture load is not an event); the
search itself runs through the service, as the nightly job would (one audited system event).
"""

from __future__ import annotations

from datetime import timedelta
from random import Random
from typing import Any

from django.db import transaction
from django.utils import timezone

from sigap.children.demo import NICKNAMES
from sigap.children.models import AliasKind, Child, ChildAlias, FamilyMember, Relation, age_on
from sigap.children.search import bulk_index
from sigap.dedupe.models import DuplicateCandidate
from sigap.dedupe.services import find_duplicates

# New spelling -> the spelling before 1972 (EYD), longest first: kh/sy before the single letters,
# j before y (an old j is a new y, an old dj a new j).
_OLD_SPELLING = (("kh", "ch"), ("sy", "sj"), ("j", "dj"), ("y", "j"), ("c", "tj"), ("u", "oe"))
_MUHAMMAD = ("M.", "Moh.", "Muh.", "Mochammad")


def old_spelling(name: str) -> str:
    """Each word rewritten in the old spelling: Yusuf Cahyadi becomes Joesoef Tjahjadi."""
    words = []
    for word in name.split():
        lower, out, i = word.lower(), "", 0
        while i < len(lower):
            for new, old in _OLD_SPELLING:
                if lower.startswith(new, i):
                    out += old
                    i += len(new)
                    break
            else:
                out += lower[i]
                i += 1
        words.append(out.capitalize())
    return " ".join(words)


def variant(rng: Random, full_name: str) -> tuple[str, list[tuple[str, str]], str]:
    """Another registration's name for the same child: (full name, aliases, how it differs)."""
    words = full_name.split()
    kinds = ["nickname", "old_spelling", "swapped"]
    if words[0] in ("Muhammad", "Ahmad") and len(words) > 1:
        kinds.append("muhammad")
    kind = rng.choice(kinds)
    if kind == "muhammad":
        return " ".join([rng.choice(_MUHAMMAD), *words[1:]]), [], kind
    if kind == "old_spelling" and old_spelling(full_name) != full_name:
        return old_spelling(full_name), [], kind
    if kind == "swapped" and len(words) > 1:
        return " ".join([*words[1:], words[0]]), [], kind
    # Known on the street by a nickname only; the given name is noted as an alias.
    nick = rng.choice(NICKNAMES)
    return nick, [(words[0], AliasKind.NICKNAME)], "nickname"


@transaction.atomic
def seed(
    *,
    rng: Random,
    scale: int,
    home_regency: Any,
    out: Any,
    children: list[Child] | None = None,
    **_: Any,
) -> dict[str, Any]:
    if scale <= 0 or not children:
        return {}
    if DuplicateCandidate.objects.exists() or Child.objects.count() > len(children):
        out.write("Demo duplicates: loaded already (or children registered since), none added.")
        return {}
    today = timezone.localdate()
    count = max(3, min(12, scale // 25))
    originals = rng.sample(list(children), k=min(count, len(children)))  # in creation order
    mothers = dict(
        FamilyMember.objects.filter(child__in=originals, relation=Relation.MOTHER).values_list(
            "child_id", "full_name"
        )
    )
    villages = sorted({c.kelurahan_id for c in children if c.kelurahan_id})
    twins: list[Child] = []
    aliases: list[ChildAlias] = []
    family: list[FamilyMember] = []
    names: dict[Any, list[str]] = {}
    kinds: dict[str, int] = {}
    for original in originals:
        full_name, extra, kind = variant(rng, original.full_name)
        kinds[kind] = kinds.get(kind, 0) + 1
        birth, estimated = original.birth_date, original.birth_date_is_estimated
        if birth is not None and rng.random() < 0.6:  # "about N years old", as told on the street
            age = age_on(birth, today) + rng.choice((-1, 0, 0, 1))
            birth, estimated = today - timedelta(days=365 * age + 180), True
        moved = villages and rng.random() < 0.4
        twin = Child(
            full_name=full_name,
            sex=original.sex,
            birth_date=birth,
            birth_date_is_estimated=estimated,
            place_of_birth="" if estimated else original.place_of_birth,
            origin_region_id=original.origin_region_id,
            kelurahan_id=rng.choice(villages) if moved else original.kelurahan_id,
            address="" if moved else original.address,
            religion=original.religion,
            regency_code=original.regency_code,
            registered_by_agency_id=original.registered_by_agency_id,
            created_by_id=original.created_by_id,
        )
        twins.append(twin)
        names[twin.pk] = [alias for alias, _kind in extra]
        aliases += [ChildAlias(child=twin, alias=a, kind=k) for a, k in extra]
        if original.pk in mothers:
            family.append(
                FamilyMember(
                    child=twin,
                    full_name=mothers[original.pk],
                    relation=Relation.MOTHER,
                    is_guardian=True,
                )
            )
    Child.objects.bulk_create(twins)
    ChildAlias.objects.bulk_create(aliases)
    FamilyMember.objects.bulk_create(family)
    bulk_index((t.pk, t.full_name, names[t.pk]) for t in twins)
    result = find_duplicates()
    described = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in sorted(kinds.items()))
    out.write(
        f"Demo duplicates: {len(twins)} children registered twice ({described}); "
        f"the search proposed {result.proposed} possible duplicates."
    )
    return {"duplicates": twins}
