"""The audit trail: chained events written in the caller's transaction, verify_audit, the
append-only trigger (PostgreSQL) and the summary that never carries sensitive values."""

from __future__ import annotations

import io
from contextlib import contextmanager, redirect_stderr, redirect_stdout

import pytest
from django.core.management import ManagementUtility, call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, connections, transaction

from sigap.accounts.services import agency_create
from sigap.core import context
from sigap.core.audit import GENESIS_HASH, audit_log, verify_chain
from sigap.core.models import ActorKind, AuditEvent
from sigap.geo.models import Region

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("keep_connection")]

postgresql_only = pytest.mark.skipif(
    "connection.vendor != 'postgresql'",
    reason="the append-only trigger exists on PostgreSQL only (migration 0002); CI runs this "
    "suite on PostgreSQL too",
)


def _events(n: int, actor=None) -> list[AuditEvent]:
    return [audit_log(actor=actor, action=f"test.event{i}", object_id=i) for i in range(n)]


@contextmanager
def _trigger_disabled():
    """Tampering as a database owner would: on PostgreSQL the trigger must be switched off."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        # Deferred foreign-key checks of this test's transaction would block the ALTER TABLE.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE core_auditevent DISABLE TRIGGER core_auditevent_append_only")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE core_auditevent ENABLE TRIGGER core_auditevent_append_only")


@pytest.fixture
def keep_connection(monkeypatch):
    """run_from_argv() closes every connection when it ends, which would close the test's."""
    monkeypatch.setattr(connections, "close_all", lambda: None)


def _run_verify_audit() -> tuple[int, str, str]:
    """Run the command as `manage.py verify_audit` does (a CommandError becomes exit status 1);
    return the exit status, stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    status = 0
    with redirect_stdout(out), redirect_stderr(err):
        try:
            ManagementUtility(["manage.py", "verify_audit"]).execute()
        except SystemExit as exited:
            status = int(exited.code or 0)
    return status, out.getvalue(), err.getvalue()


def test_events_are_chained(case_worker):
    first, second, third = _events(3, actor=case_worker)
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.hash
    assert third.prev_hash == second.hash
    assert len({first.hash, second.hash, third.hash}) == 3
    assert third.actor_id == case_worker.pk
    assert third.actor_label == "pekerja"
    assert third.actor_kind == ActorKind.USER


def test_event_records_request_context(case_worker):
    token = context.activate(context.RequestContext(request_id="req-12345678", ip="10.1.2.3"))
    try:
        event = audit_log(actor=case_worker, action="test.ctx", obj=case_worker, agency_id=7)
    finally:
        context.deactivate(token)
    event = AuditEvent.objects.get(pk=event.pk)
    assert (event.ip, event.request_id) == ("10.1.2.3", "req-12345678")
    assert (event.object_type, event.object_id, event.agency_id) == (
        "accounts.user",
        str(case_worker.pk),
        7,
    )


def test_system_and_anonymous_actors(db):
    system = audit_log(actor=None, action="test.job")
    anonymous = audit_log(actor=None, action="test.visit", actor_kind=ActorKind.ANONYMOUS)
    assert (system.actor_kind, system.actor_label) == (ActorKind.SYSTEM, "system")
    assert (anonymous.actor_kind, anonymous.actor_label) == (ActorKind.ANONYMOUS, "anonymous")


def test_event_is_written_in_the_callers_transaction(system_admin):
    """A service that fails after auditing leaves neither its change nor its event."""
    region = Region.objects.get(code="64.71")
    before = AuditEvent.objects.count()

    @transaction.atomic
    def failing_service():
        agency_create(actor=system_admin, name="Lembaga Gagal", type="NGO", region=region)
        raise RuntimeError("fails after the audit event")

    with pytest.raises(RuntimeError):
        failing_service()
    assert AuditEvent.objects.count() == before
    assert not AuditEvent.objects.filter(action="agency.create").exists()
    # The chain continues from the last committed event, not from the rolled-back one.
    agency_create(actor=system_admin, name="Lembaga Jadi", type="NGO", region=region)
    assert next(verify_chain(), None) is None


def test_saved_event_cannot_be_saved_again(db):
    event = audit_log(actor=None, action="test.once")
    event.action = "test.twice"
    with pytest.raises(ValueError, match="append-only"):
        event.save()


def test_sensitive_keys_never_reach_the_summary(case_worker):
    event = audit_log(
        actor=case_worker,
        action="test.sensitive",
        changes=["nik", "name", "name"],
        extra={
            "password": "hunter2-hunter2",
            "new_password1": "x",
            "NIK": "6471010101010001",
            "family_card_number": "6471010101010002",
            "api_token": "sgp_abc",
            "otp_secret": "JBSWY3DP",
            "narrative": "the story of the child",
            "role": "case_worker",
            "count": 3,
            "when": object(),
        },
    )
    summary = AuditEvent.objects.get(pk=event.pk).summary
    assert summary["changed"] == ["name", "nik"]  # field names only, deduplicated
    assert summary["role"] == "case_worker"
    assert summary["count"] == 3
    assert isinstance(summary["when"], str)
    text = repr(summary)
    for secret in (
        "hunter2",
        "6471010101010001",
        "6471010101010002",
        "sgp_abc",
        "JBSWY3DP",
        "story",
    ):
        assert secret not in text
    assert set(summary) == {"changed", "role", "count", "when"}


def test_ipv6_addresses_keep_the_chain_intact(case_worker):
    """PostgreSQL stores addresses as inet and prints them in canonical form; the hash must be
    computed on that same form or verify_audit would report tampering that never happened."""
    token = context.activate(context.RequestContext(ip="2001:0DB8:0000:0000:0000:0000:0000:0001"))
    try:
        event = audit_log(actor=case_worker, action="test.ipv6")
    finally:
        context.deactivate(token)
    assert AuditEvent.objects.get(pk=event.pk).ip == "2001:db8::1"
    assert next(verify_chain(), None) is None


def test_verify_audit_passes_on_intact_chain(case_worker):
    _events(5, actor=case_worker)
    status, out, _err = _run_verify_audit()
    assert status == 0
    assert f"Audit chain intact: {AuditEvent.objects.count()} events verified." in out


def test_verify_audit_passes_on_empty_trail(db):
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    assert "0 events verified" in out.getvalue()


def test_verify_audit_names_an_altered_event(case_worker):
    events = _events(5, actor=case_worker)
    target = events[2]
    with _trigger_disabled(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE core_auditevent SET action = %s WHERE id = %s", ["test.forged", target.pk]
        )
    problems = list(verify_chain())
    assert problems[0].event_id == target.pk
    assert "hash" in problems[0].reason
    status, _out, stderr = _run_verify_audit()
    assert status != 0
    assert f"event {target.pk}" in stderr
    with pytest.raises(CommandError, match=f"event {target.pk}:"):
        call_command("verify_audit")


def test_verify_audit_names_an_event_whose_hash_was_recomputed(case_worker):
    """A careful forger who also rewrites the hash still breaks the link of the next event."""
    events = _events(4, actor=case_worker)
    target = AuditEvent.objects.get(pk=events[1].pk)
    target.action = "test.forged"
    forged_hash = target.compute_hash()
    with _trigger_disabled(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE core_auditevent SET action = %s, hash = %s WHERE id = %s",
            ["test.forged", forged_hash, target.pk],
        )
    first = next(verify_chain())
    assert first.event_id == events[2].pk
    assert "link" in first.reason


def test_verify_audit_names_the_event_after_a_deleted_one(case_worker):
    events = _events(5, actor=case_worker)
    with _trigger_disabled(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditevent WHERE id = %s", [events[1].pk])
    status, _out, stderr = _run_verify_audit()
    assert status != 0
    assert f"event {events[2].pk}" in stderr
    assert "link" in stderr


def test_verify_audit_notices_the_first_event_deleted(case_worker):
    events = _events(3, actor=case_worker)
    with _trigger_disabled(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditevent WHERE id = %s", [events[0].pk])
    assert next(verify_chain()).event_id == events[1].pk


@postgresql_only
def test_trigger_refuses_update_and_delete(case_worker):
    event = audit_log(actor=case_worker, action="test.protected")
    for sql in (
        "UPDATE core_auditevent SET action = 'test.forged' WHERE id = %s",
        "DELETE FROM core_auditevent WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).action == "test.protected"
    # Through the ORM too: a queryset update or delete is refused by the database itself.
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="test.forged")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.filter(pk=event.pk, action="test.protected").exists()
