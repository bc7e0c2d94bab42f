"""Referrals, transfers, consent and emergency ("break-the-glass") access.

A referral asks another agency (optionally a named person there) to deliver one or more services
for a child, and shares only the case sections the sender ticks. A transfer is the same record
with kind=TRANSFER: it hands the whole case over (to an agency in Sigap, or to another regency
that may not run Sigap: pemulangan). One status field, one transition table (TRANSITIONS) and one
function that applies it (apply_transition).

Consent lives on the referral it covers (a guardian may agree to the police unit and not to the
school): the child's own view (age-appropriate) and a guardian's consent, or a recorded exception
with its legal ground approved by a supervisor. Withdrawing it stops sharing at once: the
receiving side keeps the referral record and its own service records, never the case sections.

Services are the only writers (sigap.referrals.services); who may see what is one module
(sigap.referrals.policies).
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

from sigap.children import sections
from sigap.core.models import TimeStampedModel, VersionedModel


class Kind(models.TextChoices):
    REFERRAL = "referral", _("Referral")
    TRANSFER = "transfer", _("Transfer of the whole case")


class Service(models.TextChoices):
    """What the sender asks for (the receiver records what was delivered as SimfoniService)."""

    LEGAL_ACTION_PARENT = "legal_parent", _("Legal action against a parent")
    LEGAL_ACTION_ORGANISER = "legal_organiser", _("Legal action against an organiser (oknum)")
    TRAFFICKING_ONLINE = (
        "trafficking_online",
        _("Trafficking or online exploitation (police cyber unit)"),
    )
    PSYCHOLOGICAL = "psychological", _("Psychological support")
    HEALTH = "health", _("Health")
    EDUCATION = "education", _("Education")
    OUTREACH = "outreach", _("Outreach")
    SHELTER = "shelter", _("Shelter")
    LEGAL_AID = "legal_aid", _("Legal aid")
    RELIGIOUS = "religious", _("Religious mentoring")
    RETURN_HOME = "return_home", _("Return home (pemulangan)")


# Services that flag the referral for the police cyber unit (M17).
CYBER_SERVICES = frozenset({Service.TRAFFICKING_ONLINE})


class Section(models.TextChoices):
    """Parts of a case a referral may share; the sender ticks the minimum necessary."""

    IDENTITY = "identity", _("Child identity basics (name, sex, age, kelurahan)")
    SUMMARY = "summary", _("Case summary and risk")
    ASSESSMENT = "assessment", _("Assessment")
    PLAN = "plan", _("Case plan")
    NOTES = "notes", _("Case notes")
    FAMILY = "family", _("Family and guardians")
    PERPETRATORS = "perpetrators", _("Alleged perpetrators and organisers")


class SimfoniService(models.TextChoices):
    """Services delivered, SIMFONI-PPA list (GLOSSARY.md)."""

    COMPLAINT = "pengaduan", _("Complaint handling (pengaduan)")
    HEALTH = "kesehatan", _("Health (kesehatan)")
    LEGAL_AID = "bantuan_hukum", _("Legal aid (bantuan hukum)")
    LAW_ENFORCEMENT = "penegakan_hukum", _("Law enforcement (penegakan hukum)")
    SOCIAL_REHABILITATION = "rehabilitasi_sosial", _("Social rehabilitation")
    SOCIAL_REINTEGRATION = "reintegrasi_sosial", _("Social reintegration")
    RETURN_HOME = "pemulangan", _("Return home (pemulangan)")
    RELIGIOUS = "pendampingan_tokoh_agama", _("Accompaniment by a religious leader")


class Urgency(models.TextChoices):
    ROUTINE = "routine", _("Routine: answer within 7 days")
    URGENT = "urgent", _("Urgent: answer within 48 hours")
    EMERGENCY = "emergency", _("Emergency: answer within 4 hours")


URGENCY_RESPONSE_HOURS: dict[str, int] = {
    Urgency.ROUTINE: 7 * 24,
    Urgency.URGENT: 48,
    Urgency.EMERGENCY: 4,
}


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent, waiting for an answer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    REVOKED = "revoked", _("Revoked by a supervisor")


# The one table of allowed status changes. The sender cancels (no longer needed); the sender's
# supervisor revokes (it should not have been shared); the receiver accepts, declines, starts and
# completes. A transfer goes SENT -> ACCEPTED -> COMPLETED in the acceptance itself.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.DRAFT: frozenset({Status.SENT, Status.CANCELLED}),
    Status.SENT: frozenset(
        {Status.ACCEPTED, Status.DECLINED, Status.CANCELLED, Status.REVOKED, Status.COMPLETED}
    ),
    Status.ACCEPTED: frozenset(
        {Status.IN_PROGRESS, Status.COMPLETED, Status.CANCELLED, Status.REVOKED}
    ),
    Status.IN_PROGRESS: frozenset({Status.COMPLETED, Status.CANCELLED, Status.REVOKED}),
    Status.DECLINED: frozenset(),
    Status.COMPLETED: frozenset(),
    Status.CANCELLED: frozenset(),
    Status.REVOKED: frozenset(),
}

# Statuses in which the receiving side works the referral (and, with consent, sees the shared
# sections); everything after is read-only history.
ACTIVE_STATUSES = frozenset({Status.ACCEPTED, Status.IN_PROGRESS})
OPEN_STATUSES = frozenset({Status.SENT, Status.ACCEPTED, Status.IN_PROGRESS})
FINAL_STATUSES = frozenset({s for s, nxt in TRANSITIONS.items() if not nxt})


class TransitionError(Exception):
    def __init__(self, current: str, target: str) -> None:
        self.current, self.target = current, target
        super().__init__(
            str(
                _("A referral cannot go from “%(current)s” to “%(target)s”.")
                % {"current": Status(current).label, "target": Status(target).label}
            )
        )


class ChildView(models.TextChoices):
    """The child's own say, asked in a way that fits the child's age."""

    AGREED = "agreed", _("The child agreed, after an explanation fitting their age")
    TOO_YOUNG = "too_young", _("The child is too young to give a view")
    REFUSED = "refused", _("The child did not agree")


class ConsentBasis(models.TextChoices):
    CONSENT = "consent", _("Consent of the child and a guardian")
    EXCEPTION = "exception", _("Exception without consent (needs a supervisor's approval)")


class ExceptionGround(models.TextChoices):
    """Legal grounds for sharing without consent (UU 35/2014 Pasal 59A: the child's protection;
    UU 27/2022 PDP Pasal 15-16: vital interests and legal obligations)."""

    CHILD_SAFETY = "child_safety", _("The child's safety is at immediate risk")
    GUARDIAN_PERPETRATOR = "guardian_perpetrator", _("The guardian is the alleged perpetrator")
    NO_GUARDIAN = "no_guardian", _("No guardian can be found or reached")


def child_consent_age() -> int:
    """From this age the child's own agreement is needed; younger children may be 'too young'."""
    return int(getattr(settings, "SIGAP_CHILD_CONSENT_AGE", 12))


class Referral(VersionedModel, TimeStampedModel):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.REFERRAL)
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="referrals", verbose_name=_("case")
    )
    # The regency of the case when referred (sharding key of a national deployment).
    regency_code = models.CharField(_("regency code"), max_length=5, editable=False)
    from_agency = models.ForeignKey(
        "accounts.Agency",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("referring agency"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    to_agency = models.ForeignKey(
        "accounts.Agency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("receiving agency"),
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("named person"),
        help_text=_("Optional: only this person and the agency's supervisors will see it."),
    )
    # Transfers to a regency that does not run Sigap: where, and to whom the package goes.
    to_region = models.ForeignKey(
        "geo.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("receiving regency"),
    )
    external_recipient = models.CharField(
        _("receiving office outside Sigap"), max_length=200, blank=True
    )
    services = models.JSONField(_("services"), default=list, blank=True)
    # Shown as a flag in the police inbox (M17); derived from `services` by the services.
    cyber_unit = models.BooleanField(_("for the police cyber unit"), default=False)
    sections = models.JSONField(_("shared sections"), default=list, blank=True)
    reason = models.TextField(_("reason"))
    urgency = models.CharField(
        _("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.ROUTINE
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    respond_by = models.DateTimeField(_("answer needed by"), null=True, blank=True)
    responded_at = models.DateTimeField(_("answered"), null=True, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handled by"),
    )
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    outcome = models.TextField(_("outcome for the sender"), blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    close_reason = models.TextField(_("reason"), blank=True)  # cancellation or revocation
    overdue_notified_at = models.DateTimeField(null=True, blank=True, editable=False)

    # --- consent -------------------------------------------------------------------------------
    consent_basis = models.CharField(
        _("basis for sharing"), max_length=10, choices=ConsentBasis.choices, blank=True
    )
    child_view = models.CharField(
        _("the child's view"), max_length=10, choices=ChildView.choices, blank=True
    )
    guardian = models.ForeignKey(
        "children.FamilyMember",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("guardian who consented"),
    )
    guardian_name = models.CharField(
        _("guardian's name (if not in the family list)"), max_length=200, blank=True
    )
    consent_recorded_at = models.DateTimeField(null=True, blank=True)
    consent_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    exception_ground = models.CharField(
        _("legal ground"), max_length=24, choices=ExceptionGround.choices, blank=True
    )
    exception_note = models.TextField(_("why consent cannot be asked"), blank=True)
    exception_approved_at = models.DateTimeField(null=True, blank=True)
    exception_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    consent_withdrawn_at = models.DateTimeField(_("consent withdrawn"), null=True, blank=True)
    consent_withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawal_note = models.TextField(_("withdrawal note"), blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="declined") | ~Q(decline_reason=""),
                name="referral_decline_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(to_agency__isnull=False)
                | (Q(kind="transfer") & Q(to_region__isnull=False)),
                name="referral_has_receiver",
            ),
        ]
        indexes = [
            # The receiving agency's inbox, newest first, and its overdue filter.
            models.Index(fields=["to_agency", "status", "-sent_at"], name="referral_inbox_idx"),
            # The sending agency's outbox.
            models.Index(fields=["from_agency", "status", "-created_at"], name="referral_out_idx"),
            # The periodic overdue check: open referrals by deadline.
            models.Index(fields=["status", "respond_by"], name="referral_deadline_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.reference}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("referrals:referral-detail", kwargs={"pk": self.pk})

    @property
    def reference(self) -> str:
        return f"R-{str(self.pk)[:8].upper()}"

    @property
    def is_transfer(self) -> bool:
        return self.kind == Kind.TRANSFER

    @property
    def is_external(self) -> bool:
        return self.to_agency_id is None

    @property
    def consent_withdrawn(self) -> bool:
        return self.consent_withdrawn_at is not None

    @property
    def is_active(self) -> bool:
        """The receiving side works it and sees its shared sections."""
        return (
            self.kind == Kind.REFERRAL
            and self.status in ACTIVE_STATUSES
            and not self.consent_withdrawn
        )

    @property
    def is_overdue(self) -> bool:
        return bool(
            self.status == Status.SENT and self.respond_by and self.respond_by < timezone.now()
        )

    @property
    def allowed_next(self) -> frozenset[str]:
        return TRANSITIONS[self.status]

    def service_labels(self) -> list[str]:
        choices = dict(Service.choices)
        return [str(choices.get(s, s)) for s in self.services]

    def section_labels(self) -> list[str]:
        choices = dict(Section.choices)
        return [str(choices.get(s, s)) for s in self.sections]

    def shares(self, section: str) -> bool:
        return self.kind == Kind.TRANSFER or section in self.sections

    def deadline_from(self, sent_at: Any) -> Any:
        return sent_at + timedelta(hours=URGENCY_RESPONSE_HOURS[self.urgency])


def apply_transition(referral: Referral, target: str) -> str:
    """Move `referral` to `target` in memory or raise TransitionError. Returns the old status;
    the calling service sets the other fields, saves and records it."""
    current = referral.status
    if target not in Status.values or target not in TRANSITIONS[current]:
        raise TransitionError(current, target)
    referral.status = target
    return current


class StatusChange(models.Model):
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="changes")
    from_status = models.CharField(max_length=12, choices=Status.choices)
    to_status = models.CharField(max_length=12, choices=Status.choices)
    note = models.TextField(blank=True)
    changed_at = models.DateTimeField(default=timezone.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class ServiceRecord(TimeStampedModel):
    """A service the receiving agency delivered (SIMFONI service list)."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="records")
    service = models.CharField(_("service"), max_length=30, choices=SimfoniService.choices)
    delivered_on = models.DateField(_("date"))
    provider = models.CharField(_("provided by"), max_length=200)
    outcome = models.TextField(_("outcome"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-delivered_on", "-id"]
        verbose_name = _("service delivered")
        verbose_name_plural = _("services delivered")

    def __str__(self) -> str:
        return f"{self.get_service_display()} {self.delivered_on}"


class ReferralNote(TimeStampedModel):
    """A message between the two agencies about the referral (never case content)."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="notes")
    text = models.TextField(_("note"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    author_agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("referral note")
        verbose_name_plural = _("referral notes")

    def __str__(self) -> str:
        return f"{self.author_id} {self.created_at:%Y-%m-%d}"


# --- break-the-glass ------------------------------------------------------------------------------


def break_glass_hours() -> int:
    return int(getattr(settings, "SIGAP_BREAK_GLASS_HOURS", 4))


class ReviewOutcome(models.TextChoices):
    JUSTIFIED = "justified", _("Justified")
    NOT_JUSTIFIED = "not_justified", _("Not justified: to be followed up")


class EmergencyAccess(models.Model):
    """One break-the-glass: `user` opened `case` outside the normal rules for a limited time."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, related_name="+", verbose_name=_("agency")
    )
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="+", verbose_name=_("case")
    )
    reason = models.TextField(_("reason"))
    started_at = models.DateTimeField(_("opened"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    ended_at = models.DateTimeField(_("ended early"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    review_outcome = models.CharField(
        _("review"), max_length=14, choices=ReviewOutcome.choices, blank=True
    )
    review_note = models.TextField(_("review note"), blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("emergency access")
        verbose_name_plural = _("emergency accesses")
        indexes = [
            # The grant check on every case request of this user: (user, case, expires).
            models.Index(fields=["user", "case", "expires_at"], name="emergency_user_case_idx"),
            # The review queue: not yet reviewed, oldest first.
            models.Index(fields=["reviewed_at", "started_at"], name="emergency_review_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.case_id} ({self.started_at:%Y-%m-%d %H:%M})"

    @property
    def is_current(self) -> bool:
        return self.ended_at is None and self.expires_at > timezone.now()


# --- sensitive sections ---------------------------------------------------------------------------


class SensitiveSection(models.TextChoices):
    """Sections that need an explicit per-case grant beyond their default holders (the values
    are the keys of sigap.children.sections, where the lower apps ask for them)."""

    PSYCH_NOTES = sections.PSYCH_NOTES, _("Psychologist's notes")
    SEXUAL_VIOLENCE = sections.SEXUAL_VIOLENCE, _("Details of sexual violence")
    REPORTER_IDENTITY = sections.REPORTER_IDENTITY, _("The reporter's identity")
    IDENTITY_NUMBERS = sections.IDENTITY_NUMBERS, _("NIK and family card number")


class SectionGrant(models.Model):
    """`user` may see `section` of `case` (and, for identity numbers, of its child) although
    their role does not give it: granted by a supervisor of the case's lead agency, with a
    reason, until revoked or until `expires_at`. Append-only history: a revoked grant stays."""

    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="+", verbose_name=_("case")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("granted to"),
    )
    section = models.CharField(_("section"), max_length=20, choices=SensitiveSection.choices)
    reason = models.TextField(_("reason"))
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    granted_at = models.DateTimeField(_("granted"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revoke_note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["-granted_at", "-id"]
        verbose_name = _("section grant")
        verbose_name_plural = _("section grants")
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="section_grant_has_reason"),
            # One unrevoked grant per person, case and section (an expired one is closed by the
            # service before a new one is made).
            models.UniqueConstraint(
                fields=["case", "user", "section"],
                condition=Q(revoked_at__isnull=True),
                name="section_grant_one_open",
            ),
        ]
        indexes = [
            # The lookup on every request that needs it: the user's unrevoked grants.
            models.Index(fields=["user", "revoked_at"], name="section_grant_user_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_section_display()} → {self.user_id} ({self.case_id})"

    @property
    def is_current(self) -> bool:
        return self.revoked_at is None and (
            self.expires_at is None or self.expires_at > timezone.now()
        )
