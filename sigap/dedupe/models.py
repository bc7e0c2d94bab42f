"""Possible duplicate children and the merges of confirmed pairs.

A pair is stored once, ordered so that child_a's id sorts before child_b's. A rejected pair stays
rejected: the nightly run and the registration suggestions skip it.

A merge records that `merged` is the same child as `survivor` and brings the merged record's
history to where the case worker looks: its cases move to the survivor (cases'
case_move_to_child), so does the rest of its history (each part through its app's service),
and its names become the survivor's aliases, so the survivor's page lists every case and a
search by either name finds it. Nothing is deleted: the merged record keeps its
own data and family, is left out of lists and searches while the merge is active, and its page
points to the survivor. MergedCase and MergedAlias remember exactly what the merge moved and
added, so undoing it (undone_at set) moves those cases back and removes those aliases;
MergedRecord does the same for the rest of the history the merge moves (care arrangements,
education records, reports, incident links). The family stays with its record.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from sigap.core.models import TimeStampedModel, VersionedModel


class CandidateStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    CONFIRMED = "confirmed", _("Confirmed: same child")
    REJECTED = "rejected", _("Rejected: different children")


# The only allowed status changes (apply_transition). A confirmed pair may still be rejected
# while it is not merged; a rejected pair is final, so it is never proposed again.
TRANSITIONS: dict[str, frozenset[str]] = {
    CandidateStatus.PROPOSED: frozenset({CandidateStatus.CONFIRMED, CandidateStatus.REJECTED}),
    CandidateStatus.CONFIRMED: frozenset({CandidateStatus.REJECTED}),
    CandidateStatus.REJECTED: frozenset(),
}


class TransitionError(ValueError):
    pass


def apply_transition(candidate: DuplicateCandidate, new_status: str) -> None:
    """Set the new status, or raise TransitionError when the table does not allow it."""
    if new_status not in TRANSITIONS.get(candidate.status, frozenset()):
        raise TransitionError(f"{candidate.status} -> {new_status}")
    candidate.status = new_status


class CandidateSource(models.TextChoices):
    NIGHTLY = "nightly", _("Nightly search")
    MANUAL = "manual", _("Reported by a user")


class DuplicateCandidate(VersionedModel, TimeStampedModel):
    child_a = models.ForeignKey(
        "children.Child", on_delete=models.CASCADE, related_name="+", verbose_name=_("child")
    )
    child_b = models.ForeignKey(
        "children.Child", on_delete=models.CASCADE, related_name="+", verbose_name=_("other child")
    )
    score = models.FloatField(_("match score"))
    # [{"field", "status", "level", "weight"}] from sigap.matching's Explanation: names of fields
    # and levels only, never a value of the records.
    explanation = models.JSONField(_("explanation"), default=list, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=CandidateStatus.choices,
        default=CandidateStatus.PROPOSED,
    )
    source = models.CharField(
        _("source"), max_length=8, choices=CandidateSource.choices, default=CandidateSource.NIGHTLY
    )
    regency_code = models.CharField(_("regency code"), max_length=5)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        verbose_name = _("possible duplicate")
        verbose_name_plural = _("possible duplicates")
        ordering = ["-score", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["child_a", "child_b"], name="dedupe_pair_unique"),
            models.CheckConstraint(
                condition=Q(child_a__lt=F("child_b")), name="dedupe_pair_ordered"
            ),
        ]
        indexes = [
            models.Index(
                fields=["regency_code", "status", "-score"], name="dedupe_regency_status_idx"
            ),
            models.Index(fields=["child_b"], name="dedupe_child_b_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.child_a_id} ~ {self.child_b_id} ({self.score:.2f})"


class ChildMerge(TimeStampedModel):
    """`merged` is recorded as the same child as `survivor`. Active while undone_at is null."""

    candidate = models.ForeignKey(
        DuplicateCandidate, on_delete=models.PROTECT, related_name="merges"
    )
    survivor = models.ForeignKey(
        "children.Child", on_delete=models.CASCADE, related_name="+", verbose_name=_("kept record")
    )
    merged = models.ForeignKey(
        "children.Child",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("merged record"),
    )
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    undone_at = models.DateTimeField(_("undone"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("merge")
        verbose_name_plural = _("merges")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # A record is merged into at most one other at a time.
            models.UniqueConstraint(
                fields=["merged"], condition=Q(undone_at__isnull=True), name="dedupe_merge_active"
            ),
            models.CheckConstraint(
                condition=~Q(survivor=F("merged")), name="dedupe_merge_distinct"
            ),
        ]
        indexes = [models.Index(fields=["survivor"], name="dedupe_merge_survivor_idx")]

    def __str__(self) -> str:
        return f"{self.merged_id} -> {self.survivor_id}"

    @property
    def is_active(self) -> bool:
        return self.undone_at is None


class MergedCase(models.Model):
    """A case of the merged record that the merge moved to the survivor (moved back on undo)."""

    merge = models.ForeignKey(ChildMerge, on_delete=models.CASCADE, related_name="moved_cases")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    moved_back_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["merge", "case"], name="dedupe_merged_case_unique"),
        ]
        indexes = [models.Index(fields=["case"], name="dedupe_merged_case_idx")]

    def __str__(self) -> str:
        return f"{self.merge_id}: {self.case_id}"


class MergedAlias(models.Model):
    """A name of the merged record that the merge added to the survivor as an alias (removed on
    undo). `alias` is null once the alias is gone (removed by undo, or by a user before it)."""

    merge = models.ForeignKey(ChildMerge, on_delete=models.CASCADE, related_name="added_aliases")
    alias = models.ForeignKey(
        "children.ChildAlias", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.merge_id}: {self.alias_id}"


class RecordKind(models.TextChoices):
    """The other parts of a child's history that a merge moves (each through its owning app's
    service), besides cases (MergedCase) and names (MergedAlias)."""

    CARE_ARRANGEMENT = "care_arrangement", _("Care arrangement")
    EDUCATION_RECORD = "education_record", _("Education record")
    REPORT = "report", _("Report")
    INCIDENT_LINK = "incident_link", _("Incident")


class MergedRecord(models.Model):
    """A record of the merged child (care arrangement, education record, report, incident link)
    that the merge moved to the survivor; moved back on undo unless it was moved on since.
    `object_id` is the record's primary key as text (integers and uuids alike): the records
    are kept (PROTECT, or the incident link's CASCADE with its incident), and a missing one is
    skipped on undo."""

    merge = models.ForeignKey(ChildMerge, on_delete=models.CASCADE, related_name="moved_records")
    kind = models.CharField(max_length=20, choices=RecordKind.choices)
    object_id = models.CharField(max_length=40)
    moved_back_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["merge", "kind", "object_id"], name="dedupe_merged_record_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.merge_id}: {self.kind} {self.object_id}"
