"""Navigation entries, each shown only to users whose policies allow its action.

Domains add their entries with register_nav() in their AppConfig.ready(); core knows none of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.urls import reverse
from django.utils.functional import Promise

from sigap.core.access import can


@dataclass(frozen=True)
class NavEntry:
    label: str | Promise
    url_name: str
    action: str
    icon: str
    order: int = 100
    # Optional count shown as a badge next to the label (e.g. open tasks); fn(user) -> int.
    badge: Callable[[Any], int] | None = None


_entries: list[NavEntry] = []


def register_nav(entry: NavEntry) -> None:
    if all(e.url_name != entry.url_name for e in _entries):
        _entries.append(entry)
        _entries.sort(key=lambda e: e.order)


# How many entries stand in the bar itself; the rest go under "More", so the bar stays on one
# line on a laptop whatever roles a person holds.
PRIMARY_COUNT = 6


BADGE_SECONDS = 60


def _badge(entry: NavEntry, user: Any) -> int:
    """A badge count, cached per user for a minute: it is on every page, and counting open tasks
    costs several queries; a count a minute old is fine for a navigation hint."""
    assert entry.badge is not None
    key = f"sigap:nav-badge:{entry.url_name}:{user.pk}"
    value = cache.get(key)
    if value is None:
        value = int(entry.badge(user))
        cache.set(key, value, BADGE_SECONDS)
    return int(value)


def nav_items_for(user: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for e in _entries:
        if not can(user, e.action):
            continue
        badge = _badge(e, user) if e.badge is not None else 0
        items.append(
            {
                "label": e.label,
                "url": reverse(e.url_name),
                "icon": e.icon,
                "url_name": e.url_name,
                "badge": badge,
                "primary": len(items) < PRIMARY_COUNT,
            }
        )
    return items
