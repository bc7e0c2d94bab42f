"""Who may do what with children, persons and incidents.

- children.list: open the child list (scoped by children_visible_to): anyone with a child-data
  role. Analysts and administrators see no child identities.
- children.register: intake officers, case workers and supervisors.
- children.view (obj Child): the child is in children_visible_to(user).
- children.edit: visible, and the user is an intake officer, case worker or supervisor.
- children.view_sensitive (NIK, family card, photo): visible, and the user is a supervisor of
  the registering agency or holds the case-worker role (a case worker sees a child only through
  the visibility rules, i.e. through the case team once the cases app registers it). Intake
  officers enter the numbers at registration but do not read them back. To be replaced by an
  explicit per-case grant.
- persons.view / persons.manage: people around the cases (alleged perpetrators, organisers) of
  the user's own regencies; viewing needs a child-data role, managing an editing role.
- incidents.manage: record and view incidents of the user's regencies (editing roles); the
  children listed on an incident are still filtered by children_visible_to.
"""

from __future__ import annotations

from typing import Any

from sigap.accounts.models import CHILD_DATA_ROLES, Role, User
from sigap.children.access import child_is_visible
from sigap.children.models import Child, Incident, Person
from sigap.core.access import policy

EDITOR_ROLES = (Role.INTAKE_OFFICER, Role.CASE_WORKER, Role.SUPERVISOR)


def _regencies(user: User, roles: Any) -> set[str]:
    return {m.agency.regency_code for m in user.active_memberships if m.role in roles}


@policy("children.list")
def children_list(user: User, obj: Any) -> bool:
    return user.sees_child_data


@policy("children.register")
def children_register(user: User, obj: Any) -> bool:
    return user.has_role(*EDITOR_ROLES)


@policy("children.view")
def children_view(user: User, obj: Any) -> bool:
    if obj is None:
        return user.sees_child_data
    return isinstance(obj, Child) and child_is_visible(user, obj)


@policy("children.edit")
def children_edit(user: User, obj: Any) -> bool:
    if not user.has_role(*EDITOR_ROLES):
        return False
    if obj is None:
        return True
    return isinstance(obj, Child) and child_is_visible(user, obj)


@policy("children.view_sensitive")
def children_view_sensitive(user: User, obj: Any) -> bool:
    if not isinstance(obj, Child):
        return obj is None and user.has_role(Role.SUPERVISOR, Role.CASE_WORKER)
    if not child_is_visible(user, obj):
        return False
    return user.has_role(Role.SUPERVISOR, agency_id=obj.registered_by_agency_id) or user.has_role(
        Role.CASE_WORKER
    )


@policy("persons.view")
def persons_view(user: User, obj: Any) -> bool:
    if obj is None:
        return user.sees_child_data
    return isinstance(obj, Person) and obj.regency_code in _regencies(user, CHILD_DATA_ROLES)


@policy("persons.manage")
def persons_manage(user: User, obj: Any) -> bool:
    if obj is None:
        return user.has_role(*EDITOR_ROLES)
    return isinstance(obj, Person) and obj.regency_code in _regencies(user, EDITOR_ROLES)


@policy("incidents.manage")
def incidents_manage(user: User, obj: Any) -> bool:
    if obj is None:
        return user.has_role(*EDITOR_ROLES)
    return isinstance(obj, Incident) and obj.regency_code in _regencies(user, EDITOR_ROLES)
