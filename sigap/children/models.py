"""The child registry: children, their aliases and families, the people around them (alleged
perpetrators, organisers) and incidents where several children were found together.

NIK and family-card numbers are stored encrypted (`sigap.children.crypto`), with a keyed blind
index beside each for exact lookup; the clear value never reaches the database or the audit trail.
Every place-bound record carries `regency_code`, the home regency of the deployment when the
record was written, so one city's queries stay inside that city in a national deployment.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sigap.core.models import TimeStampedModel, VersionedModel


def child_photo_path(instance: Any, filename: str) -> str:
    """A random storage name: nothing about the child (name, NIK) ends up in a file path."""
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    if ext not in {"jpg", "jpeg", "png", "webp"}:
        ext = "bin"
    return f"children/photos/{uuid.uuid4().hex}.{ext}"


class Sex(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class Religion(models.TextChoices):
    ISLAM = "islam", _("Islam")
    PROTESTANT = "protestant", _("Protestant Christian")
    CATHOLIC = "catholic", _("Catholic")
    HINDU = "hindu", _("Hindu")
    BUDDHIST = "buddhist", _("Buddhist")
    CONFUCIAN = "confucian", _("Confucian")
    BELIEF = "belief", _("Traditional belief (kepercayaan)")
    UNKNOWN = "unknown", _("Unknown")


class BirthCertificateStatus(models.TextChoices):
    HAS = "has", _("Has a birth certificate")
    NONE = "none", _("No birth certificate")
    IN_PROCESS = "in_process", _("Being applied for")
    UNKNOWN = "unknown", _("Unknown")


class SchoolStatus(models.TextChoices):
    ENROLLED = "enrolled", _("In school")
    DROPPED_OUT = "dropped_out", _("Dropped out")
    NEVER_ENROLLED = "never_enrolled", _("Never enrolled")
    UNKNOWN = "unknown", _("Unknown")


def age_on(birth_date: date, today: date) -> int:
    years = today.year - birth_date.year
    if (today.month, today.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


class Child(VersionedModel, TimeStampedModel):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    full_name = models.CharField(_("full name"), max_length=200)
    sex = models.CharField(_("sex"), max_length=6, choices=Sex.choices)
    # Either the real birth date, or (birth_date_is_estimated) a date derived from an estimated
    # age when registered: the age then advances with time like a real one. Null: unknown.
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    birth_date_is_estimated = models.BooleanField(_("birth date is estimated"), default=False)
    place_of_birth = models.CharField(_("place of birth"), max_length=100, blank=True)
    origin_region = models.ForeignKey(
        "geo.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("region of origin"),
        help_text=_("The regency (kabupaten/kota) the child or family comes from."),
    )
    address = models.CharField(_("current address"), max_length=300, blank=True)
    kelurahan = models.ForeignKey(
        "geo.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("kelurahan/desa"),
    )
    rt = models.CharField(_("RT"), max_length=3, blank=True)
    rw = models.CharField(_("RW"), max_length=3, blank=True)
    religion = models.CharField(
        _("religion"), max_length=12, choices=Religion.choices, default=Religion.UNKNOWN
    )
    languages = models.CharField(_("languages spoken"), max_length=200, blank=True)
    birth_certificate_status = models.CharField(
        _("birth certificate"),
        max_length=12,
        choices=BirthCertificateStatus.choices,
        default=BirthCertificateStatus.UNKNOWN,
    )
    school_status = models.CharField(
        _("school"), max_length=16, choices=SchoolStatus.choices, default=SchoolStatus.UNKNOWN
    )
    has_disability = models.BooleanField(_("has a disability"), default=False)
    disability = models.CharField(_("disability details"), max_length=300, blank=True)
    # Served only through the audited photo view, never from a public URL.
    photo = models.FileField(_("photo"), upload_to=child_photo_path, blank=True, max_length=200)
    # Encrypted identifiers (sigap.children.crypto): ciphertext + keyed blind index (HMAC).
    nik_encrypted = models.TextField(blank=True, editable=False)
    nik_index = models.CharField(max_length=64, blank=True, editable=False)
    family_card_encrypted = models.TextField(blank=True, editable=False)
    family_card_index = models.CharField(max_length=64, blank=True, editable=False)
    regency_code = models.CharField(_("regency code"), max_length=5)
    registered_by_agency = models.ForeignKey(
        "accounts.Agency",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("registered by"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("child")
        verbose_name_plural = _("children")
        ordering = ["-created_at"]
        indexes = [
            # The list page of one city, newest first.
            models.Index(fields=["regency_code", "-created_at"], name="child_regency_created_idx"),
            # The visibility rule "registered by one of my agencies", newest first.
            models.Index(
                fields=["registered_by_agency", "-created_at"], name="child_agency_created_idx"
            ),
            # The kelurahan filter of the case list, as a subquery: (kelurahan, id) lets PostgreSQL
            # read a kelurahan's children from the index alone (bench/cases.py).
            models.Index(fields=["kelurahan", "id"], name="child_kelurahan_id_idx"),
            models.Index(fields=["origin_region"], name="child_origin_idx"),
            # Exact lookups through the blind indexes (blank rows are cheap to skip).
            models.Index(fields=["nik_index"], name="child_nik_idx"),
            models.Index(fields=["family_card_index"], name="child_kk_idx"),
        ]

    def __str__(self) -> str:
        return self.full_name

    def get_absolute_url(self) -> str:
        return reverse("children:child_detail", kwargs={"pk": self.pk})

    @property
    def age(self) -> int | None:
        if self.birth_date is None:
            return None
        return age_on(self.birth_date, timezone.localdate())

    @property
    def is_pendatang(self) -> bool:
        """A newcomer: the region of origin lies outside the deployment's home regency."""
        if self.origin_region_id is None:
            return False
        home = settings.SIGAP_HOME_REGENCY
        code = str(self.origin_region_id)
        return not (code == home or code.startswith(home + "."))

    @property
    def has_nik(self) -> bool:
        return bool(self.nik_index)

    @property
    def has_family_card(self) -> bool:
        return bool(self.family_card_index)


class AliasKind(models.TextChoices):
    NICKNAME = "nickname", _("Nickname")
    STREET_NAME = "street_name", _("Street name")
    SPELLING = "spelling", _("Other spelling")
    OTHER = "other", _("Other")


class ChildAlias(TimeStampedModel):
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="aliases")
    alias = models.CharField(_("alias"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=12, choices=AliasKind.choices, default=AliasKind.NICKNAME
    )

    class Meta:
        verbose_name = _("alias")
        verbose_name_plural = _("aliases")
        ordering = ["alias"]
        constraints = [
            models.UniqueConstraint(fields=["child", "alias"], name="child_alias_unique"),
        ]

    def __str__(self) -> str:
        return self.alias


class ChildNameToken(models.Model):
    """Postings for name search: one row per distinct normalised token of a child's full name and
    aliases. Written by the services only (sigap.children.search.reindex_child)."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=40)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["token", "child"], name="child_name_token_unique"),
        ]
        indexes = [models.Index(fields=["child"], name="child_name_token_child_idx")]

    def __str__(self) -> str:
        return self.token


class NameToken(models.Model):
    """Vocabulary of distinct name tokens with the number of children carrying each: small (~100k
    at 1M children), so typo tolerance is a fuzzy match against it in process memory."""

    token = models.CharField(max_length=40, primary_key=True)
    child_count = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return self.token


class Relation(models.TextChoices):
    FATHER = "father", _("Father")
    MOTHER = "mother", _("Mother")
    STEPFATHER = "stepfather", _("Stepfather")
    STEPMOTHER = "stepmother", _("Stepmother")
    GRANDPARENT = "grandparent", _("Grandparent")
    SIBLING = "sibling", _("Sibling")
    UNCLE_AUNT = "uncle_aunt", _("Uncle or aunt")
    GUARDIAN = "guardian", _("Guardian (non-relative)")
    OTHER = "other", _("Other")


class FamilyMember(VersionedModel, TimeStampedModel):
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="family_members")
    full_name = models.CharField(_("full name"), max_length=200)
    relation = models.CharField(_("relation"), max_length=12, choices=Relation.choices)
    is_guardian = models.BooleanField(_("guardian of the child"), default=False)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    is_alive = models.BooleanField(_("alive"), default=True)
    is_alleged_perpetrator = models.BooleanField(_("alleged perpetrator"), default=False)
    # A sibling who is registered too: link to the sibling's own record.
    sibling_child = models.ForeignKey(
        Child,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sibling's own record"),
    )
    notes = models.CharField(_("notes"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("family member")
        verbose_name_plural = _("family members")
        ordering = ["child", "relation", "full_name"]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.get_relation_display()})"


class PersonRole(models.TextChoices):
    PARENT = "parent", _("Parent")
    RELATIVE = "relative", _("Relative")
    ORGANISER = "organiser", _("Organiser (oknum)")
    OTHER = "other", _("Other")


class Person(VersionedModel, TimeStampedModel):
    """An alleged perpetrator or organiser (oknum), linkable to several cases (the link table is
    owned by the cases app), so an organiser's network becomes visible on the person page."""

    full_name = models.CharField(_("full name"), max_length=200)
    aliases = models.CharField(_("aliases"), max_length=300, blank=True)
    sex = models.CharField(_("sex"), max_length=6, choices=Sex.choices, blank=True)
    role = models.CharField(
        _("role"), max_length=10, choices=PersonRole.choices, default=PersonRole.OTHER
    )
    description = models.TextField(_("description"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    regency_code = models.CharField(_("regency code"), max_length=5)
    agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        ordering = ["full_name"]
        indexes = [
            models.Index(fields=["regency_code", "full_name"], name="person_regency_name_idx"),
        ]

    def __str__(self) -> str:
        return self.full_name


class Incident(TimeStampedModel):
    """Children found together, e.g. in one night's street outreach."""

    occurred_at = models.DateTimeField(_("when"))
    place = models.CharField(_("place"), max_length=200)
    kelurahan = models.ForeignKey(
        "geo.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("kelurahan/desa"),
    )
    description = models.TextField(_("description"), blank=True)
    regency_code = models.CharField(_("regency code"), max_length=5)
    agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    children = models.ManyToManyField(Child, through="IncidentChild", related_name="incidents")

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-occurred_at"]
        indexes = [
            models.Index(fields=["regency_code", "-occurred_at"], name="incident_regency_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.place} {self.occurred_at:%Y-%m-%d}"


class IncidentChild(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="links")
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="incident_links")
    added_at = models.DateTimeField(auto_now_add=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["incident", "child"], name="incident_child_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.incident_id}:{self.child_id}"
