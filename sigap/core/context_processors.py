from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from sigap.core.navigation import nav_items_for


def sigap(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    items = nav_items_for(user) if user is not None and user.is_authenticated else []
    return {
        "SIGAP_SITE_NAME": settings.SIGAP_SITE_NAME,
        "SIGAP_ENV": settings.SIGAP_ENV,
        "nav_items": items,
        "nav_has_more": any(not item["primary"] for item in items),
    }
