"""Audit events for sign-ins: successes, failures and sign-outs."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from sigap.accounts.middleware import mark_session_refreshed
from sigap.core.audit import audit_log
from sigap.core.models import ActorKind


@receiver(user_logged_in)
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if getattr(request, "session", None) is not None:
        # The sign-in saves the session anyway: its idle timeout starts now, and the next
        # request need not write it again (see IdleTimeoutMiddleware).
        mark_session_refreshed(request.session)
    audit_log(actor=user, action="auth.login", obj=user)


@receiver(user_logged_out)
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit_log(actor=user, action="auth.logout", obj=user)


@receiver(user_login_failed)
def _login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kw: Any) -> None:
    username = str(credentials.get("username", ""))[:150]
    audit_log(
        actor=None,
        actor_kind=ActorKind.ANONYMOUS,
        action="auth.login_failed",
        object_type="accounts.user",
        extra={"username": username},
    )
