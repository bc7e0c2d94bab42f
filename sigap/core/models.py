from __future__ import annotations

import hashlib
import json
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class VersionedModel(models.Model):
    """Editable records carry a version; services refuse a save from a stale form."""

    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        abstract = True


class ActorKind(models.TextChoices):
    USER = "user", _("User")
    SYSTEM = "system", _("System")
    ANONYMOUS = "anonymous", _("Anonymous")


class AuditEvent(models.Model):
    """Append-only, hash-chained record of who did what.

    Rows are never updated or deleted: on PostgreSQL a trigger refuses both (migration 0002).
    `hash` covers the previous event's hash and this event's fields, so `manage.py verify_audit`
    finds any altered or removed event. `summary` names the fields changed, never their values.
    """

    occurred_at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    actor_kind = models.CharField(max_length=10, choices=ActorKind.choices, default=ActorKind.USER)
    actor_label = models.CharField(_("actor"), max_length=150)
    agency_id = models.BigIntegerField(_("agency"), null=True, blank=True, db_index=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            # "who accessed this record": the per-object history on a case or child page
            models.Index(fields=["object_type", "object_id", "-id"], name="audit_object_idx"),
            # the audit viewer filtered by actor
            models.Index(fields=["actor", "-id"], name="audit_actor_idx"),
        ]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("Audit events are append-only")
        super().save(*args, **kwargs)

    def canonical(self) -> str:
        payload: list[Any] = [
            self.prev_hash,
            self.occurred_at.isoformat(),
            self.actor_id,
            self.actor_kind,
            self.actor_label,
            self.agency_id,
            self.action,
            self.object_type,
            self.object_id,
            self.ip,
            self.request_id,
            self.summary,
        ]
        return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    def compute_hash(self) -> str:
        return hashlib.sha256(self.canonical().encode()).hexdigest()


class ScheduledJob(models.Model):
    """The last run of one periodic job (sigap.core.schedule) that a scheduler enqueued.

    `last_slot` is the scheduled time of that run. A scheduler claims the next run with one
    conditional UPDATE (last_slot older than the new slot), in the transaction that enqueues the
    task: of two schedulers, the second finds the row already moved on and enqueues nothing, on
    SQLite (one writer at a time) as on PostgreSQL (the row lock of the UPDATE)."""

    name = models.CharField(_("job"), max_length=100, unique=True)
    last_slot = models.DateTimeField(_("last scheduled run"), null=True, blank=True)
    last_enqueued_at = models.DateTimeField(_("last enqueued"), null=True, blank=True)
    last_task_id = models.CharField(_("last task"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("scheduled job")
        verbose_name_plural = _("scheduled jobs")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
