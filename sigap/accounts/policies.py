"""Who may do what with accounts, agencies and the audit trail."""

from __future__ import annotations

from typing import Any

from sigap.accounts.models import Agency, Membership, Role, User
from sigap.core.access import policy


def _agency_of(obj: Any) -> int | None:
    if isinstance(obj, Agency):
        return obj.pk
    if isinstance(obj, Membership):
        return obj.agency_id
    return None


@policy("home.view")
def home_view(user: User, obj: Any) -> bool:
    return True


@policy("agency.list")
def agency_list(user: User, obj: Any) -> bool:
    # The directory of agencies (names, types, contacts) is for every signed-in staff member.
    return True


@policy("agency.manage")
def agency_manage(user: User, obj: Any) -> bool:
    return user.is_system_admin


@policy("users.manage")
def users_manage(user: User, obj: Any) -> bool:
    """Agency admins manage the people of their own agencies; system admins manage everyone.
    `obj` is an Agency, a Membership or a User (then: a user in one of the admin's agencies)."""
    if user.is_system_admin:
        return True
    admin_agencies = user.agency_ids_with_role(Role.AGENCY_ADMIN)
    if not admin_agencies:
        return False
    if obj is None:
        return True
    if isinstance(obj, User):
        return obj.memberships.filter(agency_id__in=admin_agencies).exists()
    return _agency_of(obj) in admin_agencies


@policy("audit.view")
def audit_view(user: User, obj: Any) -> bool:
    return user.is_system_admin or user.has_role(Role.AGENCY_ADMIN)


@policy("region.search")
def region_search(user: User, obj: Any) -> bool:
    return True


@policy("account.self")
def account_self(user: User, obj: Any) -> bool:
    return obj is None or obj == user or getattr(obj, "user_id", None) == user.pk


@policy("account.two_factor")
def account_two_factor(user: User, obj: Any) -> bool:
    return True
