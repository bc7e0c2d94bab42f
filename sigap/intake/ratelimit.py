"""Per-address limit on public reports, kept in the database.

Why the database and not Django's cache: the cache configured by default is local memory, one per
process, so with several gunicorn workers (or servers) each would keep its own count and a flood
would get N times the limit. The database is already shared by every worker; one upsert per
accepted report costs well under a millisecond and is atomic on PostgreSQL and SQLite alike (INSERT
... ON CONFLICT DO UPDATE ... RETURNING), so concurrent requests never both slip under the limit.
It runs as one statement of its own, outside the report's transaction, so the counter row is locked
only for that statement; on PostgreSQL that statement commits without waiting for the disk
(synchronous_commit off for its own implicit transaction only): losing the last few counts in a
crash is harmless, and the report itself still commits durably.

The window is fixed (aligned to multiples of its length), which gives a plain Retry-After. The key
is a keyed hash of the address, never the address itself. Old windows are deleted by
`prune_counters()`, which `check_overdue_reports` calls.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.crypto import salted_hmac

from sigap.intake.models import RateCounter

DEFAULT_LIMIT = 10
DEFAULT_WINDOW_SECONDS = 3600


def limit() -> int:
    return int(getattr(settings, "SIGAP_REPORT_RATE_LIMIT", DEFAULT_LIMIT))


def window_seconds() -> int:
    return max(
        1, int(getattr(settings, "SIGAP_REPORT_RATE_WINDOW_SECONDS", DEFAULT_WINDOW_SECONDS))
    )


def address_key(ip: str | None) -> str:
    """A keyed hash of the address: equal addresses match, the address cannot be read back."""
    return salted_hmac("sigap.intake.ratelimit", ip or "unknown").hexdigest()[:32]


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int  # seconds until the window ends (0 when allowed)


def _window_start(now: datetime, seconds: int) -> datetime:
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, tz=now.tzinfo)


@functools.cache
def _upsert_sql(vendor: str, relaxed: bool) -> str:
    q = connection.ops.quote_name
    table, k, w, h = q(RateCounter._meta.db_table), q("key"), q("window_start"), q("hits")
    source = "VALUES (%s, %s, 1)"
    if relaxed:
        source = "SELECT %s, %s, 1 FROM (SELECT set_config('synchronous_commit', 'off', true)) s"
    return (
        f"INSERT INTO {table} ({k}, {w}, {h}) {source} "  # noqa: S608
        f"ON CONFLICT ({k}, {w}) DO UPDATE SET {h} = {table}.{h} + 1 RETURNING {h}"
    )


def hit(*, key: str, now: datetime | None = None) -> Verdict:
    """Count one report for `key`; refuse it when the window already holds the limit."""
    now = now or timezone.now()
    seconds = window_seconds()
    start = _window_start(now, seconds)
    # One statement in autocommit is its own transaction: on PostgreSQL, relax only its commit.
    relaxed = connection.vendor == "postgresql" and not connection.in_atomic_block
    with connection.cursor() as cursor:
        cursor.execute(_upsert_sql(connection.vendor, relaxed), [key, start])
        (hits,) = cursor.fetchone()
    if hits <= limit():
        return Verdict(True, 0)
    end = start + timedelta(seconds=seconds)
    return Verdict(False, max(1, math.ceil((end - now).total_seconds())))


def prune_counters(*, now: datetime | None = None) -> int:
    """Delete the counters of windows that have ended."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=window_seconds())
    deleted, _ = RateCounter.objects.filter(window_start__lt=cutoff).delete()
    return deleted
