"""The cost of the public report write (issue 6, point 9) and what its shortcuts must keep:
the row stored as save() would store it, the audit event of every report written exactly once,
the query count of a public POST pinned."""

from datetime import timedelta
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sigap.core.models import ActorKind, AuditEvent
from sigap.intake import services, tracking
from sigap.intake.forms import PublicReportApiForm, PublicReportForm
from sigap.intake.images import CleanImage
from sigap.intake.models import Channel, Report, ReportPhoto
from sigap.intake.tests.factories import daytime, details, image_bytes

URL = "/api/v1/public/reports"
DEFERRED_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def _payload(**overrides: Any) -> dict[str, Any]:
    data = {
        "category": "street",
        "description": "Dua anak mengamen di lampu merah.",
        "landmark": "Simpang Rapak",
        "seen_at": daytime().isoformat(),
        "kelurahan": "64.71.03.1001",
    }
    data.update(overrides)
    return data


@pytest.fixture
def deferred_tasks(settings: Any, monkeypatch: Any) -> Any:
    """A task backend that keeps tasks for later, as the database worker does (tests otherwise
    run them at once); the per-process schedule starts afresh."""
    from django_tasks import task_backends

    settings.TASKS = DEFERRED_TASKS
    monkeypatch.setitem(services._audit_scheduled, "at", None)
    backend: Any = task_backends["default"]
    backend.results.clear()
    return backend


# --- the insert ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_public_insert_stores_what_save_would(regions):
    from sigap.geo.models import Region

    values = details(
        kelurahan=Region.objects.get(code="64.71.03.1001"),
        latitude=None,
        longitude=None,
        is_anonymous=False,
        reporter_phone="0812 1111 2222",
    )
    stored = services.public_report_submit(details=values, channel=Channel.API)
    twin = services._build_report(values, channel=Channel.API, regency_code="64.71")
    twin.audit_pending = True
    twin.submission_request_id = stored.submission_request_id
    twin.save(force_insert=True)
    skip = ["id", "tracking_code", "due_at", "stage_changed_at"]
    a = model_to_dict(Report.objects.get(pk=stored.pk), exclude=skip)
    b = model_to_dict(Report.objects.get(pk=twin.pk), exclude=skip)
    assert a == b
    fresh = Report.objects.get(pk=stored.pk)
    assert (fresh.created_at, fresh.updated_at) == (stored.created_at, stored.updated_at)
    assert not stored._state.adding


def test_no_report_field_has_a_database_default():
    # The public insert leaves NULL columns out; a database default would then replace NULL.
    assert not [f.name for f in Report._meta.concrete_fields if f.has_db_default()]


@pytest.mark.django_db
def test_a_failed_photo_write_stores_nothing_and_removes_the_files(regions, monkeypatch):
    written = []
    original = default_storage.save

    def save(name: str, content: Any, **kw: Any) -> str:
        written.append(original(name, content, **kw))
        return written[-1]

    def fail(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(default_storage, "save", save)
    monkeypatch.setattr(ReportPhoto.objects, "bulk_create", fail)
    photo = CleanImage(content=image_bytes("JPEG"), format="JPEG", width=64, height=48)
    with pytest.raises(RuntimeError):
        services.public_report_submit(details=details(), photos=[photo])
    assert written and not default_storage.exists(written[0])
    assert not Report.objects.exists()


# --- the audit events ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_report_is_stored_pending_and_its_event_written_once(regions, deferred_tasks):
    report = services.public_report_submit(details=details(), channel=Channel.API)
    assert Report.objects.get(pk=report.pk).audit_pending
    assert not AuditEvent.objects.filter(object_id=str(report.pk)).exists()
    assert services.public_reports_audit() == 1
    event = AuditEvent.objects.get(object_id=str(report.pk))
    assert (event.action, event.actor_kind, event.actor_id) == (
        "report.public_submit",
        ActorKind.ANONYMOUS,
        None,
    )
    assert event.summary == {"channel": Channel.API}
    assert event.request_id == report.submission_request_id != ""
    assert event.ip is None
    assert not Report.objects.get(pk=report.pk).audit_pending
    assert services.public_reports_audit() == 0
    assert AuditEvent.objects.filter(object_id=str(report.pk)).count() == 1


@pytest.mark.django_db
def test_the_audit_run_works_in_batches(regions, deferred_tasks):
    for _ in range(5):
        services.public_report_submit(details=details())
    assert services.public_reports_audit(batch_size=2) == 5
    assert AuditEvent.objects.filter(action="report.public_submit").count() == 5
    assert not Report.objects.filter(audit_pending=True).exists()


@pytest.mark.django_db
def test_one_audit_run_is_scheduled_per_delay_and_covers_the_reports_between(
    regions, deferred_tasks, monkeypatch
):
    clock = [1000.0]
    monkeypatch.setattr(services.monotonic_clock, "monotonic", lambda: clock[0])
    services.public_report_submit(details=details())
    clock[0] += 1.0
    services.public_report_submit(details=details())
    assert len(deferred_tasks.results) == 1
    run = deferred_tasks.results[0]
    assert run.task.name == "audit_public_reports"
    # It starts once the delay has passed, so it sees the second report too.
    delay = run.task.run_after - run.enqueued_at
    assert timedelta(seconds=services.AUDIT_DELAY_SECONDS - 1) < delay
    assert delay <= timedelta(seconds=services.AUDIT_DELAY_SECONDS)
    clock[0] += services.AUDIT_DELAY_SECONDS
    services.public_report_submit(details=details())
    assert len(deferred_tasks.results) == 2


@pytest.mark.django_db
def test_a_failure_to_schedule_does_not_lose_the_report(regions, deferred_tasks, monkeypatch):
    from django.db import DatabaseError

    def broken(self: Any, *args: Any, **kwargs: Any) -> None:
        raise DatabaseError("queue table locked")

    monkeypatch.setattr(type(deferred_tasks), "enqueue", broken)
    report = services.public_report_submit(details=details())
    assert Report.objects.filter(pk=report.pk, audit_pending=True).exists()
    assert services._audit_scheduled["at"] is None  # the next report tries again
    # The periodic command writes what is pending.
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("check_overdue_reports", stdout=out)
    assert "1 pending audit event(s) written" in out.getvalue()
    assert AuditEvent.objects.filter(object_id=str(report.pk)).exists()


# --- queries per request ---------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_public_api_report_costs_two_queries(client, regions, deferred_tasks):
    """In autocommit, as in production: the per-address counter and the report, one statement
    each; no transaction, savepoint or task row (the audit run is scheduled once per delay)."""
    client.post(URL, _payload(), content_type="application/json")  # schedules the audit run
    with CaptureQueriesContext(connection) as queries:
        response = client.post(URL, _payload(), content_type="application/json")
    assert response.status_code == 201, response.content
    sql = [q["sql"] for q in queries.captured_queries]
    assert len(sql) == 2, sql
    assert "intake_ratecounter" in sql[0]
    assert sql[1].startswith('INSERT INTO "intake_report"')
    assert len(deferred_tasks.results) == 1


@pytest.mark.django_db(transaction=True)
def test_the_first_report_of_a_delay_adds_only_the_scheduled_run(client, regions, deferred_tasks):
    from sigap.intake.forms import home_village

    home_village("64.71.03.1001")  # the per-process kelurahan copy, loaded every ten minutes
    with CaptureQueriesContext(connection) as queries:
        response = client.post(URL, _payload(), content_type="application/json")
    assert response.status_code == 201
    sql = [q["sql"] for q in queries.captured_queries]
    assert len(sql) <= 4, sql  # + BEGIN/COMMIT around the enqueue


@pytest.mark.django_db(transaction=True)
def test_the_web_form_report_costs_three_queries(client, regions, deferred_tasks, settings):
    """The page adds the lookup of its form token (a second tap returns the first report)."""
    from sigap.intake.forms import new_form_token

    def form(**overrides: Any) -> dict[str, Any]:
        seen = timezone.localtime(daytime()).strftime("%Y-%m-%dT%H:%M")
        data = {**_payload(seen_at=seen), "children_count": 1, "age_group": "unknown"}
        data.update({"contact": "anonymous", "form_token": new_form_token(), "website": ""})
        data.update(overrides)
        return data

    client.post("/lapor/", form())
    with CaptureQueriesContext(connection) as queries:
        response = client.post("/lapor/", form())
    assert response.status_code == 302, response.content
    sql = [q["sql"] for q in queries.captured_queries]
    assert len(sql) == 3, sql
    # Refused input shows the form again, with the kelurahan list.
    response = client.post("/lapor/", form(description=""))
    assert response.status_code == 422
    assert "64.71.03.1001" in response.content.decode()


# --- validation ------------------------------------------------------------------------------------


def test_the_api_form_shares_its_fields_and_the_page_form_copies_them():
    a, b = PublicReportApiForm({}), PublicReportApiForm({})
    assert a.fields is b.fields
    assert set(a.fields) == set(PublicReportForm.base_fields)
    page = PublicReportForm({})
    assert page.fields is not PublicReportForm.base_fields
    assert page.fields["kelurahan"] is not PublicReportForm.base_fields["kelurahan"]


@pytest.mark.django_db
def test_the_api_form_and_the_page_form_give_the_same_errors(regions):
    data = {
        "category": "street",
        "description": "  ",
        "landmark": "Simpang",
        "seen_at": "2026-01-01T10:00",
        "children_count": 1,
        "age_group": "unknown",
        "kelurahan": "64.72.02.1010",
        "latitude": "1.5",
        "contact": "contact",
        "reporter_phone": "call me",
    }
    api_form, page_form = PublicReportApiForm(data), PublicReportForm(data, guards=False)
    assert not api_form.is_valid() and not page_form.is_valid()
    assert api_form.errors == page_form.errors
    assert {"description", "kelurahan", "latitude", "reporter_phone"} <= set(api_form.errors)


def test_every_position_of_a_tracking_code_draws_on_the_whole_alphabet():
    codes = [tracking.new_code() for _ in range(3000)]
    for position in range(tracking.LENGTH):
        assert {code[position] for code in codes} == set(tracking.ALPHABET)
