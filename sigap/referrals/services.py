"""Writes for referrals, transfers, consent and break-the-glass.

Each service checks its rules, writes in one transaction and records its audit event last in
that transaction. A refused attempt that the issue calls out (sending without consent, accepting
an expired, revoked or withdrawn referral, a break-the-glass without a reason) is itself audited
(`referral.refused` / `access.refused`) in its own transaction before the error is raised, so the
refusal is on record and nothing else is written. Notifications are queued on commit.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from sigap.accounts.models import CHILD_DATA_ROLES, Agency, Role, User
from sigap.cases import services as case_services
from sigap.cases.models import Case, CaseRole
from sigap.cases.policies import forget_access as forget_case_access
from sigap.children.models import FamilyMember
from sigap.children.sections import forget_section_grants
from sigap.core.audit import audit_log
from sigap.geo.models import Region
from sigap.referrals import policies
from sigap.referrals.models import (
    ACTIVE_STATUSES,
    CYBER_SERVICES,
    OPEN_STATUSES,
    ChildView,
    ConsentBasis,
    EmergencyAccess,
    ExceptionGround,
    Kind,
    Referral,
    ReferralNote,
    ReviewOutcome,
    Section,
    SectionGrant,
    SensitiveSection,
    Service,
    ServiceRecord,
    SimfoniService,
    Status,
    StatusChange,
    TransitionError,
    Urgency,
    apply_transition,
    break_glass_hours,
    child_consent_age,
)

MIN_REASON = 10  # characters: a break-the-glass reason must say something


class StaleVersion(Exception):
    def __init__(self, current: Referral) -> None:
        super().__init__(_("This referral was changed by someone else while you were editing it."))
        self.current = current


def expiry_days() -> int:
    """Days after its deadline that an unanswered referral can still be accepted."""
    return int(getattr(settings, "SIGAP_REFERRAL_EXPIRY_DAYS", 30))


def _lock(referral: Referral, version: int | None = None) -> Referral:
    fresh = Referral.objects.select_for_update().select_related("case").get(pk=referral.pk)
    if version is not None and fresh.version != version:
        raise StaleVersion(fresh)
    return fresh


def _agency_of(user: User, candidates: Iterable[int | None]) -> int | None:
    """The first of `candidates` where `user` is a member (for the audit event's agency)."""
    mine = {m.agency_id for m in user.active_memberships}
    for agency_id in candidates:
        if agency_id in mine:
            return agency_id
    return next(iter(sorted(mine)), None)


def _refuse(
    *, actor: User | None, referral: Referral | None, attempt: str, field: str, message: str
) -> ValidationError:
    """Record a refused attempt (in its own transaction) and return the error to raise."""
    with transaction.atomic():
        audit_log(
            actor=actor,
            action="referral.refused",
            obj=referral,
            agency_id=_agency_of(actor, [referral.from_agency_id, referral.to_agency_id])
            if actor is not None and referral is not None
            else None,
            extra={"attempt": attempt, "field": field},
        )
    return ValidationError({field: message})


def _change(referral: Referral, target: str, actor: User, note: str = "") -> str:
    try:
        old = apply_transition(referral, target)
    except TransitionError as exc:
        raise ValidationError({"__all__": str(exc)}) from exc
    StatusChange.objects.create(
        referral=referral, from_status=old, to_status=target, note=note, changed_by=actor
    )
    return old


def _save(referral: Referral, fields: list[str]) -> None:
    referral.version += 1
    referral.save(update_fields=sorted({*fields, "version", "updated_at"}))
    policies.forget_access(referral)


def _notify(users: Iterable[User], text: str, link: str, subject: str) -> None:
    """In-app notification plus an email on commit (the intake app's notifications, until they
    move to core)."""
    from sigap.intake.services import notify

    seen: set[int] = set()
    for user in users:
        if user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        notify(recipient=user, text=text, link=link, email_subject=subject)


def _people(agency_id: int | None, roles: Iterable[str]) -> list[User]:
    if agency_id is None:
        return []
    return list(
        User.objects.filter(
            is_active=True,
            memberships__agency_id=agency_id,
            memberships__role__in=list(roles),
            memberships__is_active=True,
        ).distinct()
    )


def _receivers(referral: Referral) -> list[User]:
    named = referral.assigned_to if referral.assigned_to_id else referral.to_user
    if named is None:
        return _people(referral.to_agency_id, CHILD_DATA_ROLES)
    return [named, *_people(referral.to_agency_id, [Role.SUPERVISOR])]


def _senders(referral: Referral) -> list[User]:
    return [referral.created_by, *_people(referral.from_agency_id, [Role.SUPERVISOR])]


# --- drafting ---------------------------------------------------------------------------------------


def _clean_choices(values: Iterable[str], allowed: list[str], field: str, empty: str) -> list[str]:
    values = list(dict.fromkeys(v for v in values if v))
    bad = [v for v in values if v not in allowed]
    if bad:
        raise ValidationError({field: _("Unknown choice: %(value)s.") % {"value": bad[0]}})
    if not values and empty:
        raise ValidationError({field: empty})
    return values


def _apply_fields(referral: Referral, *, actor: User, data: dict[str, Any]) -> list[str]:
    """Set the editable fields of a draft from `data` and check them. Returns changed names."""
    errors: dict[str, str] = {}
    case = referral.case
    changed: list[str] = []

    def put(name: str, value: Any) -> None:
        if getattr(referral, name) != value:
            setattr(referral, name, value)
            changed.append(name)

    to_agency: Agency | None = data.get("to_agency", referral.to_agency)
    to_user: User | None = data.get("to_user", referral.to_user)
    to_region: Region | None = data.get("to_region", referral.to_region)
    if referral.kind == Kind.REFERRAL or to_region is None:
        to_region = None
    if to_agency is not None and to_agency.pk == case.lead_agency_id:
        errors["to_agency"] = _("Choose another agency: this one already leads the case.")
    if to_agency is not None and not to_agency.is_active:
        errors["to_agency"] = _("This agency is no longer active.")
    if to_agency is None and referral.kind == Kind.REFERRAL:
        errors["to_agency"] = _("Choose the agency you refer the child to.")
    if referral.kind == Kind.TRANSFER and to_agency is None:
        if to_region is None or to_region.level != "regency":
            errors["to_region"] = _(
                "Choose a receiving agency in Sigap, or the regency (kabupaten/kota) the child "
                "returns to."
            )
        if not str(data.get("external_recipient", referral.external_recipient)).strip():
            errors["external_recipient"] = _("Name the office that receives the child's case.")
    if to_user is not None and (
        to_agency is None or not to_user.has_role(*CHILD_DATA_ROLES, agency_id=to_agency.pk)
    ):
        errors["to_user"] = _("This person does not handle children's cases at that agency.")
    put("to_agency", to_agency)
    put("to_user", to_user)
    put("to_region", to_region)
    put("external_recipient", str(data.get("external_recipient", referral.external_recipient)))
    try:
        services = _clean_choices(
            data.get("services", referral.services),
            Service.values,
            "services",
            _("Choose at least one service.") if referral.kind == Kind.REFERRAL else "",
        )
        put("services", services)
        put("cyber_unit", bool(set(services) & CYBER_SERVICES))
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
    try:
        sections = _clean_choices(
            data.get("sections", referral.sections),
            Section.values,
            "sections",
            _("Tick what the receiving agency needs to see.")
            if referral.kind == Kind.REFERRAL
            else "",
        )
        put("sections", sections if referral.kind == Kind.REFERRAL else Section.values)
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
    reason = str(data.get("reason", referral.reason)).strip()
    if not reason:
        errors["reason"] = _("Say why the child is referred and what you ask for.")
    put("reason", reason)
    urgency = data.get("urgency", referral.urgency)
    if urgency not in Urgency.values:
        errors["urgency"] = _("Choose how urgent this is.")
    put("urgency", urgency)
    # consent
    basis = data.get("consent_basis", referral.consent_basis) or ""
    if basis and basis not in ConsentBasis.values:
        errors["consent_basis"] = _("Choose consent or an exception.")
    child_view = data.get("child_view", referral.child_view) or ""
    if child_view and child_view not in ChildView.values:
        errors["child_view"] = _("Choose the child's view.")
    guardian: FamilyMember | None = data.get("guardian", referral.guardian)
    if guardian is not None and guardian.child_id != case.child_id:
        errors["guardian"] = _("Choose a family member of this child.")
    ground = data.get("exception_ground", referral.exception_ground) or ""
    if ground and ground not in ExceptionGround.values:
        errors["exception_ground"] = _("Choose a legal ground.")
    consent_fields = {
        "consent_basis": basis,
        "child_view": child_view if basis == ConsentBasis.CONSENT else "",
        "guardian": guardian if basis == ConsentBasis.CONSENT else None,
        "guardian_name": str(data.get("guardian_name", referral.guardian_name)).strip()
        if basis == ConsentBasis.CONSENT
        else "",
        "exception_ground": ground if basis == ConsentBasis.EXCEPTION else "",
        "exception_note": str(data.get("exception_note", referral.exception_note)).strip()
        if basis == ConsentBasis.EXCEPTION
        else "",
    }
    consent_changed = False
    for name, value in consent_fields.items():
        if getattr(referral, name) != value:
            setattr(referral, name, value)
            changed.append(name)
            consent_changed = True
    if consent_changed:
        referral.consent_recorded_at = timezone.now() if basis else None
        referral.consent_recorded_by = actor if basis else None
        # An approved exception covers exactly what the supervisor read.
        referral.exception_approved_at = None
        referral.exception_approved_by = None
        changed += [
            "consent_recorded_at",
            "consent_recorded_by",
            "exception_approved_at",
            "exception_approved_by",
        ]
    if errors:
        raise ValidationError(errors)
    return changed


@transaction.atomic
def referral_create(*, actor: User, case: Case, kind: str = Kind.REFERRAL, **data: Any) -> Referral:
    """A draft referral (or transfer) of `case`; nothing is shared until it is sent."""
    if kind not in Kind.values:
        raise ValidationError({"kind": _("Choose a referral or a transfer.")})
    if case.is_closed:
        raise ValidationError({"__all__": _("This case is closed: reopen it to refer the child.")})
    referral = Referral(
        kind=kind,
        case=case,
        regency_code=case.regency_code,
        from_agency_id=case.lead_agency_id,
        created_by=actor,
        reason="",
    )
    _apply_fields(referral, actor=actor, data=data)
    referral.full_clean(exclude=["case", "from_agency", "created_by", "reason"])
    referral.save()
    audit_log(
        actor=actor,
        action="referral.created",
        obj=referral,
        agency_id=case.lead_agency_id,
        extra={"kind": kind, "case": str(case.pk)},
    )
    return referral


@transaction.atomic
def referral_update(*, actor: User, referral: Referral, version: int, **data: Any) -> Referral:
    fresh = _lock(referral, version)
    if fresh.status != Status.DRAFT:
        raise ValidationError({"__all__": _("Only a draft can be changed.")})
    changed = _apply_fields(fresh, actor=actor, data=data)
    if changed:
        _save(
            fresh,
            changed,
        )
        audit_log(
            actor=actor,
            action="referral.updated",
            obj=fresh,
            agency_id=fresh.from_agency_id,
            changes=changed,
        )
    return fresh


def consent_problem(referral: Referral) -> tuple[str, str] | None:
    """(field, message) of what keeps `referral` from being shared, or None."""
    if referral.consent_withdrawn:
        return "consent_basis", _("Consent was withdrawn: nothing more may be shared.")
    if referral.consent_basis == ConsentBasis.CONSENT:
        child = referral.case.child
        if referral.child_view == ChildView.REFUSED:
            return "child_view", _(
                "The child did not agree. Share only with an exception approved by a supervisor."
            )
        if referral.child_view == ChildView.TOO_YOUNG:
            age = child.age
            if age is None or age >= child_consent_age():
                return "child_view", _(
                    "A child of %(age)d or older gives their own view; ask the child."
                ) % {"age": child_consent_age()}
        elif referral.child_view != ChildView.AGREED:
            return "child_view", _("Record the child's view.")
        guardian = referral.guardian
        if guardian is None and not referral.guardian_name:
            return "guardian", _("Record which guardian consented.")
        if guardian is not None and guardian.is_alleged_perpetrator:
            return "guardian", _(
                "This guardian is an alleged perpetrator: their consent does not count. Use the "
                "exception “The guardian is the alleged perpetrator”."
            )
        return None
    if referral.consent_basis == ConsentBasis.EXCEPTION:
        if not referral.exception_ground:
            return "exception_ground", _("Choose the legal ground for sharing without consent.")
        if not referral.exception_note:
            return "exception_note", _("Explain why consent cannot be asked.")
        if referral.exception_approved_at is None:
            return "exception_ground", _("A supervisor must approve the exception before sending.")
        return None
    return "consent_basis", _(
        "Record the consent of the child and a guardian, or an exception approved by a supervisor."
    )


@transaction.atomic
def exception_approve(*, actor: User, referral: Referral, version: int | None = None) -> Referral:
    fresh = _lock(referral, version)
    if fresh.consent_basis != ConsentBasis.EXCEPTION or not fresh.exception_ground:
        raise ValidationError({"exception_ground": _("There is no exception to approve.")})
    if not fresh.exception_note:
        raise ValidationError({"exception_note": _("The exception has no explanation yet.")})
    if actor.pk == fresh.created_by_id or not actor.has_role(
        Role.SUPERVISOR, agency_id=fresh.from_agency_id
    ):
        raise ValidationError(
            {"__all__": _("Another supervisor of the referring agency approves it.")}
        )
    fresh.exception_approved_at, fresh.exception_approved_by = timezone.now(), actor
    _save(fresh, ["exception_approved_at", "exception_approved_by"])
    audit_log(
        actor=actor,
        action="referral.exception_approved",
        obj=fresh,
        agency_id=fresh.from_agency_id,
        extra={"ground": fresh.exception_ground},
    )
    return fresh


def referral_send(*, actor: User, referral: Referral, version: int | None = None) -> Referral:
    """Send a draft: needs consent or an approved exception; the deadline starts now."""
    current = Referral.objects.select_related("case__child", "guardian").get(pk=referral.pk)
    if current.status == Status.DRAFT:
        problem = consent_problem(current)
        if problem is not None:
            raise _refuse(
                actor=actor, referral=current, attempt="send", field=problem[0], message=problem[1]
            )
    return _send(actor=actor, referral=referral, version=version)


@transaction.atomic
def _send(*, actor: User, referral: Referral, version: int | None) -> Referral:
    fresh = _lock(referral, version)
    if fresh.status == Status.DRAFT and consent_problem(fresh) is not None:  # changed meanwhile
        raise ValidationError({"consent_basis": _("Consent is not complete.")})
    _change(fresh, Status.SENT, actor)
    now = timezone.now()
    fresh.sent_at = now
    fresh.respond_by = fresh.deadline_from(now)
    _save(fresh, ["status", "sent_at", "respond_by"])
    audit_log(
        actor=actor,
        action="referral.sent",
        obj=fresh,
        agency_id=fresh.from_agency_id,
        extra={"to": fresh.to_agency_id, "kind": fresh.kind, "urgency": fresh.urgency},
    )
    if fresh.to_agency_id is not None:
        _notify(
            _receivers(fresh),
            _("New %(kind)s %(ref)s from %(agency)s (%(urgency)s).")
            % {
                "kind": fresh.get_kind_display().lower(),
                "ref": fresh.reference,
                "agency": fresh.from_agency,
                "urgency": fresh.get_urgency_display(),
            },
            fresh.get_absolute_url(),
            _("New referral"),
        )
    return fresh


# --- the receiving side ------------------------------------------------------------------------------


def _acceptance_problem(referral: Referral) -> tuple[str, str] | None:
    if referral.status == Status.REVOKED:
        return "__all__", _("This referral was revoked by the referring agency.")
    if referral.status == Status.CANCELLED:
        return "__all__", _("This referral was cancelled by the referring agency.")
    if referral.status != Status.SENT:
        return "__all__", _("This referral was already answered.")
    if referral.consent_withdrawn:
        return "__all__", _("Consent was withdrawn: this referral can no longer be accepted.")
    if referral.respond_by and referral.respond_by + timedelta(days=expiry_days()) < timezone.now():
        return "__all__", _(
            "This referral expired without an answer. Ask the referring agency to send it again."
        )
    return None


def referral_accept(*, actor: User, referral: Referral, version: int | None = None) -> Referral:
    current = Referral.objects.get(pk=referral.pk)
    problem = _acceptance_problem(current)
    if problem is not None:
        raise _refuse(
            actor=actor, referral=current, attempt="accept", field=problem[0], message=problem[1]
        )
    return _accept(actor=actor, referral=referral, version=version)


@transaction.atomic
def _accept(*, actor: User, referral: Referral, version: int | None) -> Referral:
    fresh = _lock(referral, version)
    problem = _acceptance_problem(fresh)
    if problem is not None:
        raise ValidationError({problem[0]: problem[1]})
    now = timezone.now()
    _change(fresh, Status.ACCEPTED, actor)
    fresh.responded_at, fresh.assigned_to = now, actor
    fields = ["status", "responded_at", "assigned_to"]
    if fresh.kind == Kind.TRANSFER:
        _take_over_case(actor=actor, referral=fresh)
        _change(fresh, Status.COMPLETED, actor, _("The case was handed over."))
        fresh.closed_at, fresh.closed_by = now, actor
        fields += ["closed_at", "closed_by"]
    _save(fresh, fields)
    audit_log(
        actor=actor,
        action="referral.accepted",
        obj=fresh,
        agency_id=fresh.to_agency_id,
        extra={"kind": fresh.kind},
    )
    _notify(
        _senders(fresh),
        _("%(ref)s was accepted by %(agency)s.")
        % {"ref": fresh.reference, "agency": fresh.to_agency},
        fresh.get_absolute_url(),
        _("Referral accepted"),
    )
    return fresh


def _take_over_case(*, actor: User, referral: Referral) -> None:
    """Make the receiving agency the case's lead agency. The old team's memberships end (they
    keep the transfer record, read-only); the accepting person becomes lead worker when they
    may hold that role. The case itself changes through the cases service."""
    assert referral.to_agency_id is not None  # a transfer accepted in Sigap has an agency
    case = case_services.case_change_lead_agency(
        actor=actor,
        case=referral.case,
        agency_id=referral.to_agency_id,
        reference=f"referral:{referral.pk}",
    )
    if actor.has_role(Role.CASE_WORKER, Role.SUPERVISOR, agency_id=referral.to_agency_id):
        case_services.team_member_add(actor=actor, case=case, user=actor, role=CaseRole.LEAD_WORKER)
    referral.case = case


@transaction.atomic
def referral_decline(
    *, actor: User, referral: Referral, reason: str, version: int | None = None
) -> Referral:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why you decline, so the sender can refer again.")})
    fresh = _lock(referral, version)
    if fresh.status != Status.SENT:
        raise ValidationError({"__all__": _("This referral was already answered.")})
    _change(fresh, Status.DECLINED, actor, reason)
    fresh.decline_reason, fresh.responded_at = reason, timezone.now()
    fresh.closed_at, fresh.closed_by = fresh.responded_at, actor
    _save(fresh, ["status", "decline_reason", "responded_at", "closed_at", "closed_by"])
    audit_log(actor=actor, action="referral.declined", obj=fresh, agency_id=fresh.to_agency_id)
    _notify(
        _senders(fresh),
        _("%(ref)s was declined by %(agency)s.")
        % {"ref": fresh.reference, "agency": fresh.to_agency},
        fresh.get_absolute_url(),
        _("Referral declined"),
    )
    return fresh


@transaction.atomic
def referral_start(*, actor: User, referral: Referral, version: int | None = None) -> Referral:
    fresh = _lock(referral, version)
    _change(fresh, Status.IN_PROGRESS, actor)
    _save(fresh, ["status"])
    audit_log(actor=actor, action="referral.started", obj=fresh, agency_id=fresh.to_agency_id)
    return fresh


@transaction.atomic
def service_record_add(
    *,
    actor: User,
    referral: Referral,
    service: str,
    delivered_on: date | None,
    provider: str,
    outcome: str,
) -> ServiceRecord:
    errors: dict[str, str] = {}
    if service not in SimfoniService.values:
        errors["service"] = _("Choose the service delivered.")
    if delivered_on is None:
        errors["delivered_on"] = _("Give the date of the service.")
    elif delivered_on > timezone.localdate():
        errors["delivered_on"] = _("The date cannot be in the future.")
    if not (provider or "").strip():
        errors["provider"] = _("Who provided the service?")
    if not (outcome or "").strip():
        errors["outcome"] = _("Describe the outcome.")
    if errors or delivered_on is None:
        raise ValidationError(errors)
    fresh = _lock(referral)
    if fresh.status not in ACTIVE_STATUSES or fresh.kind != Kind.REFERRAL:
        raise ValidationError({"__all__": _("Services are recorded on an accepted referral.")})
    if fresh.status == Status.ACCEPTED:
        _change(fresh, Status.IN_PROGRESS, actor)
        _save(fresh, ["status"])
    record = ServiceRecord.objects.create(
        referral=fresh,
        service=service,
        delivered_on=delivered_on,
        provider=provider.strip(),
        outcome=outcome.strip(),
        recorded_by=actor,
    )
    audit_log(
        actor=actor,
        action="referral.service_recorded",
        obj=fresh,
        agency_id=fresh.to_agency_id,
        extra={"service": service},
    )
    return record


@transaction.atomic
def referral_complete(
    *, actor: User, referral: Referral, outcome: str, version: int | None = None
) -> Referral:
    """The receiver closes its part (needs at least one service record); for a transfer to a
    regency outside Sigap, the sender records the handover."""
    outcome = (outcome or "").strip()
    if not outcome:
        raise ValidationError({"outcome": _("Summarise the outcome for the referring agency.")})
    fresh = _lock(referral, version)
    if fresh.kind == Kind.REFERRAL and not fresh.records.exists():
        raise ValidationError(
            {"outcome": _("Record at least one service delivered before closing.")}
        )
    if fresh.kind == Kind.TRANSFER and not (fresh.is_external and fresh.status == Status.SENT):
        raise ValidationError({"__all__": _("This transfer cannot be completed this way.")})
    _change(fresh, Status.COMPLETED, actor, outcome)
    fresh.outcome, fresh.closed_at, fresh.closed_by = outcome, timezone.now(), actor
    _save(fresh, ["status", "outcome", "closed_at", "closed_by"])
    audit_log(
        actor=actor,
        action="referral.completed",
        obj=fresh,
        agency_id=fresh.to_agency_id or fresh.from_agency_id,
    )
    if fresh.kind == Kind.REFERRAL:
        _notify(
            _senders(fresh),
            _("%(agency)s completed %(ref)s.")
            % {"ref": fresh.reference, "agency": fresh.to_agency},
            fresh.get_absolute_url(),
            _("Referral completed"),
        )
    return fresh


# --- the sending side ---------------------------------------------------------------------------------


def _end_by_sender(
    *, actor: User, referral: Referral, reason: str, target: str, action: str
) -> Referral:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give a reason.")})
    fresh = _lock(referral)
    _change(fresh, target, actor, reason)
    fresh.close_reason, fresh.closed_at, fresh.closed_by = reason, timezone.now(), actor
    _save(fresh, ["status", "close_reason", "closed_at", "closed_by"])
    audit_log(actor=actor, action=action, obj=fresh, agency_id=fresh.from_agency_id)
    if fresh.sent_at is not None and fresh.to_agency_id is not None:
        _notify(
            _receivers(fresh),
            (
                _("%(ref)s was revoked by the referring agency: its shared sections are closed.")
                if target == Status.REVOKED
                else _("%(ref)s was cancelled by the referring agency.")
            )
            % {"ref": fresh.reference},
            fresh.get_absolute_url(),
            _("Referral revoked") if target == Status.REVOKED else _("Referral cancelled"),
        )
    return fresh


@transaction.atomic
def referral_cancel(*, actor: User, referral: Referral, reason: str) -> Referral:
    return _end_by_sender(
        actor=actor,
        referral=referral,
        reason=reason,
        target=Status.CANCELLED,
        action="referral.cancelled",
    )


@transaction.atomic
def referral_revoke(*, actor: User, referral: Referral, reason: str) -> Referral:
    if not actor.has_role(Role.SUPERVISOR, agency_id=referral.from_agency_id):
        raise ValidationError({"__all__": _("Only a supervisor of the referring agency revokes.")})
    return _end_by_sender(
        actor=actor,
        referral=referral,
        reason=reason,
        target=Status.REVOKED,
        action="referral.revoked",
    )


@transaction.atomic
def consent_withdraw(*, actor: User, referral: Referral, note: str) -> Referral:
    """The child or guardian withdrew consent: sharing stops now; the receiver is told."""
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Record who withdrew consent and when.")})
    fresh = _lock(referral)
    if fresh.consent_withdrawn:
        return fresh
    if fresh.consent_basis != ConsentBasis.CONSENT:
        raise ValidationError({"note": _("This referral was not shared on consent.")})
    fresh.consent_withdrawn_at, fresh.consent_withdrawn_by = timezone.now(), actor
    fresh.withdrawal_note = note
    _save(fresh, ["consent_withdrawn_at", "consent_withdrawn_by", "withdrawal_note"])
    audit_log(
        actor=actor, action="referral.consent_withdrawn", obj=fresh, agency_id=fresh.from_agency_id
    )
    if fresh.sent_at is not None and fresh.to_agency_id is not None:
        _notify(
            _receivers(fresh),
            _("Consent for %(ref)s was withdrawn: its shared sections are closed.")
            % {"ref": fresh.reference},
            fresh.get_absolute_url(),
            _("Consent withdrawn"),
        )
    return fresh


@transaction.atomic
def note_add(*, actor: User, referral: Referral, text: str) -> ReferralNote:
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write the note.")})
    agency_id = _agency_of(actor, [referral.to_agency_id, referral.from_agency_id])
    note = ReferralNote.objects.create(
        referral=referral, text=text, author=actor, author_agency_id=agency_id
    )
    audit_log(actor=actor, action="referral.note_added", obj=referral, agency_id=agency_id)
    return note


# --- reads that are audited ---------------------------------------------------------------------------


def referral_record_view(
    *, actor: User, referral: Referral, sections: list[str], via: str = "html"
) -> None:
    """Every view of a referral is audited against its case, so the case's access log shows it."""
    audit_log(
        actor=actor,
        action="referral.view",
        obj=referral.case,
        agency_id=_agency_of(actor, [referral.to_agency_id, referral.from_agency_id]),
        extra={"referral": str(referral.pk), "sections": ",".join(sections), "via": via},
    )


def referral_refuse_section(*, actor: User, referral: Referral, section: str) -> None:
    """Opening a section that was not shared (or no longer is): audited, then a 404."""
    audit_log(
        actor=actor,
        action="referral.section_refused",
        obj=referral.case,
        agency_id=_agency_of(actor, [referral.to_agency_id, referral.from_agency_id]),
        extra={"referral": str(referral.pk), "section": section[:40]},
    )


def referral_identity_numbers_read(*, actor: User, referral: Referral) -> dict[str, str] | None:
    """The child's NIK and family card through a referral, for the HTML page and the API alike:
    only while the sections are open to `actor`, the referral shares the identity section and
    `actor` holds the identity numbers (by default or by a grant). The read is audited; a
    refusal is audited too and returns None (the callers answer 404)."""
    from sigap.children import services as child_services
    from sigap.children.policies import sees_identity_numbers

    child = referral.case.child
    if not (
        policies.referral_access(actor, referral).sees_sections
        and referral.shares(Section.IDENTITY)
        and sees_identity_numbers(actor, child)
    ):
        referral_refuse_section(
            actor=actor, referral=referral, section=SensitiveSection.IDENTITY_NUMBERS
        )
        return None
    child_services.child_sensitive_view(actor=actor, child=child, what="identity_numbers")
    numbers = child_services.child_identity_numbers(child)
    return {
        "nik": numbers.get("nik") or "",
        "family_card_number": numbers.get("family_card_number") or "",
    }


def referral_record_search(*, actor: User, box: str, q: str, count: int) -> None:
    """Searches are audited: what kind of search, never the term itself (it may be a name)."""
    audit_log(
        actor=actor,
        action="referral.search",
        agency_id=_agency_of(actor, []),
        extra={"box": box, "has_query": bool(q), "results": count},
    )


# --- transfer package ---------------------------------------------------------------------------------

PACKAGE_FORMAT = "sigap-transfer/1"
_PACKAGE_SALT = "sigap.referrals.transfer-package"


def _canonical(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def package_signature(payload: dict[str, Any]) -> str:
    """HMAC-SHA256 of the canonical payload, keyed with a key derived from SECRET_KEY."""
    return salted_hmac(_PACKAGE_SALT, _canonical(payload), algorithm="sha256").hexdigest()


def package_key_id() -> str:
    derived = salted_hmac(_PACKAGE_SALT, b"key-id", algorithm="sha256").hexdigest()
    return derived[:16]


def package_sign(payload: dict[str, Any]) -> dict[str, Any]:
    return {
        "format": PACKAGE_FORMAT,
        "payload": payload,
        "signature": {
            "algorithm": "HMAC-SHA256",
            "key_id": package_key_id(),
            "value": package_signature(payload),
        },
    }


def package_verify(package: Any) -> tuple[bool, str]:
    """(valid, explanation) for a package produced by package_sign."""
    if not isinstance(package, dict) or package.get("format") != PACKAGE_FORMAT:
        return False, "not a Sigap transfer package"
    payload, signature = package.get("payload"), package.get("signature")
    if not isinstance(payload, dict) or not isinstance(signature, dict):
        return False, "payload or signature missing"
    if signature.get("key_id") != package_key_id():
        return False, "signed with another key (another installation or SECRET_KEY)"
    if not hmac.compare_digest(str(signature.get("value", "")), package_signature(payload)):
        return False, "signature does not match: the package was altered"
    return True, "valid"


def referral_record_export(*, actor: User, referral: Referral, export_format: str) -> str:
    """Audit an export of a transfer summary; returns a digest of what was exported."""
    audit_log(
        actor=actor,
        action="referral.exported",
        obj=referral.case,
        agency_id=_agency_of(actor, [referral.from_agency_id, referral.to_agency_id]),
        extra={"referral": str(referral.pk), "format": export_format},
    )
    return hashlib.sha256(str(referral.pk).encode()).hexdigest()[:12]


# --- overdue ------------------------------------------------------------------------------------------


def overdue_referrals_notify(*, now: datetime | None = None) -> int:
    """Notify both agencies about every sent referral past its deadline, once. Idempotent."""
    now = now or timezone.now()
    count = 0
    overdue = Referral.objects.filter(
        status=Status.SENT, respond_by__lt=now, overdue_notified_at__isnull=True
    ).select_related("from_agency", "to_agency", "to_user", "assigned_to", "created_by")
    for referral in overdue.order_by("respond_by").iterator(chunk_size=200):
        with transaction.atomic():
            claimed = Referral.objects.filter(
                pk=referral.pk, overdue_notified_at__isnull=True
            ).update(overdue_notified_at=now)
            if not claimed:
                continue
            due = timezone.localtime(referral.respond_by).strftime("%d-%m-%Y %H:%M")
            _notify(
                [*_receivers(referral), *_senders(referral)],
                _("%(ref)s is overdue: it needed an answer by %(due)s.")
                % {"ref": referral.reference, "due": due},
                reverse("referrals:referral-detail", kwargs={"pk": referral.pk}),
                _("Overdue referral"),
            )
            audit_log(actor=None, action="referral.overdue_notified", obj=referral)
            count += 1
    return count


# --- break-the-glass ----------------------------------------------------------------------------------


def break_glass_open(*, actor: User, case: Case, reason: str) -> EmergencyAccess:
    """Open `case` outside the rules for SIGAP_BREAK_GLASS_HOURS; the case's owner and the lead
    agency's supervisors are told, and the access waits for a supervisor's review."""
    reason = (reason or "").strip()
    agency = policies.break_glass_agency(actor, case)
    if len(reason) < MIN_REASON or agency is None:
        with transaction.atomic():
            audit_log(
                actor=actor,
                action="access.refused",
                obj=case,
                agency_id=_agency_of(actor, []),
                extra={"attempt": "break_glass", "has_reason": bool(reason)},
            )
        if agency is None:
            raise ValidationError({"__all__": _("You may not use emergency access.")})
        raise ValidationError(
            {"reason": _("Give the reason for opening this case (at least 10 characters).")}
        )
    return _break_glass(actor=actor, case=case, reason=reason, agency=agency)


@transaction.atomic
def _break_glass(*, actor: User, case: Case, reason: str, agency: Agency) -> EmergencyAccess:
    now = timezone.now()
    access = EmergencyAccess.objects.create(
        user=actor,
        agency=agency,
        case=case,
        reason=reason,
        started_at=now,
        expires_at=now + timedelta(hours=break_glass_hours()),
    )
    policies.forget_emergency(actor)
    forget_case_access(case)
    audit_log(
        actor=actor,
        action="case.break_glass",
        obj=case,
        agency_id=agency.pk,
        extra={"emergency_access": access.pk, "hours": break_glass_hours()},
    )
    owners = list(
        User.objects.filter(
            case_memberships__case=case,
            case_memberships__ended_at__isnull=True,
            case_memberships__role=CaseRole.LEAD_WORKER,
        )
    )
    _notify(
        [*owners, *_people(case.lead_agency_id, [Role.SUPERVISOR])],
        _("%(user)s (%(agency)s) used emergency access to case %(number)s.")
        % {"user": actor.display_name, "agency": agency, "number": case.number},
        reverse("referrals:case-access-log", kwargs={"case_id": case.pk}),
        _("Emergency access to a case"),
    )
    return access


@transaction.atomic
def break_glass_review(
    *, actor: User, access: EmergencyAccess, outcome: str, note: str = ""
) -> EmergencyAccess:
    if outcome not in ReviewOutcome.values:
        raise ValidationError({"outcome": _("Choose whether the access was justified.")})
    if outcome == ReviewOutcome.NOT_JUSTIFIED and not (note or "").strip():
        raise ValidationError({"note": _("Say what follows from an unjustified access.")})
    fresh = EmergencyAccess.objects.select_for_update().get(pk=access.pk)
    if fresh.reviewed_at is not None:
        raise ValidationError({"__all__": _("This access was already reviewed.")})
    if fresh.user_id == actor.pk:
        raise ValidationError({"__all__": _("Another supervisor reviews your own access.")})
    fresh.reviewed_at, fresh.reviewed_by = timezone.now(), actor
    fresh.review_outcome, fresh.review_note = outcome, (note or "").strip()
    if fresh.is_current:
        fresh.ended_at = fresh.reviewed_at  # reviewing closes the access
    fresh.save()
    audit_log(
        actor=actor,
        action="access.break_glass_reviewed",
        obj=fresh.case,
        agency_id=_agency_of(actor, [fresh.case.lead_agency_id, fresh.agency_id]),
        extra={"emergency_access": fresh.pk, "outcome": outcome},
    )
    return fresh


# --- sensitive sections ---------------------------------------------------------------------------

MIN_GRANT_REASON = 10  # characters


@transaction.atomic
def section_grant(
    *,
    actor: User,
    case: Case,
    user: User,
    section: str,
    reason: str,
    expires_at: datetime | None = None,
) -> SectionGrant:
    """Let `user` see `section` of `case` (a supervisor of the lead agency decides, with a
    reason; optionally until `expires_at`). An expired grant of the same section is closed and
    replaced; a current one is refused (revoke it first, or let it run)."""
    if not policies.manages_section_grants(actor, case):
        raise PermissionDenied
    reason = " ".join((reason or "").split())
    errors: dict[str, str] = {}
    if section not in SensitiveSection.values:
        errors["section"] = _("Choose a section.")
    if len(reason) < MIN_GRANT_REASON:
        errors["reason"] = _("Say why this person needs the section (at least 10 characters).")
    now = timezone.now()
    if expires_at is not None and expires_at <= now:
        errors["expires_at"] = _("The end of the grant must be in the future.")
    if user.pk == actor.pk:
        errors["user"] = _("You already see every section of your agency's cases.")
    elif user.pk not in section_grantee_ids(case=case):
        errors["user"] = _(
            "Choose someone of the lead agency or of an agency the case is referred to."
        )
    if errors:
        raise ValidationError(errors)
    Case.objects.select_for_update().filter(pk=case.pk).first()  # one grant decision at a time
    open_grant = SectionGrant.objects.filter(
        case=case, user=user, section=section, revoked_at__isnull=True
    ).first()
    if open_grant is not None:
        if open_grant.is_current:
            raise ValidationError(
                {"user": _("This person already holds a current grant for this section.")}
            )
        open_grant.revoked_at, open_grant.revoked_by = now, actor
        open_grant.revoke_note = "expired; replaced by a new grant"
        open_grant.save(update_fields=["revoked_at", "revoked_by", "revoke_note"])
    grant = SectionGrant.objects.create(
        case=case,
        user=user,
        section=section,
        reason=reason,
        granted_by=actor,
        granted_at=now,
        expires_at=expires_at,
    )
    forget_section_grants(user)
    audit_log(
        actor=actor,
        action="section.granted",
        obj=case,
        agency_id=case.lead_agency_id,
        extra={
            "grant": grant.pk,
            "user": user.pk,
            "section": section,
            "expires_at": expires_at.isoformat() if expires_at else None,
        },
    )
    return grant


@transaction.atomic
def section_grant_revoke(*, actor: User, grant: SectionGrant, note: str = "") -> SectionGrant:
    fresh = SectionGrant.objects.select_for_update().select_related("case").get(pk=grant.pk)
    if not policies.manages_section_grants(actor, fresh.case):
        raise PermissionDenied
    if fresh.revoked_at is not None:
        raise ValidationError({"__all__": _("This grant was already revoked.")})
    fresh.revoked_at, fresh.revoked_by = timezone.now(), actor
    fresh.revoke_note = (note or "").strip()[:2000]
    fresh.save(update_fields=["revoked_at", "revoked_by", "revoke_note"])
    forget_section_grants(grant.user)
    audit_log(
        actor=actor,
        action="section.revoked",
        obj=fresh.case,
        agency_id=fresh.case.lead_agency_id,
        extra={"grant": fresh.pk, "user": fresh.user_id, "section": fresh.section},
    )
    return fresh


def section_grantee_ids(*, case: Case) -> set[int]:
    """Who may be given a section of `case`: people with a child-data role at the lead agency,
    at an agency the case is referred or being transferred to, and the holders of a current
    break-the-glass on it. Nobody else has a way to the case to read the section in."""
    agencies = {case.lead_agency_id}
    agencies |= set(
        Referral.objects.filter(case=case, status__in=sorted(OPEN_STATUSES))
        .exclude(to_agency__isnull=True)
        .values_list("to_agency_id", flat=True)
    )
    ids = set(
        User.objects.filter(
            is_active=True,
            memberships__agency_id__in=sorted(agencies),
            memberships__is_active=True,
            memberships__role__in=sorted(CHILD_DATA_ROLES),
        ).values_list("pk", flat=True)
    )
    ids |= set(
        EmergencyAccess.objects.filter(
            case=case, ended_at__isnull=True, expires_at__gt=timezone.now()
        ).values_list("user_id", flat=True)
    )
    return ids
