"""Reports of children at risk (pengaduan), night outreach operations, triage and notifications.

A report arrives from the public web form or the API (anonymous, with a tracking code), from an
intake officer (hotline, walk-in, school, police...) or from an outreach team that found a child at
night. It waits in the triage queue, sorted by its response deadline, until an outcome ends it:
a case opened, a referral to another agency, a merge into another report, or a closure with a
reason. The reporter only ever sees the public stage (`PublicStage`) and the date it last changed.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sigap.core.models import TimeStampedModel, VersionedModel


class Category(models.TextChoices):
    """What was seen, in plain words (GLOSSARY: SIMFONI-PPA types, PMKS street children)."""

    STREET = "street", _("A child working or begging on the street")
    VIOLENCE = "violence", _("Violence against a child (hitting, threats, bullying)")
    SEXUAL_ABUSE = "sexual_abuse", _("Sexual abuse of a child")
    NEGLECT = "neglect", _("A child who is neglected or left alone")
    TRAFFICKING = "trafficking", _("A child being sold, taken away or trafficked")
    ONLINE = "online", _("A child exploited online or on social media")
    OTHER = "other", _("Something else")


class AgeGroup(models.TextChoices):
    UNDER_5 = "under_5", _("Under 5 years")
    AGE_5_12 = "5_12", _("5 to 12 years")
    AGE_13_17 = "13_17", _("13 to 17 years")
    MIXED = "mixed", _("Different ages")
    UNKNOWN = "unknown", _("I don't know")


class Channel(models.TextChoices):
    WEB = "web", _("Public web form")
    API = "api", _("Public API")
    HOTLINE = "hotline", _("Hotline (phone, WhatsApp)")
    SAPA129 = "sapa129", _("SAPA 129")
    WALK_IN = "walk_in", _("Walk-in")
    SCHOOL = "school", _("School")
    POLICE = "police", _("Police")
    RT_KELURAHAN = "rt_kelurahan", _("RT/RW or kelurahan")
    LETTER = "letter", _("Letter")
    SOCIAL_MEDIA = "social_media", _("Social media")
    OUTREACH = "outreach", _("Outreach operation")


# Channels an intake officer picks on the staff form (the others are set by the system).
STAFF_CHANNELS = [
    c for c in Channel.choices if c[0] not in {Channel.WEB, Channel.API, Channel.OUTREACH}
]


class ReporterRelation(models.TextChoices):
    PARENT = "parent", _("Parent or guardian")
    RELATIVE = "relative", _("Relative")
    NEIGHBOUR = "neighbour", _("Neighbour")
    TEACHER = "teacher", _("Teacher or school staff")
    COMMUNITY_LEADER = "community_leader", _("RT/RW head or community leader")
    OFFICIAL = "official", _("Official (police, kelurahan, health worker)")
    CHILD = "child", _("The child themself")
    PASSER_BY = "passer_by", _("Someone who saw it (passer-by)")
    OTHER = "other", _("Other")


class Sex(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")
    UNKNOWN = "unknown", _("Unknown")


class Activity(models.TextChoices):
    """What a child found in outreach was doing (M1)."""

    SELLING = "selling", _("Selling (tissues, newspapers, snacks)")
    BEGGING = "begging", _("Begging")
    BUSKING = "busking", _("Busking (mengamen)")
    SCAVENGING = "scavenging", _("Scavenging")
    WORKING = "working", _("Other work (parking, cleaning windscreens)")
    WANDERING = "wandering", _("Wandering or sleeping outside")
    OTHER = "other", _("Other")


class Priority(models.TextChoices):
    URGENT = "urgent", _("Urgent")
    HIGH = "high", _("High")
    NORMAL = "normal", _("Normal")


DEFAULT_RESPONSE_HOURS = {Priority.URGENT: 1, Priority.HIGH: 24, Priority.NORMAL: 72}


def response_time(priority: str) -> timedelta:
    """The response deadline for a priority: settings.SIGAP_REPORT_RESPONSE_HOURS overrides the
    defaults (urgent 1 h, high 24 h, normal 72 h), key by key."""
    configured = getattr(settings, "SIGAP_REPORT_RESPONSE_HOURS", {}) or {}
    hours = configured.get(str(priority), DEFAULT_RESPONSE_HOURS[Priority(priority)])
    return timedelta(hours=float(hours))


class Status(models.TextChoices):
    RECEIVED = "received", _("Received")
    IN_TRIAGE = "in_triage", _("In triage")
    CASE_OPENED = "case_opened", _("Case opened")
    REFERRED = "referred", _("Referred to another agency")
    MERGED = "merged", _("Merged into another report")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = frozenset({Status.RECEIVED, Status.IN_TRIAGE})

# The one table of allowed status changes. The outcomes are final: a report that needs more work
# after its outcome is followed up in the case or by the agency it was referred to.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.RECEIVED: frozenset(
        {Status.IN_TRIAGE, Status.CASE_OPENED, Status.REFERRED, Status.MERGED, Status.CLOSED}
    ),
    Status.IN_TRIAGE: frozenset(
        {Status.CASE_OPENED, Status.REFERRED, Status.MERGED, Status.CLOSED}
    ),
    Status.CASE_OPENED: frozenset(),
    Status.REFERRED: frozenset(),
    Status.MERGED: frozenset(),
    Status.CLOSED: frozenset(),
}


class PublicStage(models.TextChoices):
    """All a reporter ever learns about a report."""

    RECEIVED = "received", _("Received")
    IN_PROGRESS = "in_progress", _("Being handled")
    HANDLED = "handled", _("Handled")


PUBLIC_STAGE = {
    Status.RECEIVED: PublicStage.RECEIVED,
    Status.IN_TRIAGE: PublicStage.IN_PROGRESS,
    Status.CASE_OPENED: PublicStage.HANDLED,
    Status.REFERRED: PublicStage.HANDLED,
    Status.MERGED: PublicStage.HANDLED,
    Status.CLOSED: PublicStage.HANDLED,
}


class CloseReason(models.TextChoices):
    NO_CHILD_AT_RISK = "no_child_at_risk", _("No child at risk")
    NOT_FOUND = "not_found", _("Child not found")
    OUTSIDE_AREA = "outside_area", _("Outside our area")


class InvalidTransition(ValidationError):
    def __init__(self, current: str, new: str) -> None:
        super().__init__(
            _("A report that is “%(current)s” cannot become “%(new)s”."),
            code="invalid_transition",
            params={"current": Status(current).label, "new": Status(new).label},
        )


class OutreachOperation(VersionedModel, TimeStampedModel):
    """One night's street outreach (M1, M19): where, when, and who went."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    date = models.DateField(_("date"))
    start_time = models.TimeField(_("from"))
    end_time = models.TimeField(_("until"), help_text=_("May be after midnight."))
    area = models.CharField(
        _("area"), max_length=200, help_text=_("Streets, junctions or landmarks covered.")
    )
    district = models.ForeignKey(
        "geo.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("kecamatan"),
    )
    team = models.CharField(
        _("team"), max_length=300, help_text=_("Names or units of the people who went.")
    )
    agencies = models.ManyToManyField(
        "accounts.Agency", related_name="+", blank=True, verbose_name=_("agencies taking part")
    )
    notes = models.TextField(_("notes"), blank=True, max_length=2000)
    regency_code = models.CharField(_("regency code"), max_length=5)
    agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("outreach operation")
        verbose_name_plural = _("outreach operations")
        ordering = ["-date", "-start_time"]
        indexes = [
            models.Index(fields=["regency_code", "-date"], name="outreach_regency_date_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} · {self.area}"


class Report(VersionedModel, TimeStampedModel):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Twelve Crockford base32 characters (60 random bits), stored without the dashes. Unique by
    # a constraint in Meta (unique=True would add a second, LIKE-pattern index on PostgreSQL).
    tracking_code = models.CharField(_("tracking code"), max_length=12)
    # Idempotency of the public form: the signed form token, so a double tap stores one report.
    submission_key = models.CharField(max_length=64, null=True, blank=True)
    # A public report's audit event is written after the response, in batches, by
    # services.public_reports_audit: until then the report is pending, and keeps the request id
    # of its submission for the event.
    audit_pending = models.BooleanField(default=False, editable=False)
    submission_request_id = models.CharField(max_length=64, blank=True, editable=False)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.RECEIVED
    )
    # When the reporter-visible stage last changed (what the tracking page shows).
    stage_changed_at = models.DateTimeField(_("last change"), default=timezone.now)
    regency_code = models.CharField(_("regency code"), max_length=5)

    # What, who, where, when
    category = models.CharField(_("what was seen"), max_length=16, choices=Category.choices)
    children_count = models.PositiveSmallIntegerField(_("how many children"), default=1)
    age_group = models.CharField(
        _("approximate age"), max_length=8, choices=AgeGroup.choices, default=AgeGroup.UNKNOWN
    )
    kelurahan = models.ForeignKey(
        "geo.Region",
        on_delete=models.PROTECT,
        db_index=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("kelurahan/desa"),
    )
    landmark = models.CharField(_("place"), max_length=300)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    seen_at = models.DateTimeField(_("when"))
    description = models.TextField(_("what happened"), max_length=5000)

    # The reporter: a sensitive section (policy intake.view_reporter, audited reads).
    is_anonymous = models.BooleanField(_("anonymous"), default=True)
    reporter_name = models.CharField(_("reporter's name"), max_length=150, blank=True)
    reporter_phone = models.CharField(_("reporter's phone"), max_length=40, blank=True)
    reporter_email = models.EmailField(_("reporter's email"), blank=True)
    reporter_address = models.CharField(_("reporter's address"), max_length=300, blank=True)
    reporter_relation = models.CharField(
        _("relation to the child"), max_length=16, choices=ReporterRelation.choices, blank=True
    )
    # Keyed hash of the submitting address (never the address itself), for abuse investigation.
    submitter_hash = models.CharField(max_length=32, blank=True, editable=False)

    # One child known by the staff or found in outreach (optional for other reports).
    child_name = models.CharField(_("child's name or nickname"), max_length=200, blank=True)
    child_sex = models.CharField(_("sex"), max_length=8, choices=Sex.choices, blank=True)
    child_age = models.PositiveSmallIntegerField(_("estimated age"), null=True, blank=True)
    activity = models.CharField(_("activity"), max_length=12, choices=Activity.choices, blank=True)
    origin_region = models.ForeignKey(
        "geo.Region",
        on_delete=models.PROTECT,
        db_index=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("origin"),
    )
    origin_text = models.CharField(_("origin (as told)"), max_length=200, blank=True)
    accompanying_adult = models.CharField(_("accompanying adult"), max_length=300, blank=True)
    outreach = models.ForeignKey(
        OutreachOperation,
        on_delete=models.PROTECT,
        db_index=False,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("outreach operation"),
    )

    # Screening and triage
    immediate_danger = models.BooleanField(_("immediate danger"), default=False)
    injury = models.BooleanField(_("injured"), default=False)
    very_young = models.BooleanField(_("very young child (under 5)"), default=False)
    out_at_night = models.BooleanField(_("out at night"), default=False)
    trafficking_signs = models.BooleanField(
        _("signs of trafficking or an organiser"), default=False
    )
    priority = models.CharField(
        _("priority"), max_length=8, choices=Priority.choices, default=Priority.NORMAL
    )
    due_at = models.DateTimeField(_("respond by"))
    screened_at = models.DateTimeField(_("screened"), null=True, blank=True)
    screened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        db_index=False,
        null=True,
        blank=True,
        related_name="+",
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        db_index=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned to"),
    )
    assigned_at = models.DateTimeField(_("assigned"), null=True, blank=True)
    overdue_notified_at = models.DateTimeField(null=True, blank=True, editable=False)

    # Outcome
    outcome_at = models.DateTimeField(_("outcome recorded"), null=True, blank=True)
    outcome_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        db_index=False,
        null=True,
        blank=True,
        related_name="+",
    )
    outcome_note = models.TextField(_("note"), blank=True, max_length=2000)
    close_reason = models.CharField(
        _("reason"), max_length=20, choices=CloseReason.choices, blank=True
    )
    referred_to = models.ForeignKey(
        "accounts.Agency",
        on_delete=models.PROTECT,
        db_index=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("referred to"),
    )
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        db_index=False,
        null=True,
        blank=True,
        related_name="merged_reports",
        verbose_name=_("merged into"),
    )
    child = models.ForeignKey(
        "children.Child",
        on_delete=models.PROTECT,
        db_index=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("child"),
    )
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.PROTECT,
        db_index=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("case"),
    )

    # Who recorded it (blank for the public form and API)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        db_index=False,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_by_agency = models.ForeignKey(
        "accounts.Agency",
        on_delete=models.PROTECT,
        db_index=False,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["due_at"]
        # A public report is the busiest write: each index costs every insert. The foreign keys
        # have no index of their own (db_index=False) but a partial one, on the rows that have
        # a value, which a report filed by the public (all of these empty) does not touch; a
        # lookup by value (`child_id = X`, and Django's PROTECT check) still uses it.
        indexes = [
            # The triage queue of one city: open reports by deadline.
            models.Index(fields=["regency_code", "status", "due_at"], name="report_queue_idx"),
            models.Index(fields=["regency_code", "-created_at"], name="report_recent_idx"),
            *[
                models.Index(
                    fields=fields,
                    condition=models.Q(**{f"{fields[0]}__isnull": False}),
                    name=f"report_{name}_idx",
                )
                for name, fields in [
                    ("assignee", ["assigned_to", "status"]),
                    ("outreach", ["outreach"]),
                    ("kelurahan", ["kelurahan"]),
                    ("origin", ["origin_region"]),
                    ("screened_by", ["screened_by"]),
                    ("outcome_by", ["outcome_by"]),
                    ("referred_to", ["referred_to"]),
                    ("merged_into", ["merged_into"]),
                    ("child", ["child"]),
                    ("case", ["case"]),
                    ("recorded_by", ["recorded_by"]),
                    ("recorder_agency", ["recorded_by_agency"]),
                ]
            ],
            # The few public reports whose audit event is still to be written.
            models.Index(
                fields=["created_at"],
                condition=models.Q(audit_pending=True),
                name="report_audit_pending_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(children_count__gte=1, children_count__lte=99),
                name="report_children_count_range",
            ),
            models.UniqueConstraint(fields=["tracking_code"], name="report_tracking_code_unique"),
            # Only the web form sends a key; the API's NULLs stay out of the index.
            models.UniqueConstraint(
                fields=["submission_key"],
                condition=models.Q(submission_key__isnull=False),
                name="report_submission_key_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    # --- derived --------------------------------------------------------------------------

    @property
    def reference(self) -> str:
        """The staff reference: the first eight hex digits of the id (the tracking code is the
        reporter's and is never shown in staff lists)."""
        return "L-" + self.id.hex[:8].upper()

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_overdue(self, now: datetime | None = None) -> bool:
        return self.is_open and self.due_at < (now or timezone.now())

    @property
    def public_stage(self) -> PublicStage:
        return PUBLIC_STAGE[Status(self.status)]

    @property
    def has_reporter_details(self) -> bool:
        return bool(
            self.reporter_name
            or self.reporter_phone
            or self.reporter_email
            or self.reporter_address
        )

    # --- rules ----------------------------------------------------------------------------

    def compute_priority(self) -> str:
        if self.immediate_danger or self.injury:
            return Priority.URGENT
        if (
            self.very_young
            or self.out_at_night
            or self.trafficking_signs
            or self.category in {Category.SEXUAL_ABUSE, Category.TRAFFICKING}
        ):
            return Priority.HIGH
        return Priority.NORMAL

    def apply_priority(self) -> None:
        """Set the priority from the screening and the deadline from the time it was received."""
        self.priority = self.compute_priority()
        received = self.created_at or timezone.now()
        self.due_at = received + response_time(self.priority)

    def transition_to(self, new: str, *, now: datetime | None = None) -> None:
        """Apply a status change from TRANSITIONS, or raise InvalidTransition."""
        if new not in TRANSITIONS[Status(self.status)]:
            raise InvalidTransition(self.status, new)
        old_stage = self.public_stage
        self.status = new
        if self.public_stage != old_stage:
            self.stage_changed_at = now or timezone.now()

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if (
            self.is_anonymous
            and self.has_reporter_details
            and self.channel
            in {
                Channel.WEB,
                Channel.API,
            }
        ):
            errors["is_anonymous"] = _("An anonymous report cannot carry contact details.")
        if self.status == Status.CLOSED and not self.close_reason:
            errors["close_reason"] = _("Choose why the report is closed.")
        if self.status == Status.REFERRED and self.referred_to_id is None:
            errors["referred_to"] = _("Choose the agency the report is referred to.")
        if self.status == Status.MERGED:
            if self.merged_into_id is None:
                errors["merged_into"] = _("Choose the report to merge into.")
            elif self.merged_into_id == self.id:
                errors["merged_into"] = _("A report cannot be merged into itself.")
        if errors:
            raise ValidationError(errors)


def report_photo_path(instance: Any, filename: str) -> str:
    """A random name under the private prefix: nothing about the report reaches the file path."""
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"private/intake/photos/{uuid.uuid4().hex}.{ext}"


class ReportPhoto(models.Model):
    """A photo re-encoded without its metadata; served only through the audited photo view."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="photos")
    file = models.FileField(upload_to=report_photo_path, max_length=200)
    content_type = models.CharField(max_length=20)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("photo")
        verbose_name_plural = _("photos")

    def __str__(self) -> str:
        return f"{self.report_id}:{self.id}"


class RateCounter(models.Model):
    """Fixed-window counters for the public report limit, shared by every worker and server
    through the database (Django's default cache is per process). Written only through
    `sigap.intake.ratelimit`, one atomic upsert per accepted report."""

    key = models.CharField(max_length=64)
    window_start = models.DateTimeField()
    hits = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "window_start"], name="ratecounter_unique"),
        ]
        indexes = [models.Index(fields=["window_start"], name="ratecounter_window_idx")]

    def __str__(self) -> str:
        return f"{self.key}@{self.window_start:%Y-%m-%d %H:%M}: {self.hits}"


class Notification(models.Model):
    """An in-app message for one person, with a link to what it is about.

    Kept in the intake app for now; it belongs in core once a second domain notifies people."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    text = models.CharField(_("text"), max_length=300)
    link = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread_idx"),
            models.Index(fields=["recipient", "-created_at"], name="notification_recent_idx"),
        ]

    def __str__(self) -> str:
        return self.text
