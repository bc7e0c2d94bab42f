"""Writes of the child registry: children, aliases, family members, persons and incidents.

Every service runs in one transaction, validates before writing (a ValidationError names the field)
and writes its audit event last. Editable records carry a version: an update with a stale version
raises VersionConflict and changes nothing. Policies are checked by the callers (views, API);
services check the invariants of the data.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from sigap.accounts.models import Agency, Role, User
from sigap.children import crypto
from sigap.children.models import (
    AliasKind,
    BirthCertificateStatus,
    Child,
    ChildAlias,
    FamilyMember,
    Incident,
    IncidentChild,
    Person,
    Religion,
    SchoolStatus,
    age_on,
)
from sigap.children.search import reindex_child
from sigap.core.audit import audit_log
from sigap.geo.models import Region

ADULT_AGE = 18  # UU 35/2014: a child is a person under 18
MAX_PHOTO_BYTES = 5 * 1024 * 1024
EDITOR_ROLES = (Role.INTAKE_OFFICER, Role.CASE_WORKER, Role.SUPERVISOR)
_RT_RW = re.compile(r"^\d{1,3}$")

# What a caller may change on a child, besides the identity numbers and the photo.
CHILD_FIELDS = (
    "full_name",
    "sex",
    "birth_date",
    "birth_date_is_estimated",
    "place_of_birth",
    "origin_region",
    "address",
    "kelurahan",
    "rt",
    "rw",
    "religion",
    "languages",
    "birth_certificate_status",
    "school_status",
    "has_disability",
    "disability",
)


class VersionConflict(Exception):
    """The record changed since the form was opened. `current` is the record as saved now;
    nothing was written."""

    def __init__(self, current: Model, submitted_version: int) -> None:
        super().__init__(
            f"{current._meta.label} {current.pk} is at version {getattr(current, 'version', '?')}"
        )
        self.current = current
        self.submitted_version = submitted_version


def _registering_agency(actor: User, agency: Agency | None) -> Agency:
    allowed = {m.agency_id: m.agency for m in actor.active_memberships if m.role in EDITOR_ROLES}
    if agency is None:
        if not allowed:
            raise ValidationError(
                {"agency": _("You need an intake, case-worker or supervisor role to do this.")}
            )
        return next(iter(allowed.values()))
    if agency.pk not in allowed:
        raise ValidationError({"agency": _("Choose one of your own agencies.")})
    return agency


def estimated_birth_date(age_years: int, today: date) -> date:
    """Middle of the estimated year of age: a child 'about 9' today was born about 9.5 years ago,
    and is shown as 9 until the estimate says 10."""
    return today - timedelta(days=round((age_years + 0.5) * 365.25))


def _check_child(child: Child, *, registered_on: date) -> None:
    errors: dict[str, list[str]] = {}
    today = timezone.localdate()
    if not child.full_name.strip():
        errors.setdefault("full_name", []).append(_("Enter the child's name."))
    if child.birth_date is not None:
        if child.birth_date > today:
            errors.setdefault("birth_date", []).append(_("The birth date is in the future."))
        elif age_on(child.birth_date, registered_on) >= ADULT_AGE:
            errors.setdefault("birth_date", []).append(
                _("A child is under 18 years old: this person was 18 or older when registered.")
            )
    elif child.birth_date_is_estimated:
        child.birth_date_is_estimated = False
    if child.kelurahan is not None and child.kelurahan.level != Region.Level.VILLAGE:
        errors.setdefault("kelurahan", []).append(_("Choose a kelurahan or desa."))
    if child.origin_region is not None and child.origin_region.level == Region.Level.PROVINCE:
        errors.setdefault("origin_region", []).append(
            _("Choose the regency (kabupaten/kota) or a place inside it, not only the province.")
        )
    for name in ("rt", "rw"):
        value = getattr(child, name)
        if value and not _RT_RW.match(value):
            errors.setdefault(name, []).append(_("Up to three digits, e.g. 005."))
    if child.has_disability is False and child.disability.strip():
        child.has_disability = True
    try:
        child.full_clean(exclude=["photo"])
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, messages)
    if errors:
        raise ValidationError(errors)


def _set_identity_number(child: Child, field: str, value: str) -> None:
    """field: "nik" or "family_card". An empty value clears it."""
    value = crypto.normalise_identity_number(value)
    if not value:
        setattr(child, f"{field}_encrypted", "")
        setattr(child, f"{field}_index", "")
        return
    form_field = "nik" if field == "nik" else "family_card_number"
    if not crypto.is_valid_identity_number(value):
        raise ValidationError({form_field: _("A number of exactly 16 digits.")})
    index = crypto.blind_index(value, field=field)
    if field == "nik":
        clash = Child.objects.filter(nik_index=index).exclude(pk=child.pk)
        if clash.exists():
            raise ValidationError(
                {"nik": _("A child with this NIK is already registered. Search by the NIK first.")}
            )
    setattr(child, f"{field}_encrypted", crypto.encrypt(value, field=field))
    setattr(child, f"{field}_index", index)


def _check_photo(photo: UploadedFile) -> None:
    if photo.size is not None and photo.size > MAX_PHOTO_BYTES:
        raise ValidationError({"photo": _("The photo is larger than 5 MB.")})
    head = photo.read(12)
    photo.seek(0)
    is_image = head.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")) or (
        head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    )
    if not is_image:
        raise ValidationError({"photo": _("Upload a JPEG, PNG or WebP photo.")})


def _normalise_aliases(aliases: Iterable[str | tuple[str, str]]) -> list[tuple[str, str]]:
    out: dict[str, str] = {}
    for item in aliases:
        alias, kind = (item, AliasKind.NICKNAME) if isinstance(item, str) else item
        alias = " ".join(alias.split())[:200]
        if alias and kind not in AliasKind.values:
            raise ValidationError({"aliases": _("Choose a valid kind of alias.")})
        if alias:
            out.setdefault(alias, kind)
    return list(out.items())


# --- children ------------------------------------------------------------------------------------


@transaction.atomic
def child_register(
    *,
    actor: User,
    full_name: str,
    sex: str,
    agency: Agency | None = None,
    birth_date: date | None = None,
    estimated_age: int | None = None,
    place_of_birth: str = "",
    origin_region: Region | None = None,
    address: str = "",
    kelurahan: Region | None = None,
    rt: str = "",
    rw: str = "",
    religion: str = Religion.UNKNOWN,
    languages: str = "",
    birth_certificate_status: str = BirthCertificateStatus.UNKNOWN,
    school_status: str = SchoolStatus.UNKNOWN,
    has_disability: bool = False,
    disability: str = "",
    nik: str = "",
    family_card_number: str = "",
    aliases: Sequence[str | tuple[str, str]] = (),
    photo: UploadedFile | None = None,
) -> Child:
    """Register a child. Give either `birth_date` or `estimated_age` (whole years), or neither
    when nothing is known. `aliases`: names, or (name, AliasKind) pairs."""
    agency = _registering_agency(actor, agency)
    today = timezone.localdate()
    if birth_date is not None and estimated_age is not None:
        raise ValidationError(
            {"estimated_age": _("Give either the birth date or an estimated age, not both.")}
        )
    estimated = False
    if estimated_age is not None:
        if not 0 <= estimated_age < ADULT_AGE:
            raise ValidationError({"estimated_age": _("A child is between 0 and 17 years old.")})
        birth_date, estimated = estimated_birth_date(estimated_age, today), True
    child = Child(
        full_name=" ".join(full_name.split()),
        sex=sex,
        birth_date=birth_date,
        birth_date_is_estimated=estimated,
        place_of_birth=place_of_birth.strip(),
        origin_region=origin_region,
        address=address.strip(),
        kelurahan=kelurahan,
        rt=rt.strip(),
        rw=rw.strip(),
        religion=religion or Religion.UNKNOWN,
        languages=languages.strip(),
        birth_certificate_status=birth_certificate_status or BirthCertificateStatus.UNKNOWN,
        school_status=school_status or SchoolStatus.UNKNOWN,
        has_disability=has_disability,
        disability=disability.strip(),
        regency_code=settings.SIGAP_HOME_REGENCY,
        registered_by_agency=agency,
        created_by=actor,
    )
    _check_child(child, registered_on=today)
    _set_identity_number(child, "nik", nik)
    _set_identity_number(child, "family_card", family_card_number)
    if photo is not None:
        _check_photo(photo)
    alias_rows = _normalise_aliases(aliases)
    if photo is not None:
        child.photo.save(photo.name or "photo", photo, save=False)
    child.save()
    ChildAlias.objects.bulk_create(
        ChildAlias(child=child, alias=alias, kind=kind) for alias, kind in alias_rows
    )
    reindex_child(child, aliases=[a for a, _k in alias_rows])
    changed = [f for f in CHILD_FIELDS if getattr(child, f, None) not in (None, "", False)]
    changed += [
        name for name, value in (("nik", nik), ("family_card", family_card_number)) if value
    ]
    if photo is not None:
        changed.append("photo")
    audit_log(
        actor=actor,
        action="child.register",
        obj=child,
        agency_id=agency.pk,
        changes=changed,
        extra={"aliases": len(alias_rows)},
    )
    return child


@transaction.atomic
def child_update(
    *,
    actor: User,
    child: Child,
    version: int,
    nik: str | None = None,
    family_card_number: str | None = None,
    estimated_age: int | None = None,
    photo: UploadedFile | None | bool = None,
    **fields: Any,
) -> Child:
    """Change a child's record. `version` is the one the form was opened with. `nik` and
    `family_card_number`: None keeps the stored value, "" clears it. `estimated_age` replaces the
    birth date with an estimated one. `photo`: an upload replaces it, False removes it."""
    unknown = set(fields) - set(CHILD_FIELDS)
    if unknown:
        raise ValueError(f"Unknown child fields: {sorted(unknown)}")
    current = Child.objects.select_for_update().get(pk=child.pk)
    if current.version != version:
        raise VersionConflict(current, version)
    changed = []
    for name, value in fields.items():
        if isinstance(value, str):
            value = value.strip()
        if getattr(current, name) != value:
            setattr(current, name, value)
            changed.append(name)
    if estimated_age is not None:
        if not 0 <= estimated_age < ADULT_AGE:
            raise ValidationError({"estimated_age": _("A child is between 0 and 17 years old.")})
        new_date = estimated_birth_date(estimated_age, timezone.localdate())
        if not current.birth_date_is_estimated or current.age != estimated_age:
            current.birth_date, current.birth_date_is_estimated = new_date, True
            changed += ["birth_date", "birth_date_is_estimated"]
    elif "birth_date" in changed and "birth_date_is_estimated" not in fields:
        current.birth_date_is_estimated = False
    _check_child(current, registered_on=timezone.localdate(current.created_at))
    for field, value in (("nik", nik), ("family_card", family_card_number)):
        if value is None:
            continue
        before = getattr(current, f"{field}_index")
        _set_identity_number(current, field, value)
        if getattr(current, f"{field}_index") != before:
            changed.append(field)
    old_photo = current.photo.name if current.photo else ""
    if isinstance(photo, UploadedFile):
        _check_photo(photo)
        current.photo.save(photo.name or "photo", photo, save=False)
        changed.append("photo")
    elif photo is False and old_photo:
        current.photo = ""
        changed.append("photo")
    if not changed:
        return current
    current.version += 1
    current.save()
    if "full_name" in changed:
        reindex_child(current)
    if "photo" in changed and old_photo:
        storage = current.photo.storage
        transaction.on_commit(lambda: storage.delete(old_photo))
    audit_log(
        actor=actor,
        action="child.update",
        obj=current,
        agency_id=current.registered_by_agency_id,
        changes=changed,
        extra={"version": current.version},
    )
    return current


def child_record_view(*, actor: User, child: Child, channel: str = "html") -> None:
    """Audit one view of a child's record (every detail page and API read)."""
    audit_log(
        actor=actor,
        action="child.view",
        obj=child,
        agency_id=_actor_agency_id(actor),
        extra={"channel": channel},
    )


def child_sensitive_view(*, actor: User, child: Child, what: str) -> None:
    """Audit a read of the sensitive section (`what`: "identity_numbers" or "photo")."""
    audit_log(
        actor=actor,
        action="child.view_sensitive",
        obj=child,
        agency_id=_actor_agency_id(actor),
        extra={"section": what},
    )


def _actor_agency_id(actor: User) -> int | None:
    agency = actor.primary_agency
    return agency.pk if agency else None


def child_identity_numbers(child: Child) -> dict[str, str]:
    """The decrypted NIK and family-card number. Callers check children.view_sensitive and
    audit with child_sensitive_view."""
    return {
        "nik": crypto.decrypt(child.nik_encrypted, field="nik"),
        "family_card_number": crypto.decrypt(child.family_card_encrypted, field="family_card"),
    }


# --- aliases --------------------------------------------------------------------------------------


@transaction.atomic
def child_alias_add(*, actor: User, child: Child, alias: str, kind: str) -> ChildAlias:
    rows = _normalise_aliases([(alias, kind)])
    if not rows:
        raise ValidationError({"alias": _("Enter the alias.")})
    alias, kind = rows[0]
    if ChildAlias.objects.filter(child=child, alias=alias).exists():
        raise ValidationError({"alias": _("The child already has this alias.")})
    if alias == child.full_name:
        raise ValidationError({"alias": _("This is the child's full name.")})
    row = ChildAlias(child=child, alias=alias, kind=kind)
    row.full_clean()
    row.save()
    reindex_child(child)
    audit_log(
        actor=actor,
        action="child.alias_add",
        obj=child,
        agency_id=child.registered_by_agency_id,
        extra={"alias_id": row.pk, "kind": kind},
    )
    return row


@transaction.atomic
def child_alias_remove(*, actor: User, alias: ChildAlias) -> None:
    child = alias.child
    alias_id = alias.pk
    alias.delete()
    reindex_child(child)
    audit_log(
        actor=actor,
        action="child.alias_remove",
        obj=child,
        agency_id=child.registered_by_agency_id,
        extra={"alias_id": alias_id},
    )


# --- family -------------------------------------------------------------------------------------------

FAMILY_FIELDS = (
    "full_name",
    "relation",
    "is_guardian",
    "phone",
    "address",
    "is_alive",
    "is_alleged_perpetrator",
    "sibling_child",
    "notes",
)


def _check_member(member: FamilyMember) -> None:
    errors: dict[str, list[str]] = {}
    if not member.full_name.strip():
        errors["full_name"] = [_("Enter the name.")]
    if member.sibling_child_id is not None:
        if member.sibling_child_id == member.child_id:
            errors["sibling_child"] = [_("A child cannot be their own sibling.")]
        elif member.relation != "sibling":
            errors["sibling_child"] = [_("Only a sibling can be linked to a child record.")]
    if member.is_guardian and not member.is_alive:
        errors["is_guardian"] = [_("A guardian must be alive.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def family_member_add(
    *,
    actor: User,
    child: Child,
    full_name: str,
    relation: str,
    is_guardian: bool = False,
    phone: str = "",
    address: str = "",
    is_alive: bool = True,
    is_alleged_perpetrator: bool = False,
    sibling_child: Child | None = None,
    notes: str = "",
) -> FamilyMember:
    member = FamilyMember(
        child=child,
        full_name=" ".join(full_name.split()),
        relation=relation,
        is_guardian=is_guardian,
        phone=phone.strip(),
        address=address.strip(),
        is_alive=is_alive,
        is_alleged_perpetrator=is_alleged_perpetrator,
        sibling_child=sibling_child,
        notes=notes.strip(),
    )
    _check_member(member)
    member.full_clean()
    member.save()
    audit_log(
        actor=actor,
        action="child.family_add",
        obj=child,
        agency_id=child.registered_by_agency_id,
        extra={"family_member_id": member.pk, "relation": relation},
    )
    return member


@transaction.atomic
def family_member_update(
    *, actor: User, member: FamilyMember, version: int, **fields: Any
) -> FamilyMember:
    unknown = set(fields) - set(FAMILY_FIELDS)
    if unknown:
        raise ValueError(f"Unknown family member fields: {sorted(unknown)}")
    current = FamilyMember.objects.select_for_update().get(pk=member.pk)
    if current.version != version:
        raise VersionConflict(current, version)
    changed = []
    for name, value in fields.items():
        if isinstance(value, str):
            value = value.strip()
        if getattr(current, name) != value:
            setattr(current, name, value)
            changed.append(name)
    if not changed:
        return current
    _check_member(current)
    current.full_clean()
    current.version += 1
    current.save()
    audit_log(
        actor=actor,
        action="child.family_update",
        obj=current.child,
        agency_id=current.child.registered_by_agency_id,
        changes=changed,
        extra={"family_member_id": current.pk},
    )
    return current


@transaction.atomic
def family_member_remove(*, actor: User, member: FamilyMember) -> None:
    child = member.child
    member_id = member.pk
    member.delete()
    audit_log(
        actor=actor,
        action="child.family_remove",
        obj=child,
        agency_id=child.registered_by_agency_id,
        extra={"family_member_id": member_id},
    )


# --- persons ----------------------------------------------------------------------------------------

PERSON_FIELDS = ("full_name", "aliases", "sex", "role", "description", "phone", "address")


@transaction.atomic
def person_create(
    *,
    actor: User,
    full_name: str,
    role: str,
    agency: Agency | None = None,
    aliases: str = "",
    sex: str = "",
    description: str = "",
    phone: str = "",
    address: str = "",
) -> Person:
    agency = _registering_agency(actor, agency)
    person = Person(
        full_name=" ".join(full_name.split()),
        aliases=aliases.strip(),
        sex=sex,
        role=role,
        description=description.strip(),
        phone=phone.strip(),
        address=address.strip(),
        regency_code=settings.SIGAP_HOME_REGENCY,
        agency=agency,
        created_by=actor,
    )
    if not person.full_name:
        raise ValidationError({"full_name": _("Enter the name (or the name people use).")})
    person.full_clean()
    person.save()
    audit_log(
        actor=actor,
        action="person.create",
        obj=person,
        agency_id=agency.pk,
        extra={"role": role},
    )
    return person


@transaction.atomic
def person_update(*, actor: User, person: Person, version: int, **fields: Any) -> Person:
    unknown = set(fields) - set(PERSON_FIELDS)
    if unknown:
        raise ValueError(f"Unknown person fields: {sorted(unknown)}")
    current = Person.objects.select_for_update().get(pk=person.pk)
    if current.version != version:
        raise VersionConflict(current, version)
    changed = []
    for name, value in fields.items():
        if isinstance(value, str):
            value = value.strip()
        if getattr(current, name) != value:
            setattr(current, name, value)
            changed.append(name)
    if not changed:
        return current
    if not current.full_name:
        raise ValidationError({"full_name": _("Enter the name (or the name people use).")})
    current.full_clean()
    current.version += 1
    current.save()
    audit_log(
        actor=actor,
        action="person.update",
        obj=current,
        agency_id=current.agency_id,
        changes=changed,
    )
    return current


# --- incidents ----------------------------------------------------------------------------------------


@transaction.atomic
def incident_create(
    *,
    actor: User,
    occurred_at: datetime,
    place: str,
    agency: Agency | None = None,
    kelurahan: Region | None = None,
    description: str = "",
    children: Iterable[Child] = (),
) -> Incident:
    agency = _registering_agency(actor, agency)
    errors: dict[str, list[str]] = {}
    if occurred_at > timezone.now() + timedelta(minutes=5):
        errors["occurred_at"] = [_("The time is in the future.")]
    if not place.strip():
        errors["place"] = [_("Enter where the children were found.")]
    if kelurahan is not None and kelurahan.level != Region.Level.VILLAGE:
        errors["kelurahan"] = [_("Choose a kelurahan or desa.")]
    if errors:
        raise ValidationError(errors)
    incident = Incident(
        occurred_at=occurred_at,
        place=place.strip(),
        kelurahan=kelurahan,
        description=description.strip(),
        regency_code=settings.SIGAP_HOME_REGENCY,
        agency=agency,
        created_by=actor,
    )
    incident.full_clean()
    incident.save()
    links = [IncidentChild(incident=incident, child=c, added_by=actor) for c in children]
    IncidentChild.objects.bulk_create(links)
    audit_log(
        actor=actor,
        action="incident.create",
        obj=incident,
        agency_id=agency.pk,
        extra={"children": len(links)},
    )
    return incident


@transaction.atomic
def incident_add_child(*, actor: User, incident: Incident, child: Child) -> IncidentChild:
    if IncidentChild.objects.filter(incident=incident, child=child).exists():
        raise ValidationError({"child": _("This child is already linked to the incident.")})
    link = IncidentChild.objects.create(incident=incident, child=child, added_by=actor)
    audit_log(
        actor=actor,
        action="incident.add_child",
        obj=incident,
        agency_id=incident.agency_id,
        extra={"child_id": str(child.pk)},
    )
    return link


@transaction.atomic
def incident_link_move_to_child(
    *, actor: User, link: IncidentChild, child: Child, reason: str
) -> IncidentChild | None:
    """Re-point a child's link to an incident to another record of the same child, e.g. when
    two records are merged (sigap.dedupe keeps the record of the move and moves it back on
    undo). When `child` is already linked to the incident the link stays where it is and None
    is returned: the incident lists the child once. `reason` goes to the audit event."""
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError({"reason": _("Say why the link moves to another record.")})
    fresh = (
        IncidentChild.objects.select_for_update(of=("self",))
        .select_related("incident")
        .get(pk=link.pk)
    )
    if fresh.child_id == child.pk:
        raise ValidationError({"child": _("The link already belongs to this record.")})
    if IncidentChild.objects.filter(incident_id=fresh.incident_id, child=child).exists():
        return None
    old_child = fresh.child_id
    fresh.child = child
    fresh.save(update_fields=["child"])
    audit_log(
        actor=actor,
        action="incident.child_moved",
        obj=fresh.incident,
        agency_id=fresh.incident.agency_id,
        changes=["child"],
        extra={"from": str(old_child), "to": str(child.pk), "reason": reason[:200]},
    )
    return fresh
