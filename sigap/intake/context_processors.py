"""The unread-notification badge. To be listed in settings.TEMPLATES context_processors and
shown in base.html's navbar (see the README of this app's issue): the count is lazy, so pages that
do not show it cost no query."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from sigap.intake.selectors import unread_notification_count


def notifications(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0}
    return {"unread_notifications": SimpleLazyObject(lambda: _cached_count(user))}


def _cached_count(user: Any) -> int:
    # On every page: a count up to a minute old is fine for the bell (notifications.py clears it
    # when a notification is created or read).
    key = f"sigap:unread-notifications:{user.pk}"
    count = cache.get(key)
    if count is None:
        count = unread_notification_count(user=user)
        cache.set(key, count, 60)
    return int(count)
