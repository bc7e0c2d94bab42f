"""Sensitive sections and their per-case grants: the registry the lower layers own.

Issue #7 point 5: psychologist notes, details of sexual violence, the reporter's identity, and the
NIK and family card need an explicit per-case grant. Each section's *default holders* are decided
by the app that owns the section (children: identity numbers; cases: sexual violence; care:
psychologist notes; intake: the reporter), in its policies. Everyone else needs a grant, recorded
by the referrals app (SectionGrant), which sits above all of them. Dependencies point one way
(referrals -> cases -> children; care, intake -> cases), so referrals registers a lookup here and
the lower apps ask `has_section_grant` without importing it. This lives in `children`, the lowest
domain every owner of a section depends on; `core` knows no domain.

The identity numbers belong to the child, but some of their default holders come from the case
team (the lead agency's case worker on the team), which `children` cannot see: `cases` registers
that rule with `register_identity_numbers_holder`.

A grant lookup is fn(user) -> iterable of (case_id, child_id, section) of the user's current
grants (not revoked, not expired). The answer is remembered on the (per-request) user object:
one query per request, and only when a default rule did not already decide.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

PSYCH_NOTES = "psych_notes"
SEXUAL_VIOLENCE = "sexual_violence"
REPORTER_IDENTITY = "reporter_identity"
IDENTITY_NUMBERS = "identity_numbers"
SECTIONS = (PSYCH_NOTES, SEXUAL_VIOLENCE, REPORTER_IDENTITY, IDENTITY_NUMBERS)

GrantLookup = Callable[[Any], Iterable[tuple[Any, Any, str]]]
HolderRule = Callable[[Any, Any], bool]

_lookups: list[GrantLookup] = []
_identity_holders: list[HolderRule] = []
_MEMO = "_sigap_section_grants"


def register_grant_lookup(fn: GrantLookup) -> GrantLookup:
    """Add a source of grants (idempotent; usable as a decorator)."""
    if fn not in _lookups:
        _lookups.append(fn)
    return fn


def register_identity_numbers_holder(fn: HolderRule) -> HolderRule:
    """Add a default-holder rule for a child's identity numbers: fn(user, child) -> bool."""
    if fn not in _identity_holders:
        _identity_holders.append(fn)
    return fn


def _grants(user: Any) -> frozenset[tuple[Any, Any, str]]:
    memo = user.__dict__.get(_MEMO)
    if memo is None:
        memo = frozenset(g for fn in _lookups for g in fn(user))
        user.__dict__[_MEMO] = memo
    return memo


def forget_section_grants(user: Any) -> None:
    """Drop the remembered grants of `user` (after a grant or a revocation)."""
    user.__dict__.pop(_MEMO, None)


def has_section_grant(
    user: Any, section: str, *, case_id: Any = None, child_id: Any = None
) -> bool:
    """Whether `user` holds a current grant for `section` on the case `case_id`, or (with
    `child_id`) on any case of that child."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if case_id is None and child_id is None:
        return False
    for g_case, g_child, g_section in _grants(user):
        if g_section != section:
            continue
        if case_id is not None and str(g_case) == str(case_id):
            return True
        if child_id is not None and str(g_child) == str(child_id):
            return True
    return False


def holds_identity_numbers_by_role(user: Any, child: Any) -> bool:
    """A default holder of `child`'s identity numbers by a rule another app registered."""
    return any(rule(user, child) for rule in _identity_holders)
