"""Reads of referrals, shared sections, emergency access and the access log, always scoped to the
reader through sigap.referrals.policies. A referral the user may not know about is a 404."""

from __future__ import annotations

import uuid
from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from sigap.accounts.models import CHILD_DATA_ROLES, Agency, Membership, Role, User
from sigap.cases.models import (
    Assessment,
    AssessmentStatus,
    Case,
    CaseCategory,
    CategoryKind,
    PlanAction,
)
from sigap.cases.sections import sexual_violence_details_hidden
from sigap.children.models import FamilyMember
from sigap.core.models import AuditEvent
from sigap.referrals.models import (
    OPEN_STATUSES,
    EmergencyAccess,
    Referral,
    Section,
    SectionGrant,
    Status,
)
from sigap.referrals.policies import referral_access, referral_visibility_q

INBOX, OUTBOX = "in", "out"
OVERDUE = "overdue"


@dataclass(frozen=True)
class ReferralFilters:
    box: str = ""  # "in" (to my agencies), "out" (from my agencies), "" both
    status: str = ""  # a Status value, "open" or "overdue"
    q: str = ""  # a reference (R-XXXXXXXX) or case number


def _my_agencies(user: User) -> list[int]:
    return sorted({m.agency_id for m in user.active_memberships if m.role in CHILD_DATA_ROLES})


def referral_list_for(*, user: User, filters: ReferralFilters | None = None) -> QuerySet[Referral]:
    f = filters or ReferralFilters()
    qs = Referral.objects.filter(referral_visibility_q(user))
    agencies = _my_agencies(user)
    if f.box == INBOX:
        qs = qs.filter(to_agency_id__in=agencies).exclude(status=Status.DRAFT)
    elif f.box == OUTBOX:
        qs = qs.filter(from_agency_id__in=agencies)
    if f.status == "open":
        qs = qs.filter(status__in=sorted(OPEN_STATUSES | {Status.DRAFT}))
    elif f.status == OVERDUE:
        qs = qs.filter(status=Status.SENT, respond_by__lt=timezone.now())
    elif f.status in Status.values:
        qs = qs.filter(status=f.status)
    term = f.q.strip().upper()
    if term.startswith("R-") and len(term) >= 4:
        qs = qs.filter(id__startswith=term[2:].lower()) if _hexish(term[2:]) else qs.none()
    elif term.startswith("SGP-"):
        qs = qs.filter(case__number__startswith=term)
    elif term:
        qs = qs.none()
    return qs.select_related(
        "case", "from_agency", "to_agency", "to_user", "assigned_to", "to_region"
    ).order_by("-created_at", "-pk")


def _hexish(value: str) -> bool:
    return all(c in "0123456789ABCDEF-" for c in value)


def referral_get_for(*, user: User, referral_id: Any) -> Referral:
    try:
        pk = uuid.UUID(str(referral_id))
    except ValueError as exc:
        raise Http404 from exc
    referral = (
        Referral.objects.filter(referral_visibility_q(user), pk=pk)
        .select_related(
            "case",
            "case__child",
            "case__lead_agency",
            "from_agency",
            "to_agency",
            "to_user",
            "to_region",
            "assigned_to",
            "created_by",
            "guardian",
            "exception_approved_by",
            "consent_withdrawn_by",
            "closed_by",
        )
        .first()
    )
    if referral is None or not referral_access(user, referral).can_view:
        raise Http404
    return referral


@dataclass
class ReferralDetail:
    changes: list[Any]
    records: list[Any]
    notes: list[Any]


def referral_detail_for(*, referral: Referral) -> ReferralDetail:
    return ReferralDetail(
        changes=list(referral.changes.select_related("changed_by")),
        records=list(referral.records.select_related("recorded_by")),
        notes=list(referral.notes.select_related("author", "author_agency")),
    )


def referrals_for_case(*, user: User, case: Case) -> list[Referral]:
    """The referrals of a case the user already sees (fetched through the case selectors)."""
    return list(
        Referral.objects.filter(referral_visibility_q(user), case=case)
        .select_related("to_agency", "to_user", "to_region", "created_by")
        .order_by("-created_at")
    )


def inbox_counts_for(*, user: User) -> dict[str, int]:
    """Waiting and overdue referrals for the user's agencies (the queue's badges)."""
    qs = Referral.objects.filter(
        referral_visibility_q(user), to_agency_id__in=_my_agencies(user), status=Status.SENT
    )
    return {
        "waiting": qs.count(),
        "overdue": qs.filter(respond_by__lt=timezone.now()).count(),
    }


# --- shared sections ------------------------------------------------------------------------------


@dataclass
class SharedSections:
    """What a referral shows of its case; only the sections it shares are filled."""

    sections: list[str]
    child: Any = None
    case: Any = None
    ampk_labels: list[str] = field(default_factory=list)
    violence_labels: list[str] = field(default_factory=list)
    assessment: Any = None
    plan: Any = None
    plan_actions: list[Any] = field(default_factory=list)
    notes: list[Any] = field(default_factory=list)
    family: list[Any] = field(default_factory=list)
    people: list[Any] = field(default_factory=list)
    perpetrator_relatives: list[Any] = field(default_factory=list)
    as_of: datetime | None = None
    # A case of sexual violence seen by someone who holds neither the default role nor a grant
    # for its details (sigap.cases.sections): summary, risk reason, assessment and note texts
    # are left out; the categories stay.
    details_hidden: bool = False

    def has(self, section: str) -> bool:
        return section in self.sections


NOTES_SHARED = 30


def shared_sections_for(
    *, referral: Referral, as_of: datetime | None = None, viewer: User | None = None
) -> SharedSections:
    """The shared sections of `referral` (the caller has checked referral_access.sees_sections).
    `as_of` limits what is shown to what existed then (a transfer seen by its former owner).
    With `viewer`, the details of sexual violence are left out unless the viewer may see them.
    One query per shared section at most, whatever the size of the case."""
    case: Case = referral.case
    sections = [s for s in Section.values if referral.shares(s)]
    out = SharedSections(sections=sections, case=case, as_of=as_of)
    if viewer is not None or Section.SUMMARY in sections:
        # The categories say whether the case is one of sexual violence, and are the summary's.
        cats = list(CaseCategory.objects.filter(case=case))
        case._prefetched_objects_cache = {"categories": cats}  # type: ignore[attr-defined]
    if viewer is not None:
        out.details_hidden = sexual_violence_details_hidden(viewer, case)

    def until(qs: QuerySet[Any], name: str = "created_at") -> QuerySet[Any]:
        return qs.filter(**{f"{name}__lte": as_of}) if as_of else qs

    if Section.IDENTITY in sections:
        out.child = case.child
    if Section.SUMMARY in sections:
        out.ampk_labels = case.labels(CategoryKind.AMPK)
        out.violence_labels = case.labels(CategoryKind.VIOLENCE)
    if Section.ASSESSMENT in sections:
        out.assessment = (
            until(
                Assessment.objects.filter(case=case, status=AssessmentStatus.COMPLETED),
                "completed_at",
            )
            .order_by("-completed_at")
            .first()
        )
    if Section.PLAN in sections:
        plan = (
            until(case.plans.all())
            .prefetch_related(
                Prefetch(
                    "actions",
                    queryset=PlanAction.objects.select_related("responsible_agency").order_by(
                        "due_on", "pk"
                    ),
                )
            )
            .order_by("-created_at", "-pk")
            .first()
        )
        out.plan = plan
        out.plan_actions = list(plan.actions.all()) if plan is not None else []
    if Section.NOTES in sections:
        out.notes = list(
            until(case.notes.select_related("author")).order_by("-occurred_on", "-created_at")[
                :NOTES_SHARED
            ]
        )
    if Section.FAMILY in sections or Section.PERPETRATORS in sections:
        family = list(
            FamilyMember.objects.filter(child_id=case.child_id).order_by("relation", "full_name")
        )
        if Section.FAMILY in sections:
            out.family = family
        if Section.PERPETRATORS in sections:
            out.perpetrator_relatives = [m for m in family if m.is_alleged_perpetrator]
    if Section.PERPETRATORS in sections:
        out.people = list(until(case.people.select_related("person"), "added_at"))
    return out


# --- emergency access -----------------------------------------------------------------------------


def emergency_review_list_for(*, user: User, pending: bool = True) -> QuerySet[EmergencyAccess]:
    """Break-the-glass on the cases of the agencies the user supervises, or by their people."""
    supervised = sorted(user.agency_ids_with_role(Role.SUPERVISOR))
    qs = (
        EmergencyAccess.objects.filter(
            Q(agency_id__in=supervised) | Q(case__lead_agency_id__in=supervised)
        )
        .exclude(user=user)
        .select_related("user", "agency", "case", "case__lead_agency", "reviewed_by")
    )
    if pending:
        qs = qs.filter(reviewed_at__isnull=True)
        return qs.order_by("started_at", "pk")
    return qs.order_by("-started_at", "-pk")


def emergency_get_for(*, user: User, access_id: int) -> EmergencyAccess:
    access = emergency_review_list_for(user=user, pending=False).filter(pk=access_id).first()
    if access is None:
        raise Http404
    return access


def emergency_for_case(*, case: Case) -> list[EmergencyAccess]:
    return list(
        EmergencyAccess.objects.filter(case=case)
        .select_related("user", "agency", "reviewed_by")
        .order_by("-started_at")
    )


def case_by_number_for_break_glass(*, user: User, number: str) -> Case | None:
    """The case with this number in a regency where the user may break the glass, or None."""
    from sigap.referrals.policies import break_glass_regencies

    regencies = sorted(break_glass_regencies(user))
    number = (number or "").strip().upper()
    if not regencies or not number:
        return None
    return (
        Case.objects.filter(number=number, regency_code__in=regencies)
        .select_related("lead_agency", "child")
        .first()
    )


def case_by_id_for_break_glass(*, user: User, case_id: Any) -> Case | None:
    from sigap.referrals.policies import break_glass_regencies

    regencies = sorted(break_glass_regencies(user))
    if not regencies:
        return None
    return (
        Case.objects.filter(pk=case_id, regency_code__in=regencies)
        .select_related("lead_agency", "child")
        .first()
    )


# --- who accessed this record ---------------------------------------------------------------------


def case_access_log_for(*, case: Case) -> QuerySet[AuditEvent]:
    """Every audit event on the case and on its child, newest first."""
    return AuditEvent.objects.filter(
        Q(object_type="cases.case", object_id=str(case.pk))
        | Q(object_type="children.child", object_id=str(case.child_id))
    ).order_by("-id")


def agencies_of_users(user_ids: set[Any]) -> dict[int, str]:
    """{user id: "Agency, Agency"} for the access log, in one query."""
    if not user_ids:
        return {}
    names: dict[int, list[str]] = defaultdict(list)
    for m in (
        Membership.objects.filter(user_id__in=[u for u in user_ids if u], is_active=True)
        .select_related("agency")
        .order_by("agency__name")
    ):
        label = str(m.agency)
        if label not in names[m.user_id]:
            names[m.user_id].append(label)
    return {uid: ", ".join(labels) for uid, labels in names.items()}


# Audit actions that are reads of a child's record (for the unusual-access report).
READ_ACTIONS = ("case.view", "child.view", "child.view_sensitive", "referral.view")


def unusual_thresholds() -> tuple[int, int]:
    """(records, minutes): opening more than `records` different records within `minutes`."""
    return (
        int(getattr(settings, "SIGAP_UNUSUAL_ACCESS_RECORDS", 30)),
        int(getattr(settings, "SIGAP_UNUSUAL_ACCESS_MINUTES", 60)),
    )


@dataclass(frozen=True)
class UnusualAccess:
    actor_id: int
    actor_label: str
    started_at: datetime
    ended_at: datetime
    records: int


def unusual_access_for(
    *,
    user: User,
    days: int = 7,
    records: int | None = None,
    minutes: int | None = None,
) -> list[UnusualAccess]:
    """People of the agencies `user` supervises who opened more than `records` different child
    or case records within `minutes`, over the last `days`. A sliding window over the read
    events of those people only (bounded by their agencies and the period)."""
    default_records, default_minutes = unusual_thresholds()
    records = records or default_records
    minutes = minutes or default_minutes
    supervised = sorted(user.agency_ids_with_role(Role.SUPERVISOR))
    if not supervised:
        return []
    people = set(
        Membership.objects.filter(agency_id__in=supervised, is_active=True).values_list(
            "user_id", flat=True
        )
    )
    since = timezone.now() - timedelta(days=days)
    events = (
        AuditEvent.objects.filter(
            actor_id__in=sorted(people), action__in=READ_ACTIONS, occurred_at__gte=since
        )
        .order_by("actor_id", "occurred_at")
        .values_list("actor_id", "actor_label", "occurred_at", "object_type", "object_id")
    )
    window = timedelta(minutes=minutes)
    found: list[UnusualAccess] = []
    current_actor: Any = None
    recent: deque[tuple[datetime, str]] = deque()
    flagged_until: datetime | None = None
    for actor_id, label, at, otype, oid in events.iterator(chunk_size=2000):
        if actor_id != current_actor:
            current_actor, recent, flagged_until = actor_id, deque(), None
        recent.append((at, f"{otype}:{oid}"))
        while recent and recent[0][0] < at - window:
            recent.popleft()
        distinct = len({key for _t, key in recent})
        if distinct <= records:
            continue
        last = found[-1] if found else None
        if (
            last is not None
            and last.actor_id == actor_id
            and flagged_until is not None
            and recent[0][0] <= flagged_until
        ):
            found[-1] = UnusualAccess(
                actor_id, label, last.started_at, at, max(last.records, distinct)
            )
        else:
            found.append(UnusualAccess(actor_id, label, recent[0][0], at, distinct))
        flagged_until = at
    found.sort(key=lambda u: u.started_at, reverse=True)
    return found


def agencies_for_referral(*, user: User, case: Case) -> QuerySet[Agency]:
    """Agencies a case may be referred or transferred to (any active agency but the lead)."""
    return Agency.objects.filter(is_active=True).exclude(pk=case.lead_agency_id).order_by("name")


def people_at(*, agency: Agency) -> QuerySet[User]:
    return (
        User.objects.filter(
            is_active=True,
            memberships__agency=agency,
            memberships__is_active=True,
            memberships__role__in=sorted(CHILD_DATA_ROLES),
        )
        .distinct()
        .order_by("full_name", "username")
    )


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def transfer_payload(*, referral: Referral, shared: SharedSections) -> dict[str, Any]:
    """The content of a transfer package: the case as handed over. NIK, family-card number and
    photo are left out (they travel by official letter, not in a file)."""
    case, child = referral.case, referral.case.child
    payload: dict[str, Any] = {
        "exported_at": timezone.now().isoformat(),
        "referral": {
            "reference": referral.reference,
            "kind": referral.kind,
            "status": referral.status,
            "from_agency": str(referral.from_agency),
            "to_agency": str(referral.to_agency) if referral.to_agency_id else None,
            "to_region": referral.to_region_id,
            "external_recipient": referral.external_recipient,
            "reason": referral.reason,
            "services": list(referral.services),
            "sent_at": _iso(referral.sent_at),
            "consent_basis": referral.consent_basis,
            "exception_ground": referral.exception_ground,
            "consent_withdrawn_at": _iso(referral.consent_withdrawn_at),
        },
        "case": {
            "number": case.number,
            "regency_code": case.regency_code,
            "opened_at": _iso(case.opened_at),
            "stage": case.stage,
            "summary": case.summary,
            "risk_level": case.risk_level,
            "risk_reason": case.risk_reason,
            "ampk_categories": shared.ampk_labels,
            "violence_types": shared.violence_labels,
        },
        "child": {
            "full_name": child.full_name,
            "sex": child.sex,
            "birth_date": _iso(child.birth_date),
            "birth_date_is_estimated": child.birth_date_is_estimated,
            "place_of_birth": child.place_of_birth,
            "origin_region": child.origin_region_id,
            "kelurahan": child.kelurahan_id,
            "address": child.address,
        },
    }
    hidden = shared.details_hidden
    if hidden:
        payload["case"].update(summary=None, risk_reason=None, details_hidden=True)
    if shared.assessment is not None:
        payload["assessment"] = {
            "completed_at": _iso(shared.assessment.completed_at),
            "domains": [
                {"domain": d["key"], "score": d["score"], "notes": None if hidden else d["notes"]}
                for d in shared.assessment.domains
            ],
            "summary": None if hidden else shared.assessment.summary,
        }
    if shared.plan is not None:
        payload["plan"] = {
            "goals": shared.plan.goals,
            "status": shared.plan.status,
            "actions": [
                {
                    "description": a.description,
                    "responsible_agency": str(a.responsible_agency),
                    "responsible_person": a.responsible_person,
                    "due_on": _iso(a.due_on),
                    "status": a.status,
                }
                for a in shared.plan_actions
            ],
        }
    payload["notes"] = [
        {"date": _iso(n.occurred_on), "kind": n.kind, "text": None if hidden else n.text}
        for n in shared.notes
    ]
    payload["family"] = [
        {
            "full_name": m.full_name,
            "relation": m.relation,
            "is_guardian": m.is_guardian,
            "is_alive": m.is_alive,
            "is_alleged_perpetrator": m.is_alleged_perpetrator,
            "phone": m.phone,
            "address": m.address,
        }
        for m in shared.family
    ]
    payload["people"] = [
        {"full_name": link.person.full_name, "role": link.role, "notes": link.notes}
        for link in shared.people
    ]
    return payload


# --- sensitive sections ---------------------------------------------------------------------------


def section_grants_for_case(*, case: Case) -> list[SectionGrant]:
    """Every grant of `case`, current first (the caller checked section.grants)."""
    grants = list(
        SectionGrant.objects.filter(case=case).select_related("user", "granted_by", "revoked_by")
    )
    grants.sort(key=lambda g: (not g.is_current, -g.granted_at.timestamp()))
    return grants


def section_grantees_for(*, case: Case) -> QuerySet[User]:
    """The people a section of `case` may be granted to (see services.section_grantee_ids)."""
    from sigap.referrals.services import section_grantee_ids

    return User.objects.filter(pk__in=sorted(section_grantee_ids(case=case))).order_by(
        "full_name", "username"
    )


def section_grant_get_for(*, user: User, grant_id: Any) -> SectionGrant:
    """A grant on a case `user` may see, or Http404."""
    from sigap.cases.policies import case_visibility_q

    grant = (
        SectionGrant.objects.filter(
            pk=grant_id, case__in=Case.objects.filter(case_visibility_q(user)).values("pk")
        )
        .select_related("case", "case__lead_agency", "user", "granted_by")
        .first()
    )
    if grant is None:
        raise Http404
    return grant
