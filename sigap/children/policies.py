"""Who may do what with children, persons and incidents.

- children.list: open the child list (scoped by children_visible_to): anyone with a child-data
  role. Analysts and administrators see no child identities.
- children.register: intake officers, case workers and supervisors.
- children.view (obj Child): the child is in children_visible_to(user).
- children.edit: visible, and the user is an intake officer, case worker or supervisor; never
  a record merged into another (child_successor): new history goes to the record that stands
  for the child now (undo the merge to work on this one again).
- children.view_sensitive (NIK, family card, photo): a sensitive section (#7 point 5). Visible,
  and the user is a default holder: a supervisor of the registering agency, or by a rule the
  cases app registers (a case worker on the lead agency's team of one of the child's cases, a
  supervisor of its lead agency); or holds a per-case grant for identity numbers on one of the
  child's cases (sigap.children.sections). Seeing the child through a referral or
  break-the-glass is not enough. Intake officers enter the numbers at registration but do not
  read them back.
- persons.view / persons.manage: people around the cases (alleged perpetrators, organisers) of
  the user's own regencies; viewing needs a child-data role, managing an editing role.
- incidents.manage: record and view incidents of the user's regencies (editing roles); the
  children listed on an incident are still filtered by children_visible_to.
"""

from __future__ import annotations

from typing import Any

from sigap.accounts.models import CHILD_DATA_ROLES, Role, User
from sigap.children.access import child_is_visible, child_successor
from sigap.children.models import Child, Incident, Person
from sigap.children.sections import (
    IDENTITY_NUMBERS,
    has_section_grant,
    holds_identity_numbers_by_role,
)
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
    return isinstance(obj, Child) and child_is_visible(user, obj) and child_successor(obj) is None


def sees_identity_numbers(user: User, child: Child) -> bool:
    """Default holder or grant holder of `child`'s NIK, family card and photo (visibility is
    checked by the policy)."""
    return (
        user.has_role(Role.SUPERVISOR, agency_id=child.registered_by_agency_id)
        or holds_identity_numbers_by_role(user, child)
        or has_section_grant(user, IDENTITY_NUMBERS, child_id=child.pk)
    )


@policy("children.view_sensitive")
def children_view_sensitive(user: User, obj: Any) -> bool:
    if not isinstance(obj, Child):
        return obj is None and user.has_role(Role.SUPERVISOR, Role.CASE_WORKER)
    return child_is_visible(user, obj) and sees_identity_numbers(user, obj)


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
