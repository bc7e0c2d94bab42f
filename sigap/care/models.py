"""The care pathway of a child (M3, M8, M9, M19): where the child stays (the UPTD PPA shelter first;
LKSA, pesantren and foster families join later as other kinds of CareArrangement), the
psychologist's progress notes, the safe return to school, the work with the parents, and the tasks
that every deadline of a case produces.

Statuses are TextChoices with their allowed transitions in one table each (TRANSITIONS below) and
one function that applies them (apply_status). Services in sigap.care.services are the only
writers.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sigap.core.models import TimeStampedModel, VersionedModel

# --- care arrangements ------------------------------------------------------------------------


class ArrangementKind(models.TextChoices):
    """Where a child is cared for. Only the shelter exists now; placements (LKSA, pesantren,
    foster and kinship care) are later kinds of the same record."""

    SHELTER = "shelter", _("Temporary shelter (UPTD PPA)")


class ArrangementStatus(models.TextChoices):
    ACTIVE = "active", _("Staying")
    ENDED = "ended", _("Left")


class AgeGroup(models.TextChoices):
    UNDER_6 = "0-5", _("0–5 years")
    FROM_6 = "6-12", _("6–12 years")
    FROM_13 = "13-17", _("13–17 years")


def age_group_for(age: int | None) -> str:
    if age is None:
        return ""
    if age < 6:
        return AgeGroup.UNDER_6
    if age < 13:
        return AgeGroup.FROM_6
    return AgeGroup.FROM_13


class CareArrangement(VersionedModel, TimeStampedModel):
    """A period in which a child is cared for somewhere: admitted (started) and discharged
    (ended). A child is in at most one arrangement at a time."""

    kind = models.CharField(
        _("kind"), max_length=16, choices=ArrangementKind.choices, default=ArrangementKind.SHELTER
    )
    status = models.CharField(
        _("status"),
        max_length=8,
        choices=ArrangementStatus.choices,
        default=ArrangementStatus.ACTIVE,
    )
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="care_arrangements"
    )
    child = models.ForeignKey(
        "children.Child", on_delete=models.PROTECT, related_name="care_arrangements"
    )
    agency = models.ForeignKey(
        "accounts.Agency",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("shelter / provider"),
    )
    regency_code = models.CharField(_("regency code"), max_length=5)
    started_at = models.DateTimeField(_("admitted at"))
    reason = models.TextField(_("reason for admission"))
    brought_by = models.CharField(
        _("brought by"),
        max_length=200,
        help_text=_("Who brought the child, e.g. Satpol PP night outreach, the mother, police."),
    )
    belongings = models.TextField(
        _("belongings"), blank=True, help_text=_("What the child brought, to give back on leaving.")
    )
    # Copied from the child at admission: the capacity count must not move when a record is edited.
    sex = models.CharField(_("sex"), max_length=6)
    age_group = models.CharField(_("age group"), max_length=5, choices=AgeGroup.choices)
    capacity_override_reason = models.TextField(_("reason for admitting over capacity"), blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    ended_at = models.DateTimeField(_("discharged at"), null=True, blank=True)
    end_reason = models.TextField(_("reason for discharge"), blank=True)
    destination = models.CharField(
        _("discharged to"),
        max_length=200,
        blank=True,
        help_text=_("Where the child went: home to the family, a panti asuhan, a pesantren…"),
    )
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("care arrangement")
        verbose_name_plural = _("care arrangements")
        constraints = [
            models.UniqueConstraint(
                fields=["child"],
                condition=Q(ended_at__isnull=True),
                name="care_one_open_arrangement_per_child",
                violation_error_message=_("This child is already staying somewhere."),
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
                name="care_arrangement_ends_after_start",
            ),
        ]
        indexes = [
            # "Children in the shelter today" of one agency, and its capacity count.
            models.Index(
                fields=["agency", "kind", "sex", "age_group"],
                condition=Q(ended_at__isnull=True),
                name="care_open_by_agency_idx",
            ),
            models.Index(fields=["case", "-started_at"], name="care_arrangement_case_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.started_at:%Y-%m-%d}"

    @property
    def is_active(self) -> bool:
        return self.ended_at is None

    def days_of_stay(self, today: date) -> int:
        """Days counted like a hotel night count plus one: admitted today is day 1."""
        from django.utils import timezone

        start = timezone.localtime(self.started_at).date()
        end = timezone.localtime(self.ended_at).date() if self.ended_at else today
        return (end - start).days + 1


class ShelterCapacity(models.Model):
    """The number of places of one shelter for one sex and age group."""

    agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.CASCADE, related_name="shelter_capacities"
    )
    sex = models.CharField(_("sex"), max_length=6)
    age_group = models.CharField(_("age group"), max_length=5, choices=AgeGroup.choices)
    places = models.PositiveSmallIntegerField(_("places"), validators=[MaxValueValidator(500)])
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["agency", "sex", "age_group"]
        verbose_name = _("shelter capacity")
        verbose_name_plural = _("shelter capacities")
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "sex", "age_group"], name="shelter_capacity_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.sex} {self.age_group}: {self.places}"


# --- psychologist progress notes ------------------------------------------------------------------

INDICATOR_MIN = 1
INDICATOR_MAX = 5

# Every indicator reads the same way: 1 is the most worrying, 5 the best, so the chart's lines
# all go up when the child gets better. Anchors are shown next to the scale in the form.
INDICATORS: list[tuple[str, Any, dict[int, Any]]] = [
    (
        "mood",
        _("Mood"),
        {
            1: _("Very low: cries often, withdrawn, hopeless"),
            2: _("Low: sad or irritable most of the day"),
            3: _("Changeable: good and bad moments"),
            4: _("Mostly calm and content"),
            5: _("Cheerful and stable"),
        },
    ),
    (
        "behaviour",
        _("Behaviour"),
        {
            1: _("Aggressive or self-harming, needs constant supervision"),
            2: _("Frequent outbursts or refusing rules"),
            3: _("Follows rules with reminders"),
            4: _("Follows rules, occasional conflicts"),
            5: _("Cooperative, follows the daily routine"),
        },
    ),
    (
        "sleep",
        _("Sleep"),
        {
            1: _("Hardly sleeps, nightmares every night"),
            2: _("Sleeps badly most nights"),
            3: _("Some disturbed nights"),
            4: _("Sleeps well most nights"),
            5: _("Sleeps well every night"),
        },
    ),
    (
        "appetite",
        _("Appetite"),
        {
            1: _("Refuses food"),
            2: _("Eats very little"),
            3: _("Eats irregularly"),
            4: _("Eats most meals"),
            5: _("Eats all meals with appetite"),
        },
    ),
    (
        "social",
        _("Social interaction"),
        {
            1: _("Isolates, does not speak to anyone"),
            2: _("Speaks only when addressed"),
            3: _("Plays or talks with a few others"),
            4: _("Takes part in group activities"),
            5: _("Makes friends, seeks contact with others"),
        },
    ),
    (
        "trauma",
        _("Trauma signs"),
        {
            1: _("Severe: flashbacks, panic or dissociation every day"),
            2: _("Frequent signs (startles, avoids, re-lives events)"),
            3: _("Some signs when reminded of events"),
            4: _("Rare, mild signs"),
            5: _("No visible signs"),
        },
    ),
]
INDICATOR_KEYS = [key for key, _label, _anchors in INDICATORS]


def _indicator(label: Any) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        label, validators=[MinValueValidator(INDICATOR_MIN), MaxValueValidator(INDICATOR_MAX)]
    )


class ProgressNote(VersionedModel, TimeStampedModel):
    """A psychologist's dated entry: structured indicators and a narrative. One per case per day.
    Sensitive: only the psychologists, the case workers and the supervisors of the lead agency
    read it, and every read is audited."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="progress_notes")
    noted_on = models.DateField(_("date"))
    mood = _indicator(_("Mood"))
    behaviour = _indicator(_("Behaviour"))
    sleep = _indicator(_("Sleep"))
    appetite = _indicator(_("Appetite"))
    social = _indicator(_("Social interaction"))
    trauma = _indicator(_("Trauma signs"))
    narrative = models.TextField(_("narrative"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-noted_on", "-id"]
        verbose_name = _("psychologist progress note")
        verbose_name_plural = _("psychologist progress notes")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "noted_on"],
                name="progress_note_one_per_day",
                violation_error_message=_("There is already a note for this day."),
            ),
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{key}__gte": INDICATOR_MIN, f"{key}__lte": INDICATOR_MAX}),
                    name=f"progress_note_{key}_scale",
                )
                for key in INDICATOR_KEYS
            ],
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.noted_on}"

    @property
    def indicators(self) -> list[dict[str, Any]]:
        return [
            {
                "key": key,
                "label": label,
                "value": getattr(self, key),
                "anchor": anchors.get(getattr(self, key)),
            }
            for key, label, anchors in INDICATORS
        ]


DEFAULT_NOTE_INTERVAL_DAYS = 7


class NoteSchedule(models.Model):
    """How often the psychologist writes a note once the child has left the shelter (daily while
    in the shelter)."""

    case = models.OneToOneField(
        "cases.Case", on_delete=models.CASCADE, related_name="note_schedule"
    )
    interval_days = models.PositiveSmallIntegerField(
        _("note every (days) after the shelter"),
        default=DEFAULT_NOTE_INTERVAL_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("note schedule")
        verbose_name_plural = _("note schedules")
        constraints = [
            models.CheckConstraint(
                condition=Q(interval_days__gte=1, interval_days__lte=90),
                name="note_schedule_interval_range",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.interval_days}"


# --- safe return to school ----------------------------------------------------------------------


class RecommendationStatus(models.TextChoices):
    REQUESTED = "requested", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class SchoolRecommendation(TimeStampedModel):
    """ "Safe to return to school", by the psychologist or the case worker, with its grounds; an
    approval record that a supervisor of the lead agency decides (never their own)."""

    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="school_recommendations"
    )
    grounds = models.TextField(
        _("grounds"),
        help_text=_("Why the child is safe and ready to go back to school now."),
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=RecommendationStatus.choices,
        default=RecommendationStatus.REQUESTED,
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("school return recommendation")
        verbose_name_plural = _("school return recommendations")
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(status="requested"),
                name="school_recommendation_one_open",
                violation_error_message=_(
                    "A recommendation for this case is already waiting for a supervisor."
                ),
            )
        ]
        indexes = [models.Index(fields=["status", "requested_at"], name="school_rec_queue_idx")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_status_display()}"


class EducationStatus(models.TextChoices):
    ATTENDING = "attending", _("Attending")
    DROPPED_OUT = "dropped_out", _("Dropped out again")
    COMPLETED = "completed", _("Completed or moved on")


class Attendance(models.TextChoices):
    REGULAR = "regular", _("Attends regularly")
    IRREGULAR = "irregular", _("Attends irregularly")
    ABSENT = "absent", _("Mostly absent")
    DROPPED_OUT = "dropped_out", _("Has dropped out")


DEFAULT_FOLLOW_UP_DAYS = 14


class EducationRecord(VersionedModel, TimeStampedModel):
    """The child back at school, opened only on an approved recommendation."""

    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="education_records"
    )
    child = models.ForeignKey(
        "children.Child", on_delete=models.PROTECT, related_name="education_records"
    )
    recommendation = models.ForeignKey(
        SchoolRecommendation, on_delete=models.PROTECT, related_name="education_records"
    )
    school = models.ForeignKey(
        "accounts.Agency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("school"),
    )
    school_name = models.CharField(
        _("school name"),
        max_length=200,
        blank=True,
        help_text=_("When the school is not in the list of agencies."),
    )
    grade = models.CharField(_("grade / class"), max_length=30)
    started_on = models.DateField(_("start date"))
    follow_up_interval_days = models.PositiveSmallIntegerField(
        _("attendance follow-up every (days)"),
        default=DEFAULT_FOLLOW_UP_DAYS,
        validators=[MinValueValidator(7), MaxValueValidator(90)],
    )
    next_follow_up_on = models.DateField(_("next follow-up"), null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=EducationStatus.choices,
        default=EducationStatus.ATTENDING,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-started_on", "-id"]
        verbose_name = _("education record")
        verbose_name_plural = _("education records")
        constraints = [
            models.CheckConstraint(
                condition=Q(school__isnull=False) | ~Q(school_name=""),
                name="education_record_has_school",
                violation_error_message=_("Choose the school or write its name."),
            ),
            models.CheckConstraint(
                condition=Q(follow_up_interval_days__gte=7, follow_up_interval_days__lte=90),
                name="education_follow_up_range",
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_follow_up_on"],
                condition=Q(status="attending"),
                name="education_follow_up_due_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.school_label} {self.grade}"

    @property
    def school_label(self) -> str:
        return str(self.school) if self.school_id else self.school_name


class AttendanceFollowUp(TimeStampedModel):
    record = models.ForeignKey(EducationRecord, on_delete=models.CASCADE, related_name="follow_ups")
    checked_on = models.DateField(_("date"))
    attendance = models.CharField(_("attendance"), max_length=12, choices=Attendance.choices)
    notes = models.TextField(_("notes"), blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-checked_on", "-id"]
        verbose_name = _("attendance follow-up")
        verbose_name_plural = _("attendance follow-ups")

    def __str__(self) -> str:
        return f"{self.checked_on} {self.get_attendance_display()}"


# --- parents and family -------------------------------------------------------------------------


class InterventionKind(models.TextChoices):
    PARENTING_SESSION = "parenting", _("Parenting session")
    COUNSELLING = "counselling", _("Counselling with a psychologist")
    HOME_VISIT = "home_visit", _("Home visit")


class FamilyIntervention(TimeStampedModel):
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="family_interventions"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=InterventionKind.choices)
    occurred_on = models.DateField(_("date"))
    family_member = models.ForeignKey(
        "children.FamilyMember",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("family member"),
    )
    participants = models.CharField(
        _("who took part"), max_length=300, help_text=_("e.g. mother and stepfather")
    )
    attended = models.BooleanField(_("the family attended"), default=True)
    topic = models.CharField(_("topic"), max_length=300)
    outcome = models.TextField(_("outcome"), blank=True)
    facilitator = models.CharField(
        _("facilitator"),
        max_length=150,
        blank=True,
        help_text=_("Psychologist or worker who led it."),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-occurred_on", "-id"]
        verbose_name = _("family intervention")
        verbose_name_plural = _("family interventions")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_on}"


class CommitmentStatus(models.TextChoices):
    IN_FORCE = "in_force", _("In force")
    KEPT = "kept", _("Kept")
    BROKEN = "broken", _("Broken")


class Commitment(VersionedModel, TimeStampedModel):
    """A written commitment (surat pernyataan) by a parent or guardian."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="commitments")
    family_member = models.ForeignKey(
        "children.FamilyMember",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("family member"),
    )
    signed_by = models.CharField(_("signed by"), max_length=200)
    signed_on = models.DateField(_("signed on"))
    terms = models.TextField(
        _("terms"),
        help_text=_("What the signer promises, e.g. not to send the child to the street."),
    )
    review_on = models.DateField(_("check on"), null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=CommitmentStatus.choices,
        default=CommitmentStatus.IN_FORCE,
    )
    status_note = models.TextField(_("note on the status"), blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-signed_on", "-id"]
        verbose_name = _("written commitment")
        verbose_name_plural = _("written commitments")

    def __str__(self) -> str:
        return f"{self.signed_by} {self.signed_on}"


class RepeatExploitation(TimeStampedModel):
    """The child found exploited again. After a commitment, this breaks it, raises the case's
    risk level and gives the supervisor a task."""

    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="repeat_exploitations"
    )
    occurred_on = models.DateField(_("date"))
    description = models.TextField(_("what happened"))
    commitment = models.ForeignKey(
        Commitment, on_delete=models.PROTECT, null=True, blank=True, related_name="repeats"
    )
    risk_from = models.CharField(max_length=10, blank=True)
    risk_to = models.CharField(max_length=10, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-occurred_on", "-id"]
        verbose_name = _("repeated exploitation")
        verbose_name_plural = _("repeated exploitations")

    def __str__(self) -> str:
        return f"{self.case_id} {self.occurred_on}"


class LegalTarget(models.TextChoices):
    PARENT = "parent", _("Parent")
    RELATIVE = "relative", _("Relative or guardian")
    ORGANISER = "organiser", _("Organiser (oknum)")
    OTHER = "other", _("Other")


class LegalStatus(models.TextChoices):
    PREPARING = "preparing", _("Being prepared")
    REPORTED = "reported", _("Reported to the police")
    INVESTIGATION = "investigation", _("Under investigation")
    PROSECUTION = "prosecution", _("In prosecution / court")
    CONVICTED = "convicted", _("Convicted")
    ACQUITTED = "acquitted", _("Acquitted")
    STOPPED = "stopped", _("Stopped (SP3) or withdrawn")


class LegalAction(VersionedModel, TimeStampedModel):
    """Legal action against a parent or organiser (M3): reported to the police, followed up."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="legal_actions")
    target = models.CharField(_("against a"), max_length=10, choices=LegalTarget.choices)
    person = models.ForeignKey(
        "children.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("person record"),
    )
    target_name = models.CharField(_("name"), max_length=200)
    allegation = models.TextField(_("allegation"))
    status = models.CharField(
        _("status"), max_length=14, choices=LegalStatus.choices, default=LegalStatus.PREPARING
    )
    police_agency = models.ForeignKey(
        "accounts.Agency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("police unit"),
    )
    reported_on = models.DateField(_("reported on"), null=True, blank=True)
    police_case_number = models.CharField(
        _("police report number"), max_length=80, blank=True, help_text=_("e.g. LP/B/123/V/2026")
    )
    outcome = models.TextField(_("outcome"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("legal action")
        verbose_name_plural = _("legal actions")

    def __str__(self) -> str:
        return f"{self.target_name} · {self.get_status_display()}"


# --- tasks, reassignment, reminders ------------------------------------------------------------------


class TaskKind(models.TextChoices):
    DROPPED_OUT = "dropped_out", _("Child dropped out of school again")
    REPEAT_EXPLOITATION = "repeat_exploitation", _("Exploitation repeated after a commitment")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")


class CareTask(TimeStampedModel):
    """A task raised by a rule (most deadlines are computed, see sigap.care.tasks). Assigned to a
    person, or to the supervisors of an agency when `assignee` is empty."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="care_tasks")
    kind = models.CharField(_("kind"), max_length=24, choices=TaskKind.choices)
    title = models.CharField(_("task"), max_length=300)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="care_tasks",
    )
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField(_("due"))
    status = models.CharField(
        _("status"), max_length=6, choices=TaskStatus.choices, default=TaskStatus.OPEN
    )
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    done_note = models.TextField(_("what was done"), blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        indexes = [
            models.Index(
                fields=["assignee", "due_on"], condition=Q(status="open"), name="care_task_open_idx"
            ),
            models.Index(
                fields=["agency", "due_on"],
                condition=Q(status="open", assignee__isnull=True),
                name="care_task_agency_open_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Reassignment(models.Model):
    """A supervisor gave a case to another lead worker; the reason is kept here (the audit event
    names the fields only)."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="reassignments")
    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("reason"))
    reassigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reassigned_at = models.DateTimeField()

    class Meta:
        ordering = ["-reassigned_at", "-id"]
        verbose_name = _("reassignment")
        verbose_name_plural = _("reassignments")

    def __str__(self) -> str:
        return f"{self.case_id} → {self.to_user_id}"


class ReminderLog(models.Model):
    """One reminder email per person per day at most (the periodic check is safe to rerun)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    sent_on = models.DateField()
    overdue = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "sent_on"], name="care_reminder_once_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.sent_on}"


# --- status transitions (one table per status field, one function applies them) ---------------------

TRANSITIONS: dict[str, dict[str, frozenset[str]]] = {
    "arrangement": {
        ArrangementStatus.ACTIVE: frozenset({ArrangementStatus.ENDED}),
        ArrangementStatus.ENDED: frozenset(),
    },
    "recommendation": {
        RecommendationStatus.REQUESTED: frozenset(
            {
                RecommendationStatus.APPROVED,
                RecommendationStatus.REJECTED,
                RecommendationStatus.WITHDRAWN,
            }
        ),
        RecommendationStatus.APPROVED: frozenset(),
        RecommendationStatus.REJECTED: frozenset(),
        RecommendationStatus.WITHDRAWN: frozenset(),
    },
    "education": {
        EducationStatus.ATTENDING: frozenset(
            {EducationStatus.DROPPED_OUT, EducationStatus.COMPLETED}
        ),
        EducationStatus.DROPPED_OUT: frozenset({EducationStatus.ATTENDING}),
        EducationStatus.COMPLETED: frozenset(),
    },
    "commitment": {
        CommitmentStatus.IN_FORCE: frozenset({CommitmentStatus.KEPT, CommitmentStatus.BROKEN}),
        CommitmentStatus.KEPT: frozenset({CommitmentStatus.BROKEN}),
        CommitmentStatus.BROKEN: frozenset(),
    },
    "legal": {
        LegalStatus.PREPARING: frozenset({LegalStatus.REPORTED, LegalStatus.STOPPED}),
        LegalStatus.REPORTED: frozenset({LegalStatus.INVESTIGATION, LegalStatus.STOPPED}),
        LegalStatus.INVESTIGATION: frozenset({LegalStatus.PROSECUTION, LegalStatus.STOPPED}),
        LegalStatus.PROSECUTION: frozenset({LegalStatus.CONVICTED, LegalStatus.ACQUITTED}),
        LegalStatus.CONVICTED: frozenset(),
        LegalStatus.ACQUITTED: frozenset(),
        LegalStatus.STOPPED: frozenset(),
    },
    "task": {
        TaskStatus.OPEN: frozenset({TaskStatus.DONE}),
        TaskStatus.DONE: frozenset(),
    },
}

_STATUS_CHOICES: dict[str, type[models.TextChoices]] = {
    "arrangement": ArrangementStatus,
    "recommendation": RecommendationStatus,
    "education": EducationStatus,
    "commitment": CommitmentStatus,
    "legal": LegalStatus,
    "task": TaskStatus,
}


class StatusError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def allowed_statuses(table: str, current: str) -> list[str]:
    allowed = TRANSITIONS[table][current]
    return [s for s in _STATUS_CHOICES[table].values if s in allowed]


def apply_status(obj: Any, table: str, target: str, *, field: str = "status") -> str:
    """Set `obj.<field>` to `target` if TRANSITIONS[table] allows it; return the old status, or
    raise StatusError with a message for the person."""
    choices = _STATUS_CHOICES[table]
    current = getattr(obj, field)
    if target not in choices.values:
        raise StatusError(str(_("“%(target)s” is not a valid status.") % {"target": target}))
    if target not in TRANSITIONS[table][current]:
        raise StatusError(
            str(
                _("The status cannot change from “%(current)s” to “%(target)s”.")
                % {"current": choices(current).label, "target": choices(target).label}
            )
        )
    setattr(obj, field, target)
    return current
