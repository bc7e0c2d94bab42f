"""audit_log_many: several events with one lock of the chain, as audit_log would write them."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sigap.core import context
from sigap.core.audit import audit_log, audit_log_many, verify_chain
from sigap.core.models import ActorKind, AuditEvent

pytestmark = pytest.mark.django_db


def test_events_are_chained_in_order_after_the_existing_ones():
    first = audit_log(actor=None, action="test.before")
    events = audit_log_many(
        {"actor": None, "action": f"test.many{i}", "object_id": i} for i in range(3)
    )
    assert [e.action for e in AuditEvent.objects.order_by("id")] == [
        "test.before",
        "test.many0",
        "test.many1",
        "test.many2",
    ]
    assert events[0].prev_hash == first.hash
    assert events[1].prev_hash == events[0].hash
    assert next(verify_chain(), None) is None
    audit_log(actor=None, action="test.after")
    assert next(verify_chain(), None) is None


def test_each_event_has_what_audit_log_would_give_it_and_its_own_request_id():
    token = context.activate(context.RequestContext(request_id="req-current", ip="10.0.0.9"))
    try:
        one = audit_log(
            actor=None,
            actor_kind=ActorKind.ANONYMOUS,
            action="test.one",
            object_type="x.y",
            object_id="1",
            extra={"channel": "api", "password": "never"},
        )
        (many,) = audit_log_many(
            [
                {
                    "actor": None,
                    "actor_kind": ActorKind.ANONYMOUS,
                    "action": "test.one",
                    "object_type": "x.y",
                    "object_id": "1",
                    "extra": {"channel": "api", "password": "never"},
                    "request_id": "req-earlier",
                }
            ]
        )
    finally:
        context.deactivate(token)
    fields = ["actor_kind", "actor_label", "action", "object_type", "object_id", "ip", "summary"]
    assert [getattr(many, f) for f in fields] == [getattr(one, f) for f in fields]
    assert (one.request_id, many.request_id) == ("req-current", "req-earlier")


def test_the_chain_is_locked_and_read_once_for_all_events():
    audit_log(actor=None, action="test.first")
    with CaptureQueriesContext(connection) as queries:
        audit_log_many({"actor": None, "action": f"test.n{i}"} for i in range(10))
    inserts = [q for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 1  # one multi-row INSERT for the batch
    assert len(queries.captured_queries) <= 1 + 4  # savepoint/lock, last hash, release


def test_a_large_batch_is_split_into_inserts_and_stays_in_chain_order(monkeypatch):
    monkeypatch.setattr("sigap.core.audit.MANY_BATCH_SIZE", 4)
    audit_log(actor=None, action="test.first")
    with CaptureQueriesContext(connection) as queries:
        events = audit_log_many({"actor": None, "action": f"test.n{i}"} for i in range(10))
    inserts = [q for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 3  # 4 + 4 + 2
    stored = list(AuditEvent.objects.order_by("id"))
    assert [e.action for e in stored] == ["test.first", *[f"test.n{i}" for i in range(10)]]
    assert [e.pk for e in stored[1:]] == [e.pk for e in events]
    assert [e.hash for e in stored[1:]] == [e.hash for e in events]
    assert next(verify_chain(), None) is None
