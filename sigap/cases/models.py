"""The case: what the agencies do together for one child, from intake to closure.

The workflow is one table (TRANSITIONS) and one function that applies it (apply_transition); the
gates that guard some moves (a completed assessment, an approved plan, an approved closure, a
reason) are checked there, and an unmet gate is reported by name (Gate) so the UI and the API can
explain it. Services in sigap.cases.services are the only writers.

Multi-valued category sets (AMPK categories, SIMFONI violence types, root causes) live in one
small link table, CaseCategory(case, kind, code), instead of a JSON list on the case: a filter is
an indexed EXISTS on (kind, code, case) on both SQLite and PostgreSQL (SQLite has no JSON
`contains` lookup in Django, and a JSON list on PostgreSQL would need a GIN index the SQLite
build cannot mirror), and a page shows the codes of all its rows with one prefetch query.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sigap.core.models import TimeStampedModel, VersionedModel

DEFAULT_REVIEW_INTERVAL_DAYS = 90


def default_review_interval() -> int:
    return int(getattr(settings, "SIGAP_CASE_REVIEW_INTERVAL_DAYS", DEFAULT_REVIEW_INTERVAL_DAYS))


# --- reference lists (GLOSSARY.md) ------------------------------------------------------------


class Stage(models.TextChoices):
    INTAKE = "intake", _("Identification")
    ASSESSMENT = "assessment", _("Assessment")
    PLANNING = "planning", _("Intervention planning")
    IMPLEMENTATION = "implementation", _("Implementation")
    REVIEW = "review", _("Monitoring and review")
    CLOSURE = "closure", _("Closed")


STAGE_ORDER: list[str] = [s.value for s in Stage]

# The one table of allowed stage changes. Review may go back to planning or implementation;
# any open stage may close the case (closure has its own gates); a closed case is reopened into
# assessment, because whatever made it return has to be assessed again.
TRANSITIONS: dict[str, frozenset[str]] = {
    Stage.INTAKE: frozenset({Stage.ASSESSMENT, Stage.CLOSURE}),
    Stage.ASSESSMENT: frozenset({Stage.PLANNING, Stage.CLOSURE}),
    Stage.PLANNING: frozenset({Stage.IMPLEMENTATION, Stage.CLOSURE}),
    Stage.IMPLEMENTATION: frozenset({Stage.REVIEW, Stage.CLOSURE}),
    Stage.REVIEW: frozenset({Stage.PLANNING, Stage.IMPLEMENTATION, Stage.CLOSURE}),
    Stage.CLOSURE: frozenset({Stage.ASSESSMENT}),
}


class RiskLevel(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class AmpkCategory(models.TextChoices):
    """Children needing special protection, UU 35/2014 Pasal 59 ayat 2; code = letter."""

    A = "a", _("a. In an emergency situation")
    B = "b", _("b. In conflict with the law")
    C = "c", _("c. From a minority or isolated group")
    D = "d", _("d. Economically and/or sexually exploited")
    E = "e", _("e. Victim of narcotics, alcohol, psychotropics or other addictive substances")
    F = "f", _("f. Victim of pornography")
    G = "g", _("g. With HIV/AIDS")
    H = "h", _("h. Victim of abduction, sale and/or trafficking")
    I = "i", _("i. Victim of physical and/or psychological violence")  # noqa: E741
    J = "j", _("j. Victim of sexual crime")
    K = "k", _("k. Victim of a terrorism network")
    L = "l", _("l. With a disability")
    M = "m", _("m. Victim of mistreatment and neglect")
    N = "n", _("n. With deviant social behaviour")
    O = "o", _("o. Victim of stigma from labelling related to the parents' condition")  # noqa: E741


class PmksCategory(models.TextChoices):
    TODDLER_NEGLECTED = "toddler_neglected", _("Neglected toddler (anak balita terlantar)")
    NEGLECTED = "neglected", _("Neglected child (anak terlantar)")
    STREET = "street", _("Street child (anak jalanan)")
    IN_CONFLICT_WITH_LAW = "law", _("Child in conflict with the law")
    DISABILITY = "disability", _("Child with a disability")
    VIOLENCE_VICTIM = "violence", _("Child victim of violence or mistreatment")
    SPECIAL_PROTECTION = "special", _("Child in need of special protection")


class ViolenceType(models.TextChoices):
    """SIMFONI-PPA types of violence; a victim can have several."""

    PHYSICAL = "physical", _("Physical")
    PSYCHOLOGICAL = "psychological", _("Psychological")
    SEXUAL = "sexual", _("Sexual")
    EXPLOITATION = "exploitation", _("Exploitation")
    TRAFFICKING = "trafficking", _("Trafficking (TPPO)")
    NEGLECT = "neglect", _("Neglect")
    OTHER = "other", _("Other")


class RootCause(models.TextChoices):
    FAMILY_ECONOMY = "family_economy", _("Family economic conditions")
    FAMILY_DISHARMONY = "family_disharmony", _("Family disharmony")
    FAULTY_PARENTING = "faulty_parenting", _("Faulty parenting")
    OTHER = "other", _("Other")


class ExploitationActivity(models.TextChoices):
    SELLING = "selling", _("Selling tissues or newspapers")
    BEGGING = "begging", _("Begging")
    BUSKING = "busking", _("Busking")
    SCAVENGING = "scavenging", _("Scavenging")
    OTHER = "other", _("Other")


class ClosureReason(models.TextChoices):
    REINTEGRATED = "reintegrated", _("Reintegrated with the family")
    LONG_TERM_PLACEMENT = "placement", _("Long-term placement")
    TRANSFERRED = "transferred", _("Transferred to another region")
    TURNED_18 = "turned_18", _("Turned 18")
    LOST_CONTACT = "lost_contact", _("Lost contact")
    DIED = "died", _("Died")
    DUPLICATE = "duplicate", _("Duplicate case")


class CaseRole(models.TextChoices):
    LEAD_WORKER = "lead_worker", _("Lead case worker")
    CO_WORKER = "co_worker", _("Co-worker")
    PSYCHOLOGIST = "psychologist", _("Psychologist")
    SUPERVISOR = "supervisor", _("Supervisor")
    OUTREACH = "outreach", _("Companion team (tim pendamping)")
    OTHER = "other", _("Other")


# Case roles whose holders work the case (edit it, move it along); the others contribute notes.
WORKING_CASE_ROLES = frozenset({CaseRole.LEAD_WORKER, CaseRole.CO_WORKER, CaseRole.SUPERVISOR})


class CategoryKind(models.TextChoices):
    AMPK = "ampk", _("AMPK category")
    VIOLENCE = "violence", _("Type of violence")
    ROOT_CAUSE = "root_cause", _("Root cause")


CATEGORY_CHOICES: dict[str, type[models.TextChoices]] = {
    CategoryKind.AMPK: AmpkCategory,
    CategoryKind.VIOLENCE: ViolenceType,
    CategoryKind.ROOT_CAUSE: RootCause,
}


# --- the case -------------------------------------------------------------------------------------


class CaseCounter(models.Model):
    """The last case number given per (regency, year). The creating transaction locks its row
    (select_for_update; SQLite's IMMEDIATE transactions serialise writers), so numbers are
    gap-free: a rolled-back case rolls its number back too."""

    regency_code = models.CharField(max_length=5)
    year = models.PositiveSmallIntegerField()
    last_sequence = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["regency_code", "year"], name="case_counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.regency_code}/{self.year}: {self.last_sequence}"


def case_number(regency_code: str, year: int, sequence: int) -> str:
    """SGP-<regency code without dots>-<year>-<6-digit sequence>, e.g. SGP-6471-2026-000123."""
    return f"SGP-{regency_code.replace('.', '')}-{year}-{sequence:06d}"


class Case(VersionedModel, TimeStampedModel):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    number = models.CharField(_("case number"), max_length=32, unique=True, editable=False)
    year = models.PositiveSmallIntegerField(editable=False)
    sequence = models.PositiveIntegerField(editable=False)
    regency_code = models.CharField(_("regency code"), max_length=5, editable=False)
    child = models.ForeignKey(
        "children.Child", on_delete=models.PROTECT, related_name="cases", verbose_name=_("child")
    )
    lead_agency = models.ForeignKey(
        "accounts.Agency",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("lead agency"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    summary = models.TextField(
        _("summary"), blank=True, help_text=_("What brought the child to the agency's attention.")
    )
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices, default=Stage.INTAKE)
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closure_reason = models.CharField(
        _("closure reason"), max_length=16, choices=ClosureReason.choices, blank=True
    )
    pmks_category = models.CharField(
        _("PMKS category"), max_length=20, choices=PmksCategory.choices, blank=True
    )
    risk_level = models.CharField(
        _("risk level"), max_length=10, choices=RiskLevel.choices, default=RiskLevel.MEDIUM
    )
    risk_reason = models.TextField(_("reason for the risk level"), blank=True)
    # Circumstances of exploitation (M1)
    exploitation_activity = models.CharField(
        _("activity"), max_length=12, choices=ExploitationActivity.choices, blank=True
    )
    exploitation_activity_other = models.CharField(_("other activity"), max_length=200, blank=True)
    exploitation_hours_from = models.TimeField(_("usually from"), null=True, blank=True)
    exploitation_hours_until = models.TimeField(
        _("usually until"), null=True, blank=True, help_text=_("e.g. 02:00 the next night")
    )
    exploitation_places = models.CharField(
        _("places"),
        max_length=300,
        blank=True,
        help_text=_("Crossroads, markets, petrol stations… where the child is usually found."),
    )
    root_cause_other = models.CharField(_("other root cause"), max_length=200, blank=True)
    review_interval_days = models.PositiveSmallIntegerField(
        _("review every (days)"), default=default_review_interval
    )
    next_review_on = models.DateField(_("next review"), null=True, blank=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["regency_code", "year", "sequence"], name="case_number_sequence_unique"
            ),
            models.CheckConstraint(
                condition=Q(review_interval_days__gte=7, review_interval_days__lte=365),
                name="case_review_interval_range",
                violation_error_message=_("Review every 7 to 365 days."),
            ),
        ]
        indexes = [
            # The case list of an agency, newest first (every list starts from it).
            models.Index(fields=["lead_agency", "-opened_at"], name="case_agency_opened_idx"),
            # The stage and risk filters of that list.
            models.Index(
                fields=["lead_agency", "stage", "-opened_at"], name="case_agency_stage_idx"
            ),
            models.Index(
                fields=["lead_agency", "risk_level", "-opened_at"], name="case_agency_risk_idx"
            ),
            # Both filters together, the commonest pair on the list (stage and risk); the child
            # is included so the capped count joins the kelurahan filter from the index alone
            # (PostgreSQL; other databases ignore `include`).
            models.Index(
                fields=["lead_agency", "stage", "risk_level", "-opened_at"],
                include=["child"],
                name="case_agency_stage_risk_idx",
            ),
            # "Cases I opened" for intake officers.
            models.Index(fields=["created_by", "-opened_at"], name="case_creator_opened_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("cases:case-detail", kwargs={"pk": self.pk})

    @property
    def is_closed(self) -> bool:
        return self.stage == Stage.CLOSURE

    @property
    def allowed_next_stages(self) -> list[str]:
        return [s for s in STAGE_ORDER if s in TRANSITIONS[self.stage]]

    @property
    def review_is_due(self) -> bool:
        return bool(
            self.next_review_on
            and not self.is_closed
            and self.next_review_on <= timezone.localdate()
        )

    def codes(self, kind: str) -> list[str]:
        """The codes of one category kind; uses the prefetched `categories` when present."""
        return sorted(c.code for c in self.categories.all() if c.kind == kind)

    def labels(self, kind: str) -> list[str]:
        choices = dict(CATEGORY_CHOICES[kind].choices)
        return [str(choices.get(code, code)) for code in self.codes(kind)]

    @property
    def ampk_codes(self) -> list[str]:
        return self.codes(CategoryKind.AMPK)

    @property
    def violence_types(self) -> list[str]:
        return self.codes(CategoryKind.VIOLENCE)

    @property
    def root_causes(self) -> list[str]:
        return self.codes(CategoryKind.ROOT_CAUSE)


class CaseCategory(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="categories")
    kind = models.CharField(max_length=12, choices=CategoryKind.choices)
    code = models.CharField(max_length=20)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "kind", "code"], name="case_category_unique")
        ]
        # The category filter of the case list: EXISTS (kind, code, case).
        indexes = [models.Index(fields=["kind", "code", "case"], name="case_category_filter_idx")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.code}"


class CaseTeamMember(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="team")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="case_memberships"
    )
    role = models.CharField(_("role in the case"), max_length=16, choices=CaseRole.choices)
    added_at = models.DateTimeField(default=timezone.now)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["added_at"]
        constraints = [
            # One active membership per person and case; one active lead worker per case.
            models.UniqueConstraint(
                fields=["case", "user"],
                condition=Q(ended_at__isnull=True),
                name="case_team_unique_active",
            ),
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(ended_at__isnull=True, role="lead_worker"),
                name="case_team_one_lead",
            ),
        ]
        # The visibility rule "I am on the team" and the worker filter: (user, case) of the
        # current team only, so both are index-only scans: a case worker's 2,837 team rows
        # among 1.25M lay in 2,569 heap pages, read to check ended_at (bench/cases.py).
        indexes = [
            models.Index(
                fields=["user", "case"],
                condition=Q(ended_at__isnull=True),
                name="case_team_user_active_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()}"

    @property
    def is_active(self) -> bool:
        return self.ended_at is None


class StageChange(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.CharField(max_length=16, choices=Stage.choices)
    to_stage = models.CharField(max_length=16, choices=Stage.choices)
    reason = models.TextField(blank=True)
    changed_at = models.DateTimeField(default=timezone.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.from_stage} → {self.to_stage}"


class RiskChange(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="risk_changes")
    from_level = models.CharField(max_length=10, choices=RiskLevel.choices, blank=True)
    to_level = models.CharField(max_length=10, choices=RiskLevel.choices)
    reason = models.TextField()
    changed_at = models.DateTimeField(default=timezone.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.from_level} → {self.to_level}"


# --- assessment, plan, notes -----------------------------------------------------------------------


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    COMPLETED = "completed", _("Completed")


class NeedScore(models.IntegerChoices):
    """The scale of every assessment domain."""

    NONE = 0, _("0 — no concern")
    LOW = 1, _("1 — some need, the family copes")
    SIGNIFICANT = 2, _("2 — significant need, help required")
    URGENT = 3, _("3 — urgent or severe need")


ASSESSMENT_DOMAINS: list[tuple[str, Any]] = [
    ("safety", _("Safety")),
    ("health", _("Health")),
    ("education", _("Education")),
    ("family", _("Family")),
    ("psychosocial", _("Psychosocial")),
    ("legal", _("Legal needs")),
]


def _score_field(label: Any) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(label, choices=NeedScore.choices, null=True, blank=True)


class Assessment(VersionedModel, TimeStampedModel):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assessments")
    status = models.CharField(
        _("status"), max_length=10, choices=AssessmentStatus.choices, default=AssessmentStatus.DRAFT
    )
    safety_score = _score_field(_("Safety"))
    safety_notes = models.TextField(_("safety notes"), blank=True)
    health_score = _score_field(_("Health"))
    health_notes = models.TextField(_("health notes"), blank=True)
    education_score = _score_field(_("Education"))
    education_notes = models.TextField(_("education notes"), blank=True)
    family_score = _score_field(_("Family"))
    family_notes = models.TextField(_("family notes"), blank=True)
    psychosocial_score = _score_field(_("Psychosocial"))
    psychosocial_notes = models.TextField(_("psychosocial notes"), blank=True)
    legal_score = _score_field(_("Legal needs"))
    legal_notes = models.TextField(_("legal notes"), blank=True)
    summary = models.TextField(_("summary"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_status_display()}"

    @property
    def domains(self) -> list[dict[str, Any]]:
        return [
            {
                "key": key,
                "label": label,
                "score": getattr(self, f"{key}_score"),
                "notes": getattr(self, f"{key}_notes"),
            }
            for key, label in ASSESSMENT_DOMAINS
        ]

    @property
    def total_score(self) -> int:
        return sum(getattr(self, f"{key}_score") or 0 for key, _label in ASSESSMENT_DOMAINS)


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Waiting for approval")
    APPROVED = "approved", _("Approved")


class Plan(VersionedModel, TimeStampedModel):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="plans")
    goals = models.TextField(
        _("goals"), help_text=_("What the plan wants to reach, e.g. return home, back to school.")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("case plan")
        verbose_name_plural = _("case plans")

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_status_display()}"

    @property
    def is_editable(self) -> bool:
        return self.status == PlanStatus.DRAFT


class ActionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class PlanAction(VersionedModel, TimeStampedModel):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="actions")
    description = models.CharField(_("action"), max_length=300)
    responsible_agency = models.ForeignKey(
        "accounts.Agency",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("responsible agency"),
    )
    responsible_person = models.CharField(_("responsible person"), max_length=150)
    due_on = models.DateField(_("due date"))
    status = models.CharField(
        _("status"), max_length=12, choices=ActionStatus.choices, default=ActionStatus.PLANNED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("plan action")
        verbose_name_plural = _("plan actions")

    def __str__(self) -> str:
        return self.description

    @property
    def is_overdue(self) -> bool:
        return (
            self.status
            in {
                ActionStatus.PLANNED,
                ActionStatus.IN_PROGRESS,
            }
            and self.due_on < timezone.localdate()
        )


class NoteKind(models.TextChoices):
    HOME_VISIT = "home_visit", _("Home visit")
    PHONE_CALL = "phone_call", _("Phone call")
    MEETING = "meeting", _("Meeting")
    STREET_OUTREACH = "street_outreach", _("Street outreach")
    CASE_REVIEW = "case_review", _("Case review")
    OTHER = "other", _("Other")


class CaseNote(VersionedModel, TimeStampedModel):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    kind = models.CharField(_("type"), max_length=16, choices=NoteKind.choices)
    occurred_on = models.DateField(_("date"))
    text = models.TextField(_("note"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-occurred_on", "-created_at"]
        indexes = [models.Index(fields=["case", "-occurred_on"], name="case_note_case_idx")]
        verbose_name = _("case note")
        verbose_name_plural = _("case notes")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_on}"


# --- approvals ---------------------------------------------------------------------------------


class ApprovalKind(models.TextChoices):
    PLAN = "plan", _("Case plan")
    CLOSURE = "closure", _("Case closure")


class ApprovalStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class Approval(models.Model):
    """A decision a supervisor of the lead agency must take. A closure approval is used up by the
    closure it allowed (`used_at`), so a reopened case needs a new one."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="approvals")
    kind = models.CharField(_("kind"), max_length=10, choices=ApprovalKind.choices)
    plan = models.ForeignKey(
        Plan, on_delete=models.CASCADE, null=True, blank=True, related_name="approvals"
    )
    closure_reason = models.CharField(
        _("closure reason"), max_length=16, choices=ClosureReason.choices, blank=True
    )
    request_note = models.TextField(_("note for the supervisor"), blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ApprovalStatus.choices,
        default=ApprovalStatus.REQUESTED,
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("approval")
        verbose_name_plural = _("approvals")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "kind"],
                condition=Q(status="requested"),
                name="approval_one_open_per_kind",
                violation_error_message=_("This case already has a request of this kind open."),
            ),
            models.CheckConstraint(
                condition=~Q(kind="plan") | Q(plan__isnull=False),
                name="approval_plan_has_plan",
            ),
            models.CheckConstraint(
                condition=~Q(kind="closure") | ~Q(closure_reason=""),
                name="approval_closure_has_reason",
            ),
        ]
        indexes = [
            # The supervisors' queue: open requests, oldest first.
            models.Index(fields=["status", "requested_at"], name="approval_queue_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.get_status_display()}"


# --- people around the case ------------------------------------------------------------------------


class CasePersonRole(models.TextChoices):
    ALLEGED_PERPETRATOR = "perpetrator", _("Alleged perpetrator")
    ORGANISER = "organiser", _("Organiser (oknum)")
    OTHER = "other", _("Other")


class CasePerson(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="people")
    person = models.ForeignKey(
        "children.Person", on_delete=models.PROTECT, related_name="case_links"
    )
    role = models.CharField(_("role"), max_length=12, choices=CasePersonRole.choices)
    notes = models.CharField(_("notes"), max_length=500, blank=True)
    added_at = models.DateTimeField(default=timezone.now)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["added_at"]
        constraints = [
            models.UniqueConstraint(fields=["case", "person"], name="case_person_unique"),
        ]
        # The person page: every case linked to one person.
        indexes = [models.Index(fields=["person", "case"], name="case_person_person_idx")]

    def __str__(self) -> str:
        return f"{self.person_id} · {self.get_role_display()}"


# --- the workflow ---------------------------------------------------------------------------------


class Gate(models.TextChoices):
    """What a stage change may be waiting for; reported by name in errors and problem+json."""

    COMPLETED_ASSESSMENT = "completed_assessment", _("a completed assessment")
    APPROVED_PLAN = "approved_plan", _("a case plan approved by a supervisor")
    CLOSURE_REASON = "closure_reason", _("a closure reason")
    CLOSURE_APPROVAL = "closure_approval", _("a closure approved by a supervisor")
    REOPEN_REASON = "reopen_reason", _("a reason for reopening")


GATE_HELP: dict[str, Any] = {
    Gate.COMPLETED_ASSESSMENT: _("Complete an assessment of the child first."),
    Gate.APPROVED_PLAN: _("Submit the case plan and have a supervisor approve it first."),
    Gate.CLOSURE_REASON: _("Choose why the case is closed."),
    Gate.CLOSURE_APPROVAL: _(
        "Request closure with this reason and have a supervisor approve it first."
    ),
    Gate.REOPEN_REASON: _("Say why the case is reopened."),
}


class TransitionError(Exception):
    """A forbidden or not-yet-allowed stage change. `gate` names the unmet gate (None when the
    move is not in TRANSITIONS at all)."""

    def __init__(self, *, current: str, target: str, gate: str | None, message: str) -> None:
        super().__init__(message)
        self.current = current
        self.target = target
        self.gate = gate
        self.message = message


def unmet_gate(case: Case, target: str, *, reason: str = "") -> str | None:
    """The first gate that keeps `case` from moving to `target`, or None. Does not check the
    table (see apply_transition). Leaving assessment for closure needs no assessment: a duplicate
    or a child who died is closed without one; closure has its own gates."""
    # A case page prefetched its assessments and plans (selectors.case_detail_for): the gates it
    # shows for each next stage read those rows instead of querying again.
    prefetched = getattr(case, "_prefetched_objects_cache", {})
    if case.stage == Stage.ASSESSMENT and target != Stage.CLOSURE:
        if "assessments" in prefetched:
            completed = any(
                a.status == AssessmentStatus.COMPLETED for a in prefetched["assessments"]
            )
        else:
            completed = case.assessments.filter(status=AssessmentStatus.COMPLETED).exists()
        if not completed:
            return Gate.COMPLETED_ASSESSMENT
    if target == Stage.IMPLEMENTATION:
        if "plans" in prefetched:
            plans = sorted(prefetched["plans"], key=lambda p: (p.created_at, p.pk), reverse=True)
            latest = plans[0] if plans else None
        else:
            latest = case.plans.order_by("-created_at", "-id").first()
        if latest is None or latest.status != PlanStatus.APPROVED:
            return Gate.APPROVED_PLAN
    if target == Stage.CLOSURE:
        if reason not in ClosureReason.values:
            return Gate.CLOSURE_REASON
        approved = case.approvals.filter(
            kind=ApprovalKind.CLOSURE,
            status=ApprovalStatus.APPROVED,
            closure_reason=reason,
            used_at__isnull=True,
        )
        if not approved.exists():
            return Gate.CLOSURE_APPROVAL
    if case.stage == Stage.CLOSURE and not reason.strip():
        return Gate.REOPEN_REASON
    return None


def apply_transition(case: Case, target: str, *, reason: str = "") -> str:
    """Move `case` to `target` in memory, or raise TransitionError naming what is missing.
    Returns the previous stage; the caller (services.case_transition) saves and records it."""
    current = case.stage
    if target not in Stage.values:
        raise TransitionError(
            current=current,
            target=target,
            gate=None,
            message=str(_("“%(target)s” is not a stage.") % {"target": target}),
        )
    if target not in TRANSITIONS[current]:
        raise TransitionError(
            current=current,
            target=target,
            gate=None,
            message=str(
                _("A case cannot go from %(current)s to %(target)s.")
                % {"current": Stage(current).label, "target": Stage(target).label}
            ),
        )
    gate = unmet_gate(case, target, reason=reason)
    if gate is not None:
        raise TransitionError(
            current=current,
            target=target,
            gate=gate,
            message=str(
                _("Moving to %(target)s needs %(gate)s. %(help)s")
                % {"target": Stage(target).label, "gate": Gate(gate).label, "help": GATE_HELP[gate]}
            ),
        )
    now = timezone.now()
    case.stage = target
    if target == Stage.CLOSURE:
        case.closed_at = now
        case.closure_reason = reason
        case.next_review_on = None
    elif current == Stage.CLOSURE:
        case.closed_at = None
        case.closure_reason = ""
    if target == Stage.IMPLEMENTATION:
        case.next_review_on = timezone.localdate() + timedelta(days=case.review_interval_days)
    return current
