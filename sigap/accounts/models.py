from __future__ import annotations

import hashlib
from functools import cached_property

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AgencyType(models.TextChoices):
    DINSOS = "DINSOS", _("Social Affairs Office (Dinas Sosial)")
    DP3AKB = "DP3AKB", _("Child Protection Office (DP3AKB)")
    UPTD_PPA = "UPTD_PPA", _("Women and Children Protection Unit (UPTD PPA)")
    POLICE_PPA = "POLICE_PPA", _("Police Women and Children Unit (Unit PPA)")
    SATPOL_PP = "SATPOL_PP", _("Municipal Police (Satpol PP)")
    HEALTH = "HEALTH", _("Health service (Puskesmas/RSUD)")
    PSYCHOLOGIST = "PSYCHOLOGIST", _("Psychologist")
    SCHOOL = "SCHOOL", _("School")
    KELURAHAN_RT = "KELURAHAN_RT", _("Village office / neighbourhood head (Kelurahan/RT)")
    LKSA = "LKSA", _("Child welfare institution (LKSA/panti asuhan)")
    PESANTREN = "PESANTREN", _("Islamic boarding school (pesantren)")
    PROSECUTOR = "PROSECUTOR", _("Prosecutor's office (Kejaksaan)")
    BAPAS_LAPAS = "BAPAS_LAPAS", _("Probation office or prison (Bapas/Lapas/LPKA)")
    KPAI_KPAD = "KPAI_KPAD", _("Child protection commission (KPAI/KPAD)")
    NGO = "NGO", _("Non-governmental organisation (LSM)")


class Role(models.TextChoices):
    INTAKE_OFFICER = "intake_officer", _("Intake officer")
    CASE_WORKER = "case_worker", _("Case worker")
    SUPERVISOR = "supervisor", _("Supervisor")
    PSYCHOLOGIST = "psychologist", _("Psychologist")
    PARTNER_OFFICER = "partner_officer", _("Partner officer")
    ANALYST = "analyst", _("Analyst")
    AGENCY_ADMIN = "agency_admin", _("Agency administrator")
    SYSTEM_ADMIN = "system_admin", _("System administrator")


# Roles whose holders can open child records; two-factor authentication is enforced for them.
CHILD_DATA_ROLES = frozenset(
    {
        Role.INTAKE_OFFICER,
        Role.CASE_WORKER,
        Role.SUPERVISOR,
        Role.PSYCHOLOGIST,
        Role.PARTNER_OFFICER,
    }
)


class Agency(models.Model):
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    type = models.CharField(_("type"), max_length=20, choices=AgencyType.choices)
    region = models.ForeignKey(
        "geo.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region")
    )
    # The regency (kabupaten/kota) the agency belongs to: every place-bound record carries it, so
    # a provincial or national deployment can keep one city's queries inside that city.
    regency_code = models.CharField(_("regency code"), max_length=5, db_index=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        constraints = [
            models.UniqueConstraint(fields=["regency_code", "name"], name="agency_unique_name")
        ]

    def __str__(self) -> str:
        return self.short_name or self.name


class User(AbstractUser):
    """A person who signs in. Users are never deleted: deactivation keeps their history."""

    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    deactivated_at = models.DateTimeField(_("deactivated at"), null=True, blank=True)
    deactivated_by = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    @cached_property
    def active_memberships(self) -> list[Membership]:
        """The user's active roles, loaded once per request (the user object lives per request)."""
        if not self.pk:
            return []
        return list(
            Membership.objects.filter(user=self, is_active=True, agency__is_active=True)
            .select_related("agency")
            .order_by("agency__name", "role")
        )

    def has_role(self, *roles: str, agency_id: int | None = None) -> bool:
        return any(
            m.role in roles and (agency_id is None or m.agency_id == agency_id)
            for m in self.active_memberships
        )

    def agency_ids_with_role(self, *roles: str) -> set[int]:
        return {m.agency_id for m in self.active_memberships if m.role in roles}

    @property
    def is_system_admin(self) -> bool:
        return self.has_role(Role.SYSTEM_ADMIN)

    @property
    def sees_child_data(self) -> bool:
        return any(m.role in CHILD_DATA_ROLES for m in self.active_memberships)

    @property
    def primary_agency(self) -> Agency | None:
        memberships = self.active_memberships
        return memberships[0].agency if memberships else None


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="memberships")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    deactivated_at = models.DateTimeField(null=True, blank=True)
    deactivated_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["agency__name", "role"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "agency", "role"], name="membership_unique_role"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.agency} · {self.get_role_display()}"


class ApiToken(models.Model):
    """A personal API token. Only a SHA-256 of the secret is stored: the secret has 256 bits of
    randomness, so a slow hash adds nothing; the prefix finds the row."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    key_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_secret(secret: str) -> str:
        return hashlib.sha256(secret.encode()).hexdigest()

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()
