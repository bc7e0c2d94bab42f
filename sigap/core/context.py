"""Per-request context (address, request id) that services read when they write audit events.

Set by RequestContextMiddleware; commands and tasks run with the defaults (no address, a fresh id).
"""

from __future__ import annotations

import logging
import uuid
from contextvars import ContextVar
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RequestContext:
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    ip: str | None = None


_current: ContextVar[RequestContext | None] = ContextVar("sigap_request_context", default=None)


def current() -> RequestContext:
    ctx = _current.get()
    if ctx is None:
        ctx = RequestContext()
        _current.set(ctx)
    return ctx


def activate(ctx: RequestContext) -> object:
    return _current.set(ctx)


def deactivate(token: object) -> None:
    _current.reset(token)  # type: ignore[arg-type]


class RequestIdLogFilter(logging.Filter):
    """Adds the request id to every log record (settings.LOGGING)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current().request_id
        return True
