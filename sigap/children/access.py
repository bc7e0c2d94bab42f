"""Who sees which child, and the extension points of the child and person pages.

Dependency inversion: `cases` (and later `care`, `referrals`) import this module and register
their rules and panels in their AppConfig.ready(); `children` never imports them.

Visibility. `children_visible_to(user)` ORs every registered rule. A rule is fn(user) -> Q over
Child, or None when it grants nothing to this user. The rule of this app: a child registered by an
agency where the user is an intake officer or a supervisor, or that the user registered
themselves (while still holding a child-data role there). Users without any child-data role
(analysts, system and agency administrators) see no child at all: child data is need-to-know, and
an analyst sees no identities. The cases app registers "on the case team of the child / supervises
its lead agency".

Panels. The child page shows panels from other domains (e.g. the child's cases):
register_child_panel(key, template_name, context_fn, order); context_fn(child, user) returns the
template context, or None to leave the panel out. The person page has the same mechanism
(register_person_panel), so cases can list the children and cases linked to a person.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet

from sigap.accounts.models import CHILD_DATA_ROLES, Role

if TYPE_CHECKING:
    from sigap.children.models import Child, Person

VisibilityRule = Callable[[Any], Q | None]
PanelContext = Callable[[Any, Any], dict[str, Any] | None]

_visibility_rules: list[VisibilityRule] = []

# Roles whose agency's registrations the user sees (intake registers, the supervisor oversees).
REGISTRY_ROLES = (Role.INTAKE_OFFICER, Role.SUPERVISOR)


def register_child_visibility(fn: VisibilityRule) -> VisibilityRule:
    """Add a rule: fn(user) -> Q over Child (or None). Usable as a decorator; idempotent."""
    if fn not in _visibility_rules:
        _visibility_rules.append(fn)
    return fn


def registered_by_my_agency(user: Any) -> Q | None:
    agencies = user.agency_ids_with_role(*REGISTRY_ROLES)
    child_data_agencies = {
        m.agency_id for m in user.active_memberships if m.role in CHILD_DATA_ROLES
    }
    q = Q()
    granted = False
    if agencies:
        q |= Q(registered_by_agency_id__in=sorted(agencies))
        granted = True
    if child_data_agencies:
        q |= Q(created_by_id=user.pk, registered_by_agency_id__in=sorted(child_data_agencies))
        granted = True
    return q if granted else None


register_child_visibility(registered_by_my_agency)


def visibility_q(user: Any) -> Q | None:
    """The OR of all rules for this user, or None when the user sees no child."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if not user.sees_child_data:
        return None
    combined: Q | None = None
    for rule in _visibility_rules:
        q = rule(user)
        if q is None:
            continue
        combined = q if combined is None else combined | q
    return combined


def children_visible_to(user: Any) -> QuerySet[Child]:
    """Every child this user may see (a lazy queryset; combine it with filters and ordering)."""
    from sigap.children.models import Child

    q = visibility_q(user)
    if q is None:
        return Child.objects.none()
    return Child.objects.filter(q)


def child_is_visible(user: Any, child: Child) -> bool:
    """Whether `user` may see `child`; remembered on the (per-request) user object."""
    if child is None or child.pk is None:
        return False
    memo: dict[Any, bool] = user.__dict__.setdefault("_sigap_visible_children", {})
    if child.pk not in memo:
        memo[child.pk] = (
            visibility_q(user) is not None
            and children_visible_to(user).filter(pk=child.pk).exists()
        )
    return memo[child.pk]


def remember_visible(user: Any, child: Child) -> None:
    """Record that `child` came from children_visible_to(user), so policies need no query."""
    user.__dict__.setdefault("_sigap_visible_children", {})[child.pk] = True


# --- records left out of lists ------------------------------------------------------------------

ListingExclusion = Callable[[], Q]
_listing_exclusions: list[ListingExclusion] = []


def register_child_listing_exclusion(fn: ListingExclusion) -> ListingExclusion:
    """Add a rule: fn() -> Q over Child of records that stand for no child of their own (the
    dedupe app: a record merged into another). Idempotent; usable as a decorator."""
    if fn not in _listing_exclusions:
        _listing_exclusions.append(fn)
    return fn


def listed_children(qs: QuerySet[Child]) -> QuerySet[Child]:
    """`qs` without the records the registered rules leave out of lists, searches and pickers.
    Such a record stays visible by its id: its page says where the child is now."""
    for fn in _listing_exclusions:
        qs = qs.exclude(fn())
    return qs


# --- records that another record stands for ---------------------------------------------------

SuccessorRule = Callable[[Any], QuerySet[Any]]
_successor_rules: list[SuccessorRule] = []


def register_child_successors(fn: SuccessorRule) -> SuccessorRule:
    """Add a rule: fn(ids) -> a queryset of the ids of the records that stand now for the
    children whose ids are `ids` (a list or a queryset of child ids). The dedupe app: the
    survivor of an active merge stands for the merged record. Idempotent; usable as a
    decorator."""
    if fn not in _successor_rules:
        _successor_rules.append(fn)
    return fn


def successors_q(ids: Any) -> Q | None:
    """A Q over Child matching the records that stand for the children `ids`, or None when no
    rule is registered."""
    combined: Q | None = None
    for fn in _successor_rules:
        q = Q(pk__in=fn(ids))
        combined = q if combined is None else combined | q
    return combined


def child_successor(child: Child, *, refresh: bool = False) -> Child | None:
    """The record that stands for `child` now (the survivor it was merged into), or None.
    Remembered on the child object (`refresh` asks again, as services do); NOT scoped: check
    visibility before showing it. The children app uses it to refuse new history on such a
    record, cases to refuse a new case on it."""
    if refresh or "_sigap_successor" not in child.__dict__:
        from sigap.children.models import Child

        q = successors_q([child.pk])
        child.__dict__["_sigap_successor"] = (
            None if q is None else Child.objects.filter(q).exclude(pk=child.pk).first()
        )
    found: Child | None = child.__dict__["_sigap_successor"]
    return found


# --- page panels ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Panel:
    key: str
    template_name: str
    context_fn: PanelContext
    order: int = 100


_child_panels: dict[str, Panel] = {}
_person_panels: dict[str, Panel] = {}


def register_child_panel(
    key: str, template_name: str, context_fn: PanelContext, order: int = 100
) -> None:
    """Add a panel to the child page. context_fn(child, user) -> dict, or None to hide it.
    Registering the same key again replaces the panel (safe with autoreload)."""
    _child_panels[key] = Panel(key, template_name, context_fn, order)


def register_person_panel(
    key: str, template_name: str, context_fn: PanelContext, order: int = 100
) -> None:
    """Add a panel to the person page. context_fn(person, user) -> dict, or None to hide it."""
    _person_panels[key] = Panel(key, template_name, context_fn, order)


@dataclass(frozen=True)
class RenderedPanel:
    key: str
    template_name: str
    context: dict[str, Any]


def _panels_for(panels: dict[str, Panel], obj: Any, user: Any) -> list[RenderedPanel]:
    out = []
    for panel in sorted(panels.values(), key=lambda p: (p.order, p.key)):
        context = panel.context_fn(obj, user)
        if context is not None:
            out.append(RenderedPanel(panel.key, panel.template_name, context))
    return out


def child_panels_for(child: Child, user: Any) -> list[RenderedPanel]:
    return _panels_for(_child_panels, child, user)


def person_panels_for(person: Person, user: Any) -> list[RenderedPanel]:
    return _panels_for(_person_panels, person, user)
