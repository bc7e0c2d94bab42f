"""What cases adds to other domains' pages and rules: the child-visibility rule (whoever may see
a case may see its child), the child page's list of cases, and the person page's network of
children and cases linked to that person."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from sigap.accounts.models import User
from sigap.cases import selectors
from sigap.cases.models import Case
from sigap.cases.policies import case_visibility_q
from sigap.children.access import (
    child_successor,
    register_child_panel,
    register_child_visibility,
    register_person_panel,
)
from sigap.core.access import can


def child_visible_through_cases(user: User) -> Q | None:
    """A child is visible to whoever may see one of the child's cases."""
    if not user.sees_child_data:
        return None
    return Q(pk__in=Case.objects.filter(case_visibility_q(user)).values("child_id"))


def child_cases_panel(child: Any, user: User) -> dict[str, Any] | None:
    if not user.sees_child_data:
        return None
    return {
        "cases": selectors.cases_for_child(user=user, child=child),
        "child": child,
        # Not on a record merged into another: new history goes to the one standing for it.
        "can_open_case": can(user, "case.open", child) and child_successor(child) is None,
    }


def person_cases_panel(person: Any, user: User) -> dict[str, Any] | None:
    if not user.sees_child_data:
        return None
    return {"links": selectors.case_links_for_person(user=user, person=person), "person": person}


register_child_visibility(child_visible_through_cases)
register_child_panel("cases", "cases/panels/child_cases.html", child_cases_panel, order=10)
register_person_panel("cases", "cases/panels/person_cases.html", person_cases_panel, order=10)
