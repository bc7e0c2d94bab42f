"""Who may see and do what with referrals, transfers and emergency access: the one place.

Seeing a referral (referral_visibility_q for lists, referral_access for one record):
- the sending side: whoever may see the case (sigap.cases.policies.case_visibility_q), the person
  who created the referral and the supervisors of the referring agency (they keep the record,
  read-only, after a transfer moved the case away);
- the receiving side, once sent: the named person (to_user) and the supervisors of the receiving
  agency; when nobody is named, every member of the receiving agency with a child-data role (the
  inbox of a police unit); the person who accepted it.
Seeing the *shared sections* needs more: on the receiving side only the person handling it (or
the named person) and the receiving agency's supervisors, only while the referral is active
(accepted or in progress, consent not withdrawn). Everything after is read-only history without
the sections. Analysts and administrators see no referral (they hold no child-data role).

Break-the-glass: supervisors of a child-protection agency (UPTD PPA, Dinas Sosial, DP3AKB, the
police child unit) may open a case of their own regency outside these rules, with a reason, for
SIGAP_BREAK_GLASS_HOURS (4 by default). Supervisors because they are already the accountable,
senior, 2FA-protected staff who are called at night; no new role flag to hand out and forget.
The grant is read-only (no work, no notes) and is registered with the cases app as a CaseGrant.

Sensitive sections (psychologist notes, details of sexual violence, the reporter's identity, NIK
and family card): their default holders are decided by the apps that own them; anyone else needs
a SectionGrant on the case, made and revoked only by a supervisor of the case's lead agency.
Seeing the case through a referral, a transfer's history or break-the-glass gives no section,
even when the referral shares the part of the case the section belongs to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils import timezone

from sigap.accounts.models import CHILD_DATA_ROLES, AgencyType, Role, User
from sigap.cases.extensions import CaseGrant
from sigap.cases.models import Case, CaseRole
from sigap.cases.policies import case_access, case_visibility_q
from sigap.core.access import policy
from sigap.referrals.models import (
    ACTIVE_STATUSES,
    FINAL_STATUSES,
    OPEN_STATUSES,
    ConsentBasis,
    EmergencyAccess,
    Kind,
    Referral,
    SectionGrant,
    Status,
)

# Agencies whose supervisors may break the glass.
BREAK_GLASS_AGENCY_TYPES = frozenset(
    {AgencyType.UPTD_PPA, AgencyType.DINSOS, AgencyType.DP3AKB, AgencyType.POLICE_PPA}
)
# Agency roles that may create referrals for a case they work.
SENDER_ROLES = (Role.CASE_WORKER, Role.SUPERVISOR)


def _child_data_agencies(user: User) -> set[int]:
    return {m.agency_id for m in user.active_memberships if m.role in CHILD_DATA_ROLES}


def _supervised(user: User) -> set[int]:
    return user.agency_ids_with_role(Role.SUPERVISOR)


def referral_visibility_q(user: User) -> Q:
    """The referrals `user` may know about, as a filter over Referral."""
    if not user.is_authenticated or not user.sees_child_data:
        return Q(pk__in=[])
    agencies = sorted(_child_data_agencies(user))
    supervised = sorted(_supervised(user))
    visible_cases = Case.objects.filter(case_visibility_q(user)).values("pk")
    q = Q(created_by=user) | Q(case__in=visible_cases) | Q(assigned_to=user)
    if supervised:
        q |= Q(from_agency_id__in=supervised)
    receiving = (
        Q(to_agency_id__in=agencies)
        & ~Q(status=Status.DRAFT)
        & (Q(to_user__isnull=True) | Q(to_user=user) | Q(to_agency_id__in=supervised))
    )
    return q | receiving


@dataclass(frozen=True)
class ReferralAccess:
    side: str | None  # "sender", "receiver" or None (not visible)
    can_view: bool
    sees_sections: bool
    can_edit: bool  # draft: edit, record consent, send
    can_approve_exception: bool
    can_respond: bool  # accept or decline
    can_work: bool  # start, record services, complete
    can_note: bool
    can_cancel: bool
    can_revoke: bool
    can_withdraw_consent: bool
    can_hand_over: bool  # mark an external transfer as handed over
    can_export: bool


NO_ACCESS = ReferralAccess(None, *([False] * 12))


def referral_access(user: User, referral: Referral) -> ReferralAccess:
    """Everything `user` may do with `referral`, cached on the referral for this request."""
    cache: dict[int, ReferralAccess] = referral.__dict__.setdefault("_sigap_access", {})
    if user.pk in cache:
        return cache[user.pk]
    access = _compute_access(user, referral)
    cache[user.pk] = access
    return access


def forget_access(referral: Referral) -> None:
    referral.__dict__.pop("_sigap_access", None)


def _compute_access(user: User, r: Referral) -> ReferralAccess:
    if not user.is_authenticated or not user.sees_child_data:
        return NO_ACCESS
    supervised = _supervised(user)
    case_acc = case_access(user, r.case)
    from_supervisor = r.from_agency_id in supervised
    sender_worker = r.created_by_id == user.pk or case_acc.can_work
    sender = sender_worker or from_supervisor or case_acc.can_view
    to_supervisor = r.to_agency_id is not None and r.to_agency_id in supervised
    at_receiver = r.to_agency_id is not None and r.to_agency_id in _child_data_agencies(user)
    sent = r.status != Status.DRAFT
    handles = r.assigned_to_id == user.pk or r.to_user_id == user.pk or to_supervisor
    receiver = sent and (
        r.assigned_to_id == user.pk or (at_receiver and (r.to_user_id is None or handles))
    )
    if not (sender or receiver):
        return NO_ACCESS
    open_ = r.status in OPEN_STATUSES
    if sender:
        # The sending side sees what it shares (it sees the case anyway); after a transfer it
        # keeps a read-only view of what it wrote up to the handover.
        sees = case_acc.can_view or (
            r.kind == Kind.TRANSFER and (r.created_by_id == user.pk or from_supervisor)
        )
    else:
        sees = False
    if receiver and handles and r.is_active:
        sees = True
    can_respond = (
        receiver
        and r.status == Status.SENT
        and r.to_agency_id is not None
        and (handles or r.to_user_id is None)
    )
    can_work = (
        receiver
        and r.kind == Kind.REFERRAL
        and r.status in ACTIVE_STATUSES
        and (r.assigned_to_id == user.pk or to_supervisor)
    )
    return ReferralAccess(
        side="sender" if sender else "receiver",
        can_view=True,
        sees_sections=sees,
        can_edit=sender_worker and r.status == Status.DRAFT,
        can_approve_exception=(
            from_supervisor
            and r.created_by_id != user.pk
            and r.status == Status.DRAFT
            and r.consent_basis == ConsentBasis.EXCEPTION
            and r.exception_approved_at is None
        ),
        can_respond=can_respond,
        can_work=can_work,
        can_note=sent
        and ((sender and (sender_worker or from_supervisor)) or (receiver and handles)),
        can_cancel=sender_worker and (r.status == Status.DRAFT or open_),
        can_revoke=from_supervisor and open_,
        can_withdraw_consent=(
            sender_worker
            and r.consent_basis == ConsentBasis.CONSENT
            and not r.consent_withdrawn
            and r.status not in FINAL_STATUSES
        ),
        can_hand_over=(
            sender_worker and r.kind == Kind.TRANSFER and r.is_external and r.status == Status.SENT
        ),
        can_export=(
            r.kind == Kind.TRANSFER
            and r.status != Status.DRAFT
            and ((sender and sees) or (receiver and handles and r.status == Status.COMPLETED))
        ),
    )


def _access(user: User, obj: Any) -> ReferralAccess:
    return referral_access(user, obj) if isinstance(obj, Referral) else NO_ACCESS


@policy("referral.list")
def can_list_referrals(user: User, obj: Any) -> bool:
    return user.sees_child_data


@policy("referral.view")
def can_view_referral(user: User, obj: Any) -> bool:
    if obj is None:
        return user.sees_child_data
    return _access(user, obj).can_view


@policy("referral.create")
def can_create_referral(user: User, obj: Any) -> bool:
    """obj: the Case (already fetched through the case selectors)."""
    if obj is None:
        return user.has_role(*SENDER_ROLES)
    return isinstance(obj, Case) and not obj.is_closed and case_access(user, obj).can_work


def _object_rule(attr: str, fallback: Any = None) -> Any:
    def check(user: User, obj: Any) -> bool:
        if obj is None:
            return bool(fallback(user)) if fallback else user.sees_child_data
        return bool(getattr(_access(user, obj), attr))

    return check


policy("referral.edit")(_object_rule("can_edit", lambda u: u.has_role(*SENDER_ROLES)))
policy("referral.approve_exception")(
    _object_rule("can_approve_exception", lambda u: bool(_supervised(u)))
)
policy("referral.respond")(_object_rule("can_respond"))
policy("referral.work")(_object_rule("can_work"))
policy("referral.note")(_object_rule("can_note"))
policy("referral.cancel")(_object_rule("can_cancel", lambda u: u.has_role(*SENDER_ROLES)))
policy("referral.revoke")(_object_rule("can_revoke", lambda u: bool(_supervised(u))))
policy("referral.withdraw_consent")(
    _object_rule("can_withdraw_consent", lambda u: u.has_role(*SENDER_ROLES))
)
policy("referral.hand_over")(_object_rule("can_hand_over", lambda u: u.has_role(*SENDER_ROLES)))
policy("referral.export")(_object_rule("can_export"))


# --- break-the-glass ---------------------------------------------------------------------------


def break_glass_regencies(user: User) -> set[str]:
    """The regencies where `user` may break the glass (empty: not an emergency role)."""
    return {
        m.agency.regency_code
        for m in user.active_memberships
        if m.role == Role.SUPERVISOR and m.agency.type in BREAK_GLASS_AGENCY_TYPES
    }


def break_glass_agency(user: User, case: Case) -> Any:
    """The agency in whose name `user` breaks the glass on `case`, or None."""
    for m in user.active_memberships:
        if (
            m.role == Role.SUPERVISOR
            and m.agency.type in BREAK_GLASS_AGENCY_TYPES
            and m.agency.regency_code == case.regency_code
        ):
            return m.agency
    return None


@policy("access.break_glass")
def can_break_glass(user: User, obj: Any) -> bool:
    if obj is None:
        return bool(break_glass_regencies(user))
    return isinstance(obj, Case) and break_glass_agency(user, obj) is not None


def current_emergency_case_ids(user: User) -> set[Any]:
    """The cases `user` holds a current break-the-glass grant on (one query per request)."""
    memo = user.__dict__.get("_sigap_emergency")
    if memo is None:
        memo = set(
            EmergencyAccess.objects.filter(
                user=user, ended_at__isnull=True, expires_at__gt=timezone.now()
            ).values_list("case_id", flat=True)
        )
        user.__dict__["_sigap_emergency"] = memo
    return memo


def forget_emergency(user: User) -> None:
    user.__dict__.pop("_sigap_emergency", None)


def emergency_case_visibility(user: User) -> Q:
    """Registered with cases: the cases of the user's current break-the-glass grants."""
    if not getattr(user, "is_authenticated", False) or not break_glass_regencies(user):
        return Q(pk__in=[])
    # A list of ids, not a subquery: a subquery in the OR of case_visibility_q kept PostgreSQL
    # from using the (lead_agency, opened_at) index and scanned all cases (758 ms against 7 ms
    # for a supervisor at 1,000,000 cases, bench/access.py); an empty list drops out of the OR.
    return Q(pk__in=sorted(current_emergency_case_ids(user)))


def emergency_case_grant(user: User, case: Any) -> CaseGrant | None:
    """Registered with cases: a read-only grant while the break-the-glass lasts."""
    if not getattr(user, "is_authenticated", False) or not break_glass_regencies(user):
        return None
    if case.pk in current_emergency_case_ids(user):
        return CaseGrant(reason="break_the_glass", can_work=False, can_note=False)
    return None


@policy("access.review")
def can_review_emergency_access(user: User, obj: Any) -> bool:
    """Supervisors review the break-the-glass on their agency's cases and by their agency's
    people; never their own."""
    supervised = _supervised(user)
    if obj is None:
        return bool(supervised)
    if not isinstance(obj, EmergencyAccess) or obj.user_id == user.pk:
        return False
    return obj.agency_id in supervised or obj.case.lead_agency_id in supervised


@policy("access.case_log")
def can_see_case_access_log(user: User, obj: Any) -> bool:
    """'Who accessed this record': the case's owner (lead worker) and its supervisors."""
    if obj is None:
        return user.has_role(Role.SUPERVISOR, Role.CASE_WORKER)
    if not isinstance(obj, Case):
        return False
    acc = case_access(user, obj)
    return acc.is_supervisor or acc.team_role == CaseRole.LEAD_WORKER


@policy("access.unusual")
def can_see_unusual_access(user: User, obj: Any) -> bool:
    return bool(_supervised(user))


# --- sensitive sections -------------------------------------------------------------------------


def current_section_grants(user: User) -> list[tuple[Any, Any, str]]:
    """Registered with sigap.children.sections: (case_id, child_id, section) of the user's
    current grants. One query, only asked when no default rule already decided."""
    now = timezone.now()
    return list(
        SectionGrant.objects.filter(user=user, revoked_at__isnull=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .values_list("case_id", "case__child_id", "section")
    )


def manages_section_grants(user: User, case: Case) -> bool:
    """Only a supervisor of the case's lead agency grants and revokes sensitive sections."""
    return user.has_role(Role.SUPERVISOR, agency_id=case.lead_agency_id)


@policy("section.grants")
def can_see_section_grants(user: User, obj: Any) -> bool:
    """The list of a case's grants: whoever may see who accessed the case (its owner and the
    lead agency's supervisors)."""
    if obj is None:
        return user.has_role(Role.SUPERVISOR, Role.CASE_WORKER)
    return isinstance(obj, Case) and (
        manages_section_grants(user, obj) or can_see_case_access_log(user, obj)
    )


@policy("section.grant")
def can_grant_section(user: User, obj: Any) -> bool:
    """obj: the Case (fetched through the case selectors), or a SectionGrant to revoke."""
    if obj is None:
        return bool(_supervised(user))
    if isinstance(obj, SectionGrant):
        return obj.revoked_at is None and manages_section_grants(user, obj.case)
    return isinstance(obj, Case) and manages_section_grants(user, obj)
