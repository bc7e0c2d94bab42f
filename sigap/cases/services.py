"""Writes for cases: opening, editing, the workflow, team, people, assessments, plans, approvals
and notes. Each service checks its rules, runs in one transaction and writes its audit event
last, in the same transaction. Editable records carry a version: a service given a stale
version raises StaleVersion and changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sigap.accounts.models import Agency, Role, User
from sigap.cases import policies
from sigap.cases.models import (
    ASSESSMENT_DOMAINS,
    CATEGORY_CHOICES,
    ActionStatus,
    Approval,
    ApprovalKind,
    ApprovalStatus,
    Assessment,
    AssessmentStatus,
    Case,
    CaseCategory,
    CaseCounter,
    CaseNote,
    CasePerson,
    CasePersonRole,
    CaseRole,
    CaseTeamMember,
    CategoryKind,
    ClosureReason,
    NoteKind,
    Plan,
    PlanAction,
    PlanStatus,
    RiskChange,
    RiskLevel,
    Stage,
    StageChange,
    apply_transition,
    case_number,
)
from sigap.children.access import child_is_visible, child_successor
from sigap.children.models import Child, Person
from sigap.core.audit import audit_log

M = TypeVar("M", bound=models.Model)


class StaleVersion(Exception):
    """The record changed since the form was loaded. `current` is the record as it is now."""

    def __init__(self, current: models.Model) -> None:
        super().__init__(_("This record was changed by someone else while you were editing it."))
        self.current = current


def _lock_fresh(obj: M, version: int | None) -> M:
    """Lock the row of `obj` for this transaction and refuse a stale `version`."""
    fresh = type(obj)._default_manager.select_for_update().get(pk=obj.pk)
    if version is not None and fresh.version != version:  # type: ignore[attr-defined]
        raise StaleVersion(fresh)
    return fresh


def _bump(obj: Any) -> None:
    obj.version = obj.version + 1


def _check_codes(kind: str, codes: Iterable[str], field: str) -> list[str]:
    valid = set(CATEGORY_CHOICES[kind].values)
    cleaned = sorted(set(codes))
    bad = [c for c in cleaned if c not in valid]
    if bad:
        raise ValidationError({field: _("Unknown value: %(codes)s.") % {"codes": ", ".join(bad)}})
    return cleaned


def _set_categories(case: Case, kind: str, codes: list[str]) -> bool:
    """Replace the codes of one kind; True when something changed."""
    current = set(CaseCategory.objects.filter(case=case, kind=kind).values_list("code", flat=True))
    wanted = set(codes)
    if current == wanted:
        return False
    CaseCategory.objects.filter(case=case, kind=kind, code__in=current - wanted).delete()
    CaseCategory.objects.bulk_create(
        [CaseCategory(case=case, kind=kind, code=c) for c in sorted(wanted - current)]
    )
    return True


def _next_number(regency_code: str, year: int) -> tuple[int, str]:
    """Take the next sequence of (regency, year) under a row lock held to the end of the
    transaction: a concurrent opener waits here, and a rollback gives the number back."""
    CaseCounter.objects.bulk_create(
        [CaseCounter(regency_code=regency_code, year=year, last_sequence=0)],
        ignore_conflicts=True,
    )
    counter = CaseCounter.objects.select_for_update().get(regency_code=regency_code, year=year)
    counter.last_sequence += 1
    counter.save(update_fields=["last_sequence"])
    return counter.last_sequence, case_number(regency_code, year, counter.last_sequence)


def _check_team_user(case: Case, user: User, role: str) -> None:
    allowed = policies.AGENCY_ROLES_FOR_CASE_ROLE[role]
    if not user.is_active or not user.has_role(*allowed, agency_id=case.lead_agency_id):
        raise ValidationError(
            {
                "user": _(
                    "%(name)s cannot be %(role)s on this case: they need a matching role at "
                    "%(agency)s."
                )
                % {
                    "name": user.display_name,
                    "role": CaseRole(role).label,
                    "agency": case.lead_agency.name,
                }
            }
        )


# --- opening and editing ---------------------------------------------------------------------------


def merged_record_message(actor: User, child: Child) -> str | None:
    """Why `child` takes no new case: it was merged into another record (the record that
    stands for the child now, children's child_successor), or None. The other record is named
    only when the actor may see it."""
    successor = child_successor(child, refresh=True)
    if successor is None:
        return None
    if child_is_visible(actor, successor):
        return _("This record was merged into %(name)s: open the case there.") % {
            "name": successor.full_name
        }
    return _("This record was merged into another record of the same child: open the case there.")


def refuse_merged_record(actor: User, child: Child) -> None:
    message = merged_record_message(actor, child)
    if message is not None:
        raise ValidationError({"child": message})


@transaction.atomic
def case_open(
    *,
    actor: User,
    child: Child,
    lead_agency: Agency,
    summary: str = "",
    risk_level: str = RiskLevel.MEDIUM,
    risk_reason: str = "",
    lead_worker: User | None = None,
    ampk_categories: Iterable[str] = (),
    violence_types: Iterable[str] = (),
    root_causes: Iterable[str] = (),
    pmks_category: str = "",
) -> Case:
    """Open a case for `child` led by `lead_agency`. The lead worker is `lead_worker`, or the
    actor when they are a case worker there; otherwise the case waits for a supervisor to assign
    one (it shows in their list)."""
    if not actor.has_role(*policies.OPENING_ROLES, agency_id=lead_agency.pk):
        raise ValidationError(
            {"lead_agency": _("You can only open cases for an agency where you handle cases.")}
        )
    refuse_merged_record(actor, child)
    if risk_level not in RiskLevel.values:
        raise ValidationError({"risk_level": _("Choose a risk level.")})
    open_case = (
        Case.objects.filter(child=child, lead_agency=lead_agency)
        .exclude(stage=Stage.CLOSURE)
        .values_list("number", flat=True)
        .first()
    )
    if open_case:
        raise ValidationError(
            {
                "child": _(
                    "This child already has an open case at this agency (%(number)s). Add to "
                    "that case instead, or close it first."
                )
                % {"number": open_case}
            }
        )
    ampk = _check_codes(CategoryKind.AMPK, ampk_categories, "ampk_categories")
    violence = _check_codes(CategoryKind.VIOLENCE, violence_types, "violence_types")
    causes = _check_codes(CategoryKind.ROOT_CAUSE, root_causes, "root_causes")
    if lead_worker is None and actor.has_role(Role.CASE_WORKER, agency_id=lead_agency.pk):
        lead_worker = actor
    now = timezone.now()
    year = timezone.localtime(now).year
    case = Case(
        child=child,
        lead_agency=lead_agency,
        regency_code=lead_agency.regency_code,
        created_by=actor,
        summary=summary.strip(),
        risk_level=risk_level,
        risk_reason=risk_reason.strip(),
        pmks_category=pmks_category,
        opened_at=now,
        year=year,
        sequence=0,
        number="",
    )
    case.full_clean(exclude=["number", "child"], validate_unique=False)
    if lead_worker is not None:
        _check_team_user(case, lead_worker, CaseRole.LEAD_WORKER)
    case.sequence, case.number = _next_number(case.regency_code, year)
    case.save()
    CaseCategory.objects.bulk_create(
        [CaseCategory(case=case, kind=CategoryKind.AMPK, code=c) for c in ampk]
        + [CaseCategory(case=case, kind=CategoryKind.VIOLENCE, code=c) for c in violence]
        + [CaseCategory(case=case, kind=CategoryKind.ROOT_CAUSE, code=c) for c in causes]
    )
    RiskChange.objects.create(
        case=case,
        from_level="",
        to_level=risk_level,
        reason=case.risk_reason or _("Risk level when the case was opened."),
        changed_by=actor,
        changed_at=now,
    )
    if lead_worker is not None:
        CaseTeamMember.objects.create(
            case=case, user=lead_worker, role=CaseRole.LEAD_WORKER, added_by=actor, added_at=now
        )
    audit_log(
        actor=actor,
        action="case.opened",
        obj=case,
        agency_id=lead_agency.pk,
        extra={"number": case.number, "child": str(child.pk)},
    )
    return case


CASE_FIELDS = {
    "summary",
    "pmks_category",
    "exploitation_activity",
    "exploitation_activity_other",
    "exploitation_hours_from",
    "exploitation_hours_until",
    "exploitation_places",
    "root_cause_other",
    "review_interval_days",
}


@transaction.atomic
def case_update(
    *,
    actor: User,
    case: Case,
    version: int,
    ampk_categories: Iterable[str] | None = None,
    violence_types: Iterable[str] | None = None,
    root_causes: Iterable[str] | None = None,
    **fields: Any,
) -> Case:
    """Edit the details of a case: categories, circumstances, root causes, review interval."""
    unknown = set(fields) - CASE_FIELDS
    if unknown:
        raise ValueError(f"Unknown case fields: {sorted(unknown)}")
    fresh = _lock_fresh(case, version)
    if fresh.is_closed:
        raise ValidationError(_("A closed case cannot be edited. Reopen it first."))
    old_interval = fresh.review_interval_days
    changed = [k for k, v in fields.items() if getattr(fresh, k) != v]
    for key in changed:
        setattr(fresh, key, fields[key])
    for kind, codes, name in (
        (CategoryKind.AMPK, ampk_categories, "ampk_categories"),
        (CategoryKind.VIOLENCE, violence_types, "violence_types"),
        (CategoryKind.ROOT_CAUSE, root_causes, "root_causes"),
    ):
        if codes is not None and _set_categories(fresh, kind, _check_codes(kind, codes, name)):
            changed.append(name)
    if "review_interval_days" in changed and fresh.next_review_on:
        last = fresh.next_review_on - timedelta(days=old_interval)
        fresh.next_review_on = last + timedelta(days=fresh.review_interval_days)
    if not changed:
        return fresh
    fresh.full_clean(exclude=["number", "child"])
    _bump(fresh)
    fresh.save()
    audit_log(
        actor=actor,
        action="case.updated",
        obj=fresh,
        agency_id=fresh.lead_agency_id,
        changes=changed,
    )
    return fresh


@transaction.atomic
def case_change_risk(
    *, actor: User, case: Case, version: int, risk_level: str, reason: str
) -> Case:
    if risk_level not in RiskLevel.values:
        raise ValidationError({"risk_level": _("Choose a risk level.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the risk level changes.")})
    fresh = _lock_fresh(case, version)
    if fresh.risk_level == risk_level:
        raise ValidationError({"risk_level": _("The case already has this risk level.")})
    old = fresh.risk_level
    fresh.risk_level = risk_level
    fresh.risk_reason = reason.strip()
    _bump(fresh)
    fresh.save(update_fields=["risk_level", "risk_reason", "version", "updated_at"])
    RiskChange.objects.create(
        case=fresh, from_level=old, to_level=risk_level, reason=reason.strip(), changed_by=actor
    )
    audit_log(
        actor=actor,
        action="case.risk_changed",
        obj=fresh,
        agency_id=fresh.lead_agency_id,
        changes=["risk_level", "risk_reason"],
        extra={"from": old, "to": risk_level},
    )
    return fresh


@transaction.atomic
def case_transition(
    *, actor: User, case: Case, to: str, reason: str = "", version: int | None = None
) -> Case:
    """Move the case to stage `to`; raises TransitionError naming the unmet gate."""
    fresh = _lock_fresh(case, version)
    old = apply_transition(fresh, to, reason=reason)
    _bump(fresh)
    fresh.save()
    StageChange.objects.create(
        case=fresh, from_stage=old, to_stage=to, reason=reason.strip(), changed_by=actor
    )
    if to == Stage.CLOSURE:
        Approval.objects.filter(
            case=fresh,
            kind=ApprovalKind.CLOSURE,
            status=ApprovalStatus.APPROVED,
            closure_reason=reason,
            used_at__isnull=True,
        ).update(used_at=timezone.now())
    audit_log(
        actor=actor,
        action="case.reopened" if old == Stage.CLOSURE else "case.stage_changed",
        obj=fresh,
        agency_id=fresh.lead_agency_id,
        changes=["stage"],
        extra={"from": old, "to": to},
    )
    return fresh


def case_record_view(*, actor: User, case: Case, via: str = "html") -> None:
    """Every view of a case detail is audited (who saw which child's case, and when)."""
    audit_log(
        actor=actor, action="case.view", obj=case, agency_id=case.lead_agency_id, extra={"via": via}
    )


# --- team and people ------------------------------------------------------------------------------


@transaction.atomic
def case_change_lead_agency(
    *, actor: User, case: Case, agency_id: int, reference: str = ""
) -> Case:
    """Hand the whole case to another agency (an accepted transfer). The old team's memberships
    end (they keep their history); the new agency staffs the case. `reference` names what
    authorised it (e.g. the transfer), for the audit event. Callers check the transfer's rules."""
    locked = Case.objects.select_for_update().get(pk=case.pk)
    old_agency = locked.lead_agency_id
    if old_agency == agency_id:
        return locked
    now = timezone.now()
    CaseTeamMember.objects.filter(case=locked, ended_at__isnull=True).update(
        ended_at=now, ended_by=actor
    )
    locked.lead_agency_id = agency_id
    locked.version += 1
    locked.save(update_fields=["lead_agency", "version", "updated_at"])
    policies.forget_access(locked)
    audit_log(
        actor=actor,
        action="case.transferred",
        obj=locked,
        agency_id=agency_id,
        extra={"from": old_agency, "to": agency_id, "reference": reference},
    )
    return locked


@transaction.atomic
def case_move_to_child(*, actor: User, case: Case, child: Child, version: int, reason: str) -> Case:
    """Re-point `case` to another record of the same child, e.g. when two records of one child
    are merged (sigap.dedupe). The case keeps its number, team, lead agency and history; only the
    record it belongs to changes. Refused when the case is open and `child` already has an open
    case at the same agency (one open case per child and agency, as in case_open). `reason` goes
    to the audit event; callers check who may do it and keep the record of the move (the dedupe
    app shows it on the timeline and moves the case back when a merge is undone)."""
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError({"reason": _("Say why the case moves to another record.")})
    fresh = _lock_fresh(case, version)
    if fresh.child_id == child.pk:
        raise ValidationError({"child": _("The case already belongs to this record.")})
    if not fresh.is_closed:
        clash = (
            Case.objects.filter(child=child, lead_agency_id=fresh.lead_agency_id)
            .exclude(stage=Stage.CLOSURE)
            .exclude(pk=fresh.pk)
            .values_list("number", flat=True)
            .first()
        )
        if clash:
            raise ValidationError(
                {
                    "child": _(
                        "%(name)s already has an open case at this agency (%(number)s), as has "
                        "case %(moving)s: close one of the two before moving the other."
                    )
                    % {"name": child.full_name, "number": clash, "moving": fresh.number}
                }
            )
    old_child = fresh.child_id
    fresh.child = child
    _bump(fresh)
    fresh.save(update_fields=["child", "version", "updated_at"])
    policies.forget_access(fresh)
    audit_log(
        actor=actor,
        action="case.child_moved",
        obj=fresh,
        agency_id=fresh.lead_agency_id,
        changes=["child"],
        extra={"from": str(old_child), "to": str(child.pk), "reason": reason[:200]},
    )
    return fresh


@transaction.atomic
def team_member_add(*, actor: User, case: Case, user: User, role: str) -> CaseTeamMember:
    if role not in CaseRole.values:
        raise ValidationError({"role": _("Choose a role in the case.")})
    _check_team_user(case, user, role)
    Case.objects.select_for_update().filter(pk=case.pk).first()
    active = CaseTeamMember.objects.filter(case=case, ended_at__isnull=True)
    if active.filter(user=user).exists():
        raise ValidationError({"user": _("This person is already on the case team.")})
    now = timezone.now()
    if role == CaseRole.LEAD_WORKER:
        # A new lead worker takes over: the previous one stays on the team as co-worker.
        previous = active.filter(role=CaseRole.LEAD_WORKER).first()
        if previous is not None:
            previous.ended_at, previous.ended_by = now, actor
            previous.save(update_fields=["ended_at", "ended_by"])
            CaseTeamMember.objects.create(
                case=case, user=previous.user, role=CaseRole.CO_WORKER, added_by=actor
            )
    member = CaseTeamMember.objects.create(case=case, user=user, role=role, added_by=actor)
    policies.forget_access(case)
    audit_log(
        actor=actor,
        action="case.team_added",
        obj=case,
        agency_id=case.lead_agency_id,
        extra={"user": user.pk, "role": role},
    )
    return member


@transaction.atomic
def team_member_end(*, actor: User, member: CaseTeamMember) -> CaseTeamMember:
    if member.ended_at is not None:
        return member
    member.ended_at, member.ended_by = timezone.now(), actor
    member.save(update_fields=["ended_at", "ended_by"])
    policies.forget_access(member.case)
    audit_log(
        actor=actor,
        action="case.team_removed",
        obj=member.case,
        agency_id=member.case.lead_agency_id,
        extra={"user": member.user_id, "role": member.role},
    )
    return member


@transaction.atomic
def case_person_link(
    *, actor: User, case: Case, person: Person, role: str, notes: str = ""
) -> CasePerson:
    if role not in CasePersonRole.values:
        raise ValidationError({"role": _("Choose how this person is involved.")})
    if CasePerson.objects.filter(case=case, person=person).exists():
        raise ValidationError({"person": _("This person is already linked to the case.")})
    link = CasePerson(case=case, person=person, role=role, notes=notes.strip(), added_by=actor)
    link.full_clean()
    link.save()
    audit_log(
        actor=actor,
        action="case.person_linked",
        obj=case,
        agency_id=case.lead_agency_id,
        extra={"person": person.pk, "role": role},
    )
    return link


@transaction.atomic
def case_person_unlink(*, actor: User, link: CasePerson) -> None:
    case = link.case
    person_id = link.person_id
    link.delete()
    audit_log(
        actor=actor,
        action="case.person_unlinked",
        obj=case,
        agency_id=case.lead_agency_id,
        extra={"person": person_id},
    )


# --- assessments ----------------------------------------------------------------------------------

ASSESSMENT_FIELDS = {
    f"{key}_{part}" for key, _l in ASSESSMENT_DOMAINS for part in ("score", "notes")
}
ASSESSMENT_FIELDS.add("summary")


def _set_assessment_fields(assessment: Assessment, fields: dict[str, Any]) -> list[str]:
    unknown = set(fields) - ASSESSMENT_FIELDS
    if unknown:
        raise ValueError(f"Unknown assessment fields: {sorted(unknown)}")
    changed = [k for k, v in fields.items() if getattr(assessment, k) != v]
    for key in changed:
        setattr(assessment, key, fields[key])
    return changed


def _complete_assessment(assessment: Assessment, actor: User) -> None:
    missing = {
        f"{key}_score": _("Give a score for %(domain)s.") % {"domain": label}
        for key, label in ASSESSMENT_DOMAINS
        if getattr(assessment, f"{key}_score") is None
    }
    if missing:
        raise ValidationError(missing)
    assessment.status = AssessmentStatus.COMPLETED
    assessment.completed_at = timezone.now()
    assessment.completed_by = actor


@transaction.atomic
def assessment_create(
    *, actor: User, case: Case, complete: bool = False, **fields: Any
) -> Assessment:
    if case.is_closed:
        raise ValidationError(_("A closed case cannot be assessed. Reopen it first."))
    if case.assessments.filter(status=AssessmentStatus.DRAFT).exists():
        raise ValidationError(_("This case has a draft assessment already: continue that one."))
    assessment = Assessment(case=case, created_by=actor)
    _set_assessment_fields(assessment, fields)
    if complete:
        _complete_assessment(assessment, actor)
    assessment.full_clean()
    assessment.save()
    audit_log(
        actor=actor,
        action="case.assessment_completed" if complete else "case.assessment_started",
        obj=assessment,
        agency_id=case.lead_agency_id,
        extra={"case": str(case.pk)},
    )
    return assessment


@transaction.atomic
def assessment_update(
    *, actor: User, assessment: Assessment, version: int, complete: bool = False, **fields: Any
) -> Assessment:
    fresh = _lock_fresh(assessment, version)
    if fresh.status == AssessmentStatus.COMPLETED:
        raise ValidationError(
            _("A completed assessment cannot be changed. Start a new assessment instead.")
        )
    changed = _set_assessment_fields(fresh, fields)
    if complete:
        _complete_assessment(fresh, actor)
        changed.append("status")
    if not changed:
        return fresh
    fresh.full_clean()
    _bump(fresh)
    fresh.save()
    audit_log(
        actor=actor,
        action="case.assessment_completed" if complete else "case.assessment_updated",
        obj=fresh,
        agency_id=fresh.case.lead_agency_id,
        changes=changed,
        extra={"case": str(fresh.case_id)},
    )
    return fresh


# --- plans ------------------------------------------------------------------------------------------


@transaction.atomic
def plan_create(*, actor: User, case: Case, goals: str) -> Plan:
    """Start a case plan. While a plan waits as draft or for approval, it is worked on instead;
    a new plan after an approved one (revision at review) carries over its unfinished actions."""
    if case.is_closed:
        raise ValidationError(_("A closed case cannot get a new plan. Reopen it first."))
    if not goals.strip():
        raise ValidationError({"goals": _("Write the goals of the plan.")})
    latest = case.plans.order_by("-created_at", "-id").first()
    if latest is not None and latest.status != PlanStatus.APPROVED:
        raise ValidationError(
            _("This case has a plan that is not approved yet: continue that one.")
        )
    plan = Plan(case=case, goals=goals.strip(), created_by=actor)
    plan.full_clean()
    plan.save()
    if latest is not None:
        PlanAction.objects.bulk_create(
            [
                PlanAction(
                    plan=plan,
                    description=a.description,
                    responsible_agency_id=a.responsible_agency_id,
                    responsible_person=a.responsible_person,
                    due_on=a.due_on,
                    status=a.status,
                    created_by=actor,
                )
                for a in latest.actions.filter(
                    status__in=[ActionStatus.PLANNED, ActionStatus.IN_PROGRESS]
                )
            ]
        )
    audit_log(
        actor=actor,
        action="case.plan_created",
        obj=plan,
        agency_id=case.lead_agency_id,
        extra={"case": str(case.pk)},
    )
    return plan


@transaction.atomic
def plan_update(*, actor: User, plan: Plan, version: int, goals: str) -> Plan:
    fresh = _lock_fresh(plan, version)
    if not fresh.is_editable:
        raise ValidationError(
            _("Only a draft plan can be changed. After approval, start a revised plan at review.")
        )
    if not goals.strip():
        raise ValidationError({"goals": _("Write the goals of the plan.")})
    if fresh.goals == goals.strip():
        return fresh
    fresh.goals = goals.strip()
    _bump(fresh)
    fresh.save()
    audit_log(
        actor=actor,
        action="case.plan_updated",
        obj=fresh,
        agency_id=fresh.case.lead_agency_id,
        changes=["goals"],
    )
    return fresh


@transaction.atomic
def plan_action_add(
    *,
    actor: User,
    plan: Plan,
    description: str,
    responsible_agency: Agency | None,
    responsible_person: str,
    due_on: date | None,
) -> PlanAction:
    if not plan.is_editable:
        raise ValidationError(_("Actions can be added to a draft plan only."))
    errors: dict[str, str] = {}
    if not description.strip():
        errors["description"] = _("Describe the action.")
    if responsible_agency is None:
        errors["responsible_agency"] = _(
            "Every action needs an owner: choose the agency responsible for it."
        )
    if not responsible_person.strip():
        errors["responsible_person"] = _(
            "Every action needs an owner: name the person responsible for it."
        )
    if due_on is None:
        errors["due_on"] = _("Give the date the action is due.")
    if errors or responsible_agency is None or due_on is None:
        raise ValidationError(errors)
    action = PlanAction(
        plan=plan,
        description=description.strip(),
        responsible_agency=responsible_agency,
        responsible_person=responsible_person.strip(),
        due_on=due_on,
        created_by=actor,
    )
    action.full_clean()
    action.save()
    audit_log(
        actor=actor,
        action="case.plan_action_added",
        obj=action,
        agency_id=plan.case.lead_agency_id,
        extra={"plan": plan.pk},
    )
    return action


@transaction.atomic
def plan_action_set_status(
    *, actor: User, action: PlanAction, version: int, status: str
) -> PlanAction:
    if status not in ActionStatus.values:
        raise ValidationError({"status": _("Choose a status.")})
    fresh = _lock_fresh(action, version)
    if fresh.status == status:
        return fresh
    fresh.status = status
    _bump(fresh)
    fresh.save()
    audit_log(
        actor=actor,
        action="case.plan_action_updated",
        obj=fresh,
        agency_id=fresh.plan.case.lead_agency_id,
        changes=["status"],
        extra={"to": status},
    )
    return fresh


@transaction.atomic
def plan_submit(*, actor: User, plan: Plan, version: int, note: str = "") -> Approval:
    """Ask a supervisor of the lead agency to approve the plan."""
    fresh = _lock_fresh(plan, version)
    if fresh.status != PlanStatus.DRAFT:
        raise ValidationError(_("Only a draft plan can be submitted for approval."))
    if not fresh.actions.exists():
        raise ValidationError(_("Add at least one action before submitting the plan."))
    fresh.status = PlanStatus.SUBMITTED
    _bump(fresh)
    fresh.save()
    approval = Approval(
        case=fresh.case,
        kind=ApprovalKind.PLAN,
        plan=fresh,
        request_note=note.strip(),
        requested_by=actor,
    )
    approval.full_clean()
    approval.save()
    audit_log(
        actor=actor,
        action="approval.requested",
        obj=approval,
        agency_id=fresh.case.lead_agency_id,
        extra={"kind": ApprovalKind.PLAN, "case": str(fresh.case_id)},
    )
    return approval


# --- closure and approvals --------------------------------------------------------------------------


@transaction.atomic
def closure_request(*, actor: User, case: Case, reason: str, note: str = "") -> Approval:
    if case.is_closed:
        raise ValidationError(_("The case is closed already."))
    if reason not in ClosureReason.values:
        raise ValidationError({"reason": _("Choose why the case is closed.")})
    if case.approvals.filter(kind=ApprovalKind.CLOSURE, status=ApprovalStatus.REQUESTED).exists():
        raise ValidationError(_("A closure request for this case is waiting for a supervisor."))
    approval = Approval(
        case=case,
        kind=ApprovalKind.CLOSURE,
        closure_reason=reason,
        request_note=note.strip(),
        requested_by=actor,
    )
    approval.full_clean()
    approval.save()
    audit_log(
        actor=actor,
        action="approval.requested",
        obj=approval,
        agency_id=case.lead_agency_id,
        extra={"kind": ApprovalKind.CLOSURE, "case": str(case.pk), "reason": reason},
    )
    return approval


@transaction.atomic
def approval_decide(
    *, actor: User, approval: Approval, approve: bool, comment: str = ""
) -> Approval:
    """A supervisor of the lead agency approves or rejects; nobody decides their own request.
    Approving a plan approves it; rejecting returns it to draft. An approved closure lets the
    case be closed with that reason (case_transition uses it up)."""
    fresh = Approval.objects.select_for_update().select_related("case").get(pk=approval.pk)
    if fresh.status != ApprovalStatus.REQUESTED:
        raise ValidationError(_("This request has been decided already."))
    if not actor.has_role(Role.SUPERVISOR, agency_id=fresh.case.lead_agency_id):
        raise PermissionDenied
    if fresh.requested_by_id == actor.pk:
        raise ValidationError(_("You cannot decide your own request: another supervisor has to."))
    if not approve and not comment.strip():
        raise ValidationError({"comment": _("Say why the request is rejected.")})
    now = timezone.now()
    fresh.status = ApprovalStatus.APPROVED if approve else ApprovalStatus.REJECTED
    fresh.decided_by, fresh.decided_at, fresh.comment = actor, now, comment.strip()
    fresh.save()
    if fresh.kind == ApprovalKind.PLAN and fresh.plan_id is not None:
        plan = Plan.objects.select_for_update().get(pk=fresh.plan_id)
        if approve:
            plan.status, plan.approved_at, plan.approved_by = PlanStatus.APPROVED, now, actor
        else:
            plan.status = PlanStatus.DRAFT
        _bump(plan)
        plan.save()
    audit_log(
        actor=actor,
        action="approval.approved" if approve else "approval.rejected",
        obj=fresh,
        agency_id=fresh.case.lead_agency_id,
        extra={"kind": fresh.kind, "case": str(fresh.case_id)},
    )
    return fresh


# --- notes --------------------------------------------------------------------------------------------


def _check_note(kind: str, occurred_on: date | None, text: str) -> date:
    errors: dict[str, str] = {}
    if kind not in NoteKind.values:
        errors["kind"] = _("Choose the type of note.")
    if occurred_on is None:
        errors["occurred_on"] = _("Give the date.")
    elif occurred_on > timezone.localdate():
        errors["occurred_on"] = _("The date cannot be in the future.")
    if not text.strip():
        errors["text"] = _("Write the note.")
    if errors or occurred_on is None:
        raise ValidationError(errors)
    return occurred_on


@transaction.atomic
def note_add(
    *, actor: User, case: Case, kind: str, occurred_on: date | None, text: str
) -> CaseNote:
    day = _check_note(kind, occurred_on, text)
    note = CaseNote(case=case, kind=kind, occurred_on=day, text=text.strip(), author=actor)
    note.full_clean()
    note.save()
    audit_log(
        actor=actor,
        action="case.note_added",
        obj=note,
        agency_id=case.lead_agency_id,
        extra={"case": str(case.pk), "kind": kind},
    )
    return note


@transaction.atomic
def note_update(
    *, actor: User, note: CaseNote, version: int, kind: str, occurred_on: date | None, text: str
) -> CaseNote:
    if note.author_id != actor.pk:
        raise PermissionDenied
    day = _check_note(kind, occurred_on, text)
    fresh = _lock_fresh(note, version)
    changed = [
        k
        for k, v in (("kind", kind), ("occurred_on", day), ("text", text.strip()))
        if getattr(fresh, k) != v
    ]
    if not changed:
        return fresh
    fresh.kind, fresh.occurred_on, fresh.text = kind, day, text.strip()
    _bump(fresh)
    fresh.save()
    audit_log(
        actor=actor,
        action="case.note_updated",
        obj=fresh,
        agency_id=fresh.case.lead_agency_id,
        changes=changed,
    )
    return fresh
