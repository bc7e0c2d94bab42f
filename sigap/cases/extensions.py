"""Extension points through which later domains widen who may see a case, without `cases`
importing them (the dependency points one way: referrals → cases).

- register_case_visibility(fn): fn(user) -> Q over Case; the cases a user may see are the
  union of the built-in rule and every registered rule (lists, search, counts, the API).
- register_case_grant(fn): fn(user, case) -> CaseGrant | None; a grant lets one user open one
  case (e.g. break-the-glass for a limited time). Grants are read-only unless `can_work`.
- register_case_link(CaseLink(...)): a button on the case page into another domain's pages.

Both are consulted by sigap.cases.policies (case_visibility_q, case_access).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q


@dataclass(frozen=True)
class CaseGrant:
    reason: str
    can_work: bool = False
    can_note: bool = False


VisibilityRule = Callable[[Any], Q]
GrantRule = Callable[[Any, Any], CaseGrant | None]

_visibility: list[VisibilityRule] = []
_grants: list[GrantRule] = []


def register_case_visibility(fn: VisibilityRule) -> VisibilityRule:
    if fn not in _visibility:
        _visibility.append(fn)
    return fn


def register_case_grant(fn: GrantRule) -> GrantRule:
    if fn not in _grants:
        _grants.append(fn)
    return fn


def extra_visibility_q(user: Any) -> Q:
    q = Q(pk__in=[])
    for fn in _visibility:
        q |= fn(user)
    return q


def extra_grant(user: Any, case: Any) -> CaseGrant | None:
    for fn in _grants:
        grant = fn(user, case)
        if grant is not None:
            return grant
    return None


# --- links on the case page ------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseLink:
    """A button on the case page into another domain's pages for this case (care, referrals).
    Shown when the user may do `action` on the case (sigap.core.access policies)."""

    label: Any
    url_name: str  # reversed with the case's id as `case_id`
    action: str
    icon: str
    order: int = 100


_links: list[CaseLink] = []


def register_case_link(link: CaseLink) -> CaseLink:
    if all(existing.url_name != link.url_name for existing in _links):
        _links.append(link)
        _links.sort(key=lambda item: item.order)
    return link


def case_links_for(user: Any, case: Any) -> list[dict[str, Any]]:
    from django.urls import reverse

    from sigap.core.access import can

    return [
        {
            "label": link.label,
            "url": reverse(link.url_name, kwargs={"case_id": case.pk}),
            "icon": link.icon,
        }
        for link in _links
        if can(user, link.action, case)
    ]
