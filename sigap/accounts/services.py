"""Writes for users, agencies, memberships, API tokens and two-factor devices.

Each service checks its own invariants, runs in one transaction and writes its audit event in it.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from sigap.accounts.models import Agency, ApiToken, Membership, Role, User
from sigap.core.audit import audit_log
from sigap.core.tasks import send_email
from sigap.geo.models import Region

TOKEN_PREFIX = "sgp_"
MAX_TOKEN_DAYS = 365
RECOVERY_CODE_COUNT = 10


def _regency_code(region: Region) -> str:
    parts = region.code.split(".")
    if len(parts) < 2:
        raise ValidationError(
            {"region": _("Choose a regency, district or village, not a province.")}
        )
    return ".".join(parts[:2])


# --- agencies -------------------------------------------------------------------------------


@transaction.atomic
def agency_create(
    *,
    actor: User,
    name: str,
    type: str,
    region: Region,
    short_name: str = "",
    address: str = "",
    phone: str = "",
    email: str = "",
) -> Agency:
    agency = Agency(
        name=name.strip(),
        short_name=short_name.strip(),
        type=type,
        region=region,
        regency_code=_regency_code(region),
        address=address,
        phone=phone,
        email=email,
    )
    agency.full_clean()
    agency.save()
    audit_log(actor=actor, action="agency.create", obj=agency, agency_id=agency.pk)
    return agency


@transaction.atomic
def agency_update(*, actor: User, agency: Agency, **fields: object) -> Agency:
    allowed = {"name", "short_name", "type", "region", "address", "phone", "email", "is_active"}
    changed = []
    for key, value in fields.items():
        if key not in allowed:
            raise ValueError(f"Unknown agency field {key}")
        if getattr(agency, key) != value:
            setattr(agency, key, value)
            changed.append(key)
    if not changed:
        return agency
    agency.regency_code = _regency_code(agency.region)
    agency.full_clean()
    agency.save()
    audit_log(actor=actor, action="agency.update", obj=agency, agency_id=agency.pk, changes=changed)
    return agency


# --- users and memberships ---------------------------------------------------------------------


def _set_password_link(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("accounts:password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    return f"{settings.SIGAP_BASE_URL.rstrip('/')}{path}"


@transaction.atomic
def user_invite(
    *,
    actor: User,
    agency: Agency,
    username: str,
    email: str,
    full_name: str,
    role: str,
) -> User:
    """Create an account without a password and email a link to set one (valid three days)."""
    username = username.strip().lower()
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("This username is already taken.")})
    if role not in Role.values:
        raise ValidationError({"role": _("Choose a valid role.")})
    if role == Role.SYSTEM_ADMIN and not actor.is_system_admin:
        raise ValidationError({"role": _("Only a system administrator can grant this role.")})
    user = User(username=username, email=email.strip(), full_name=full_name.strip())
    user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    membership = Membership.objects.create(user=user, agency=agency, role=role, created_by=actor)
    audit_log(
        actor=actor,
        action="user.invite",
        obj=user,
        agency_id=agency.pk,
        extra={"role": role, "membership": membership.pk},
    )
    link = _set_password_link(user)
    body = _(
        "Hello %(name)s,\n\n%(actor)s has invited you to Sigap as %(role)s at %(agency)s.\n"
        "Set your password within three days here:\n%(link)s\n"
    ) % {
        "name": user.display_name,
        "actor": actor.display_name,
        "role": membership.get_role_display(),
        "agency": agency.name,
        "link": link,
    }
    transaction.on_commit(
        lambda: send_email.enqueue(subject=_("Invitation to Sigap"), body=body, to=[user.email])
    )
    return user


@transaction.atomic
def membership_add(*, actor: User, user: User, agency: Agency, role: str) -> Membership:
    if role == Role.SYSTEM_ADMIN and not actor.is_system_admin:
        raise ValidationError({"role": _("Only a system administrator can grant this role.")})
    membership, created = Membership.objects.get_or_create(
        user=user, agency=agency, role=role, defaults={"created_by": actor}
    )
    if not created and membership.is_active:
        raise ValidationError({"role": _("This person already has this role in this agency.")})
    if not created:
        membership.is_active = True
        membership.deactivated_at = None
        membership.deactivated_by = None
        membership.save(update_fields=["is_active", "deactivated_at", "deactivated_by"])
    user.refresh_from_db(fields=["is_active"])
    if not user.is_active:
        # A role given back to a deactivated person switches the account back on (their old
        # API tokens stay revoked).
        user.is_active = True
        user.deactivated_at = None
        user.deactivated_by = None
        user.save(update_fields=["is_active", "deactivated_at", "deactivated_by"])
        audit_log(actor=actor, action="user.reactivate", obj=user, agency_id=agency.pk)
    audit_log(
        actor=actor,
        action="membership.grant",
        obj=membership,
        agency_id=agency.pk,
        extra={"user": user.pk, "role": role},
    )
    return membership


@transaction.atomic
def membership_change_role(*, actor: User, membership: Membership, role: str) -> Membership:
    if role not in Role.values:
        raise ValidationError({"role": _("Choose a valid role.")})
    if Role.SYSTEM_ADMIN in (role, membership.role) and not actor.is_system_admin:
        raise ValidationError({"role": _("Only a system administrator can grant this role.")})
    if membership.role == role:
        return membership
    clash = Membership.objects.filter(
        user_id=membership.user_id, agency_id=membership.agency_id, role=role
    ).exclude(pk=membership.pk)
    if clash.exists():
        raise ValidationError({"role": _("This person already has this role in this agency.")})
    old = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    audit_log(
        actor=actor,
        action="membership.role_change",
        obj=membership,
        agency_id=membership.agency_id,
        changes=["role"],
        extra={"user": membership.user_id, "from": old, "to": role},
    )
    return membership


@transaction.atomic
def membership_deactivate(*, actor: User, membership: Membership) -> Membership:
    """End one role. When the person has no active role left, the account is switched off too;
    nothing is deleted, so every record they wrote keeps its author."""
    if not membership.is_active:
        return membership
    if membership.role == Role.SYSTEM_ADMIN and not actor.is_system_admin:
        raise ValidationError({"role": _("Only a system administrator can change this role.")})
    now = timezone.now()
    membership.is_active = False
    membership.deactivated_at = now
    membership.deactivated_by = actor
    membership.save(update_fields=["is_active", "deactivated_at", "deactivated_by"])
    audit_log(
        actor=actor,
        action="membership.deactivate",
        obj=membership,
        agency_id=membership.agency_id,
        extra={"user": membership.user_id, "role": membership.role},
    )
    user = membership.user
    if user.is_active and not user.memberships.filter(is_active=True).exists():
        user.is_active = False
        user.deactivated_at = now
        user.deactivated_by = actor
        user.save(update_fields=["is_active", "deactivated_at", "deactivated_by"])
        ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now)
        audit_log(actor=actor, action="user.deactivate", obj=user, agency_id=membership.agency_id)
    return membership


@transaction.atomic
def user_update_profile(*, actor: User, full_name: str, email: str, phone: str) -> User:
    changed = [
        name
        for name, value in (("full_name", full_name), ("email", email), ("phone", phone))
        if getattr(actor, name) != value
    ]
    if not changed:
        return actor
    actor.full_name, actor.email, actor.phone = full_name, email, phone
    actor.full_clean(exclude=["password"])
    actor.save(update_fields=changed)
    audit_log(actor=actor, action="user.profile_update", obj=actor, changes=changed)
    return actor


# --- API tokens ----------------------------------------------------------------------------------


@transaction.atomic
def api_token_create(*, actor: User, name: str, days: int = 90) -> tuple[ApiToken, str]:
    """Return the token row and the secret, which is shown once and never stored."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the token a name, e.g. the script that uses it.")})
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise ValidationError(
            {"days": _("A token lasts between 1 and %(max)d days.") % {"max": MAX_TOKEN_DAYS}}
        )
    prefix = secrets.token_hex(6)
    secret = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        user=actor,
        name=name,
        prefix=prefix,
        key_hash=ApiToken.hash_secret(secret),
        expires_at=timezone.now() + timedelta(days=days),
    )
    audit_log(actor=actor, action="api_token.create", obj=token, extra={"days": days})
    return token, secret


@transaction.atomic
def api_token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_log(actor=actor, action="api_token.revoke", obj=token)
    return token


def api_token_authenticate(secret: str) -> User | None:
    """The user behind a bearer secret, or None for a malformed, unknown, expired or revoked one."""
    if not secret.startswith(TOKEN_PREFIX) or secret.count("_") < 2:
        return None
    prefix = secret[len(TOKEN_PREFIX) :].split("_", 1)[0]
    token = ApiToken.objects.select_related("user").filter(prefix=prefix).first()
    if token is None or not secrets.compare_digest(token.key_hash, ApiToken.hash_secret(secret)):
        return None
    if not token.is_usable or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


# --- two-factor ----------------------------------------------------------------------------------


@transaction.atomic
def totp_device_start(*, actor: User) -> TOTPDevice:
    """An unconfirmed authenticator device; it counts only once confirmed with a valid code."""
    TOTPDevice.objects.filter(user=actor, confirmed=False).delete()
    return TOTPDevice.objects.create(user=actor, name="authenticator", confirmed=False)


@transaction.atomic
def totp_device_confirm(*, actor: User, device: TOTPDevice, code: str) -> list[str]:
    """Confirm the device with a code from the app; return fresh recovery codes (shown once)."""
    if device.user_id != actor.pk or not device.verify_token(code.strip().replace(" ", "")):
        raise ValidationError({"code": _("The code is not right. Check the time on your phone.")})
    TOTPDevice.objects.filter(user=actor, confirmed=True).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _recovery_codes_replace(actor)
    audit_log(actor=actor, action="2fa.enable", obj=actor)
    return codes


def _recovery_codes_replace(user: User) -> list[str]:
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name="recovery", defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


@transaction.atomic
def recovery_codes_regenerate(*, actor: User) -> list[str]:
    codes = _recovery_codes_replace(actor)
    audit_log(actor=actor, action="2fa.recovery_codes", obj=actor)
    return codes
