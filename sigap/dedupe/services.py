"""The only writers of possible duplicates and merges. Policies are checked by the callers (views,
the task); every change is audited in its own transaction, with ids and field names only."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from sigap.accounts.models import User
from sigap.care import services as care_services
from sigap.care.models import CareArrangement, EducationRecord
from sigap.cases import services as case_services
from sigap.cases.models import Case
from sigap.children import services as children_services
from sigap.children.models import AliasKind, Child, ChildAlias, IncidentChild
from sigap.core.audit import audit_log
from sigap.dedupe import explain
from sigap.dedupe.models import (
    CandidateSource,
    CandidateStatus,
    ChildMerge,
    DuplicateCandidate,
    MergedAlias,
    MergedCase,
    MergedRecord,
    RecordKind,
    TransitionError,
    apply_transition,
)
from sigap.dedupe.records import child_records
from sigap.dedupe.scoring import find_pairs
from sigap.intake import services as intake_services
from sigap.intake.models import Report

DEFAULT_THRESHOLD = 0.5

# The models of the records a merge moves besides cases, each with a `child` foreign key.
_RECORD_MODELS: dict[str, Any] = {
    RecordKind.CARE_ARRANGEMENT: CareArrangement,
    RecordKind.EDUCATION_RECORD: EducationRecord,
    RecordKind.REPORT: Report,
    RecordKind.INCIDENT_LINK: IncidentChild,
}


def _threshold() -> float:
    return float(getattr(settings, "SIGAP_DEDUPE_THRESHOLD", DEFAULT_THRESHOLD))


def ordered(a: uuid.UUID | str, b: uuid.UUID | str) -> tuple[uuid.UUID, uuid.UUID]:
    """A pair in stored order (child_a < child_b, as the database compares uuids)."""
    ua, ub = uuid.UUID(str(a)), uuid.UUID(str(b))
    return (ua, ub) if ua.hex < ub.hex else (ub, ua)


def _check_version(candidate: DuplicateCandidate, version: int) -> DuplicateCandidate:
    current = DuplicateCandidate.objects.select_for_update().get(pk=candidate.pk)
    if current.version != version:
        raise ValidationError(
            _("Someone else changed this pair in the meantime. Reload the page and try again.")
        )
    return current


# --- the nightly search ----------------------------------------------------------------------


@dataclass(frozen=True)
class RunResult:
    children: int
    pairs_found: int
    proposed: int


def active_merged_ids() -> set[uuid.UUID]:
    return set(
        ChildMerge.objects.filter(undone_at__isnull=True).values_list("merged_id", flat=True)
    )


def find_duplicates(*, threshold: float | None = None, regency_code: str = "") -> RunResult:
    """Run the engine's batch dedupe over the children of the home regency and store the pairs
    not seen before as proposals. A pair already stored (proposed, confirmed or rejected) is left
    as it is, so a rejected pair is never proposed again. Children merged into another record are
    left out (their survivor stands for them)."""
    regency = regency_code or settings.SIGAP_HOME_REGENCY
    threshold = _threshold() if threshold is None else threshold
    merged = active_merged_ids()
    children = Child.objects.filter(regency_code=regency)
    records = [r for r in child_records(children) if uuid.UUID(r.id) not in merged]
    pairs = find_pairs(records, threshold=threshold)
    existing = set(
        DuplicateCandidate.objects.filter(regency_code=regency).values_list("child_a", "child_b")
    )
    new: dict[tuple[uuid.UUID, uuid.UUID], DuplicateCandidate] = {}
    for pair in pairs:
        a, b = ordered(pair.id_a, pair.id_b)
        if (a, b) in existing or (a, b) in new:
            continue
        new[(a, b)] = DuplicateCandidate(
            child_a_id=a,
            child_b_id=b,
            score=round(pair.score, 6),
            explanation=explain.to_json(pair.explanation),
            source=CandidateSource.NIGHTLY,
            regency_code=regency,
        )
    with transaction.atomic():
        # ignore_conflicts: a pair stored by a concurrent run or a user meanwhile stays as it is.
        DuplicateCandidate.objects.bulk_create(new.values(), batch_size=1000, ignore_conflicts=True)
        audit_log(
            actor=None,
            action="dedupe.run",
            object_type="dedupe.duplicatecandidate",
            extra={
                "children": len(records),
                "pairs_found": len(pairs),
                "proposed": len(new),
                "threshold": threshold,
            },
        )
    return RunResult(len(records), len(pairs), len(new))


# --- review ----------------------------------------------------------------------------------


@transaction.atomic
def candidate_decide(
    *, actor: User, candidate: DuplicateCandidate, decision: str, version: int
) -> DuplicateCandidate:
    """Confirm (the same child) or reject (different children) a pair. A rejected pair is final.
    A confirmed pair with an active merge must have the merge undone before it is rejected."""
    current = _check_version(candidate, version)
    if decision not in (CandidateStatus.CONFIRMED, CandidateStatus.REJECTED):
        raise ValidationError({"decision": _("Choose confirm or reject.")})
    if (
        decision == CandidateStatus.REJECTED
        and ChildMerge.objects.filter(candidate=current, undone_at__isnull=True).exists()
    ):
        raise ValidationError(
            {"decision": _("These records are merged. Undo the merge before rejecting the pair.")}
        )
    try:
        apply_transition(current, decision)
    except TransitionError:
        raise ValidationError(
            {
                "decision": _("This pair has already been decided: %(status)s.")
                % {"status": current.get_status_display()}
            }
        ) from None
    current.decided_by = actor
    current.decided_at = timezone.now()
    current.version += 1
    current.full_clean()
    current.save()
    audit_log(
        actor=actor,
        action=f"dedupe.{'confirm' if decision == CandidateStatus.CONFIRMED else 'reject'}",
        obj=current,
        changes=["status", "decided_by", "decided_at"],
    )
    return current


# --- merge -----------------------------------------------------------------------------------


def _move_cases(*, actor: User, merge: ChildMerge, to: Child, reason: str) -> int:
    """Move every case of the merged record to the survivor, remembering each one."""
    cases = list(Case.objects.select_for_update().filter(child_id=merge.merged_id).order_by("pk"))
    for case in cases:
        case_services.case_move_to_child(
            actor=actor, case=case, child=to, version=case.version, reason=reason
        )
    MergedCase.objects.bulk_create([MergedCase(merge=merge, case=case) for case in cases])
    return len(cases)


def _lock_records(kind: str, ids: Any) -> list[Any]:
    """The records of one kind with these ids (or of this child: a Q), locked, in a fixed
    order."""
    model = _RECORD_MODELS[kind]
    qs = model.objects.select_for_update(of=("self",))
    qs = qs.filter(ids) if isinstance(ids, Q) else qs.filter(pk__in=ids)
    return list(qs.order_by("pk"))


def _move_record(*, actor: User, kind: str, obj: Any, to: Child, reason: str) -> bool:
    """Move one record to `to` through its app's service. False when it stayed (an incident
    the survivor is linked to already)."""
    if kind == RecordKind.CARE_ARRANGEMENT:
        care_services.care_arrangement_move_to_child(
            actor=actor, arrangement=obj, child=to, version=obj.version, reason=reason
        )
    elif kind == RecordKind.EDUCATION_RECORD:
        care_services.education_record_move_to_child(
            actor=actor, record=obj, child=to, version=obj.version, reason=reason
        )
    elif kind == RecordKind.REPORT:
        intake_services.report_move_to_child(
            actor=actor, report=obj, child=to, version=obj.version, reason=reason
        )
    else:
        moved = children_services.incident_link_move_to_child(
            actor=actor, link=obj, child=to, reason=reason
        )
        return moved is not None
    return True


def _move_records(*, actor: User, merge: ChildMerge, to: Child, reason: str) -> dict[str, int]:
    """Move the merged record's care arrangements, education records, reports and incident
    links to the survivor (after its cases, which they follow), remembering each one moved. An
    open stay that clashes with one of the survivor refuses the whole merge (care's rule); an
    incident the survivor is in already keeps the merged record's link, and nothing is
    remembered for it. Family members stay with their record (the merge panel shows them on
    the survivor's page)."""
    counts: dict[str, int] = {}
    rows = []
    for kind in RecordKind.values:
        counts[kind] = 0
        for obj in _lock_records(kind, Q(child_id=merge.merged_id)):
            if _move_record(actor=actor, kind=kind, obj=obj, to=to, reason=reason):
                rows.append(MergedRecord(merge=merge, kind=kind, object_id=str(obj.pk)))
                counts[kind] += 1
    MergedRecord.objects.bulk_create(rows)
    return counts


def _move_records_back(*, actor: User, merge: ChildMerge, to: Child, reason: str) -> dict[str, int]:
    """Move back the records the merge moved that are still on the survivor (a record moved on
    since, or gone, stays where it is)."""
    now = timezone.now()
    counts: dict[str, int] = {}
    for kind in RecordKind.values:
        counts[kind] = 0
        rows = {
            r.object_id: r
            for r in merge.moved_records.filter(kind=kind, moved_back_at__isnull=True)
        }
        if not rows:
            continue
        model = _RECORD_MODELS[kind]
        ids = [model._meta.pk.to_python(object_id) for object_id in rows]
        for obj in _lock_records(kind, ids):
            if obj.child_id != merge.survivor_id:
                continue
            if _move_record(actor=actor, kind=kind, obj=obj, to=to, reason=reason):
                row = rows[str(obj.pk)]
                row.moved_back_at = now
                row.save(update_fields=["moved_back_at"])
                counts[kind] += 1
    return counts


def _add_names(*, actor: User, merge: ChildMerge, merged: Child, survivor: Child) -> int:
    """The merged record's full name and aliases become aliases of the survivor (those it lacks),
    so a search by any of them finds the survivor. Each alias is remembered for undo."""
    names: list[tuple[str, str]] = [(merged.full_name, AliasKind.OTHER)]
    names += list(ChildAlias.objects.filter(child=merged).values_list("alias", "kind"))
    taken = {" ".join(survivor.full_name.split())}
    taken |= set(ChildAlias.objects.filter(child=survivor).values_list("alias", flat=True))
    added = []
    for name, kind in names:
        name = " ".join(name.split())
        if not name or name in taken:
            continue
        taken.add(name)
        alias = children_services.child_alias_add(
            actor=actor, child=survivor, alias=name, kind=kind
        )
        added.append(MergedAlias(merge=merge, alias=alias))
    MergedAlias.objects.bulk_create(added)
    return len(added)


@transaction.atomic
def child_merge(
    *, actor: User, candidate: DuplicateCandidate, survivor: Child, version: int
) -> ChildMerge:
    """Record that the other child of a confirmed pair is the same child as `survivor`, and
    bring the other record's history to the survivor: its cases move there and its names become
    the survivor's aliases. So do its care arrangements, education records, the reports linked
    to it and its links to incidents (each through its app's service, _move_records). Nothing
    is deleted; the merge can be undone (merge_undo), which puts back exactly what it moved.
    No chains: a record merged into another can neither absorb nor
    be merged again. A case that cannot move (the survivor has an open case at the same agency)
    refuses the whole merge with the reason, as does an open stay when the survivor stays
    somewhere too."""
    current = _check_version(candidate, version)
    if current.status != CandidateStatus.CONFIRMED:
        raise ValidationError(_("Only a pair confirmed as the same child can be merged."))
    if survivor.pk not in (current.child_a_id, current.child_b_id):
        raise ValidationError({"survivor": _("Choose one of the two records of this pair.")})
    merged_id = current.child_b_id if survivor.pk == current.child_a_id else current.child_a_id
    active = ChildMerge.objects.select_for_update().filter(undone_at__isnull=True)
    if active.filter(merged_id__in=[survivor.pk, merged_id]).exists():
        raise ValidationError(
            _("One of these records is already merged into another. Undo that merge first.")
        )
    if active.filter(survivor_id=merged_id).exists():
        raise ValidationError(
            {
                "survivor": _(
                    "Other records are merged into the record you want to merge away. "
                    "Keep that record instead, or undo those merges first."
                )
            }
        )
    merge = ChildMerge(
        candidate=current, survivor_id=survivor.pk, merged_id=merged_id, merged_by=actor
    )
    merge.full_clean()
    merge.save()
    merged = Child.objects.get(pk=merged_id)
    survivor = Child.objects.get(pk=survivor.pk)
    reason = f"dedupe.merge {merge.pk}"
    moved = _move_cases(actor=actor, merge=merge, to=survivor, reason=reason)
    records = _move_records(actor=actor, merge=merge, to=survivor, reason=reason)
    added = _add_names(actor=actor, merge=merge, merged=merged, survivor=survivor)
    current.version += 1
    current.save(update_fields=["version", "updated_at"])
    audit_log(
        actor=actor,
        action="dedupe.merge",
        obj=merge,
        extra={
            "survivor": str(survivor.pk),
            "merged": str(merged_id),
            "candidate": current.pk,
            "cases_moved": moved,
            **{f"{kind}s_moved": n for kind, n in records.items()},
            "aliases_added": added,
        },
    )
    return merge


@transaction.atomic
def merge_undo(*, actor: User, merge: ChildMerge) -> ChildMerge:
    """Undo a merge: both records stand alone again; the pair stays confirmed. The cases the
    merge moved go back to the merged record (those still on the survivor: none has been moved
    on since, as a merged record cannot be merged again), then the other records it moved (those
    still on the survivor), and the aliases it added are removed
    (unless a user removed them already). Cases opened on the survivor after the merge stay."""
    current = ChildMerge.objects.select_for_update().get(pk=merge.pk)
    if current.undone_at is not None:
        raise ValidationError(_("This merge has already been undone."))
    now = timezone.now()
    merged = Child.objects.get(pk=current.merged_id)
    reason = f"dedupe.merge_undo {current.pk}"
    moved_back = 0
    for row in current.moved_cases.select_related("case").order_by("pk"):
        case = Case.objects.select_for_update().get(pk=row.case_id)
        if case.child_id != current.survivor_id:
            continue
        case_services.case_move_to_child(
            actor=actor, case=case, child=merged, version=case.version, reason=reason
        )
        row.moved_back_at = now
        row.save(update_fields=["moved_back_at"])
        moved_back += 1
    records = _move_records_back(actor=actor, merge=current, to=merged, reason=reason)
    removed = 0
    for added in current.added_aliases.select_related("alias__child").order_by("pk"):
        if added.alias is not None:
            children_services.child_alias_remove(actor=actor, alias=added.alias)
            removed += 1
    current.undone_at = now
    current.undone_by = actor
    current.save(update_fields=["undone_at", "undone_by", "updated_at"])
    DuplicateCandidate.objects.filter(pk=current.candidate_id).update(version=F("version") + 1)
    audit_log(
        actor=actor,
        action="dedupe.merge_undo",
        obj=current,
        changes=["undone_at", "undone_by"],
        extra={
            "survivor": str(current.survivor_id),
            "merged": str(current.merged_id),
            "cases_moved_back": moved_back,
            **{f"{kind}s_moved_back": n for kind, n in records.items()},
            "aliases_removed": removed,
        },
    )
    return current
