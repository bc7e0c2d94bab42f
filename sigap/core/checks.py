"""System checks with stable ids, so misconfiguration shows in `manage.py check`."""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.checks import Error, Info, Warning, register


@register("sigap")
def check_home_regency(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    code = settings.SIGAP_HOME_REGENCY
    parts = code.split(".")
    if len(parts) != 2 or not all(p.isdigit() and len(p) == 2 for p in parts):
        return [
            Error(
                f"SIGAP_HOME_REGENCY={code!r} is not a regency code like 64.71",
                id="sigap.E001",
            )
        ]
    return []


@register("sigap", deploy=True)
def check_production(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    problems: list[Any] = []
    if settings.PRODUCTION and not settings.SIGAP_REQUIRE_2FA:
        problems.append(
            Warning(
                "SIGAP_REQUIRE_2FA is off in production: child data would be one password away.",
                id="sigap.W001",
            )
        )
    if settings.PRODUCTION and settings.SIGAP_BASE_URL.startswith("http://"):
        problems.append(
            Warning("SIGAP_BASE_URL should start with https:// in production.", id="sigap.W002")
        )
    if settings.PRODUCTION and not os.environ.get("EMAIL_HOST", "").strip():
        problems.append(
            Info(
                "EMAIL_HOST is not set: password resets and invitations go to the mail server "
                "on localhost:25. Set EMAIL_HOST to use another relay.",
                id="sigap.I001",
            )
        )
    return problems


@register("sigap")
def check_schedule_times(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    """Every daily periodic job (sigap/<app>/schedule.py) has a time of day that reads HH:MM."""
    from django.core.exceptions import ImproperlyConfigured

    from sigap.core.schedule import jobs

    problems: list[Any] = []
    for job in jobs():
        if not job.at:
            continue
        try:
            job.time_of_day()
        except ImproperlyConfigured as exc:
            problems.append(Error(str(exc), id="sigap.E002"))
    return problems
