from datetime import time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.utils import timezone

from sigap.core.models import AuditEvent
from sigap.geo.models import Region
from sigap.intake import services
from sigap.intake.images import CleanImage
from sigap.intake.models import (
    AgeGroup,
    Category,
    Channel,
    CloseReason,
    Notification,
    Priority,
    PublicStage,
    Report,
    ReportPhoto,
    Status,
)
from sigap.intake.tests.factories import daytime, details, image_bytes, public_report


def _deadline(report: Report) -> timedelta:
    """Due date minus arrival, to the second (created_at is stamped at the insert itself)."""
    return timedelta(seconds=round((report.due_at - report.created_at).total_seconds()))


pytestmark = pytest.mark.django_db


def _photo() -> CleanImage:
    return CleanImage(content=image_bytes("JPEG"), format="JPEG", width=64, height=48)


# --- public submission ---------------------------------------------------------------------------


def test_public_report_gets_a_code_a_priority_and_an_anonymous_audit_event(regions):
    report = public_report()
    assert len(report.tracking_code) == 12
    assert report.status == Status.RECEIVED
    assert report.public_stage == PublicStage.RECEIVED
    assert report.priority == Priority.NORMAL
    assert _deadline(report) == timedelta(hours=72)
    assert report.regency_code == "64.71"
    # Written by the task queued with the report (tests run tasks at once).
    event = AuditEvent.objects.get(object_id=str(report.pk))
    assert (event.action, event.actor_id) == ("report.public_submit", None)


@pytest.mark.parametrize(
    ("overrides", "priority", "hours"),
    [
        ({"immediate_danger": True}, Priority.URGENT, 1),
        ({"age_group": AgeGroup.UNDER_5}, Priority.HIGH, 24),
        ({"category": Category.TRAFFICKING}, Priority.HIGH, 24),
        ({"category": Category.SEXUAL_ABUSE}, Priority.HIGH, 24),
        ({"category": Category.NEGLECT}, Priority.NORMAL, 72),
    ],
)
def test_the_reporters_answers_set_a_first_priority(regions, overrides, priority, hours):
    report = public_report(**overrides)
    assert report.priority == priority
    assert _deadline(report) == timedelta(hours=hours)


def test_a_child_seen_at_night_is_high_priority(regions):
    night = (timezone.localtime() - timedelta(days=1)).replace(hour=1, minute=30)
    report = public_report(seen_at=night)
    assert report.out_at_night and report.priority == Priority.HIGH


def test_response_hours_are_a_setting(regions, settings):
    settings.SIGAP_REPORT_RESPONSE_HOURS = {"urgent": 0.5}
    report = public_report(immediate_danger=True)
    assert _deadline(report) == timedelta(minutes=30)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"description": "   "}, "description"),
        ({"latitude": Decimal("51.5"), "longitude": Decimal("-0.12")}, "latitude"),
        ({"latitude": Decimal("-1.25"), "longitude": None}, "latitude"),
        ({"seen_at": timezone.now() + timedelta(days=1)}, "seen_at"),
        ({"is_anonymous": False}, "reporter_phone"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(regions, overrides, field):
    with pytest.raises(ValidationError) as exc:
        services.public_report_submit(details=details(**overrides), photos=[_photo()])
    assert field in exc.value.message_dict
    assert not Report.objects.exists()
    assert not ReportPhoto.objects.exists()


def test_a_kelurahan_outside_the_city_is_refused(regions):
    samarinda = Region.objects.get(code="64.72.02.1010")
    with pytest.raises(ValidationError) as exc:
        services.public_report_submit(details=details(kelurahan=samarinda))
    assert "kelurahan" in exc.value.message_dict


def test_a_position_inside_indonesia_is_kept(regions):
    report = public_report(latitude=Decimal("-1.239"), longitude=Decimal("116.852"))
    assert report.latitude == Decimal("-1.239")


def test_too_many_photos_are_refused(regions, settings):
    settings.SIGAP_REPORT_MAX_PHOTOS = 2
    with pytest.raises(ValidationError):
        services.public_report_submit(details=details(), photos=[_photo()] * 3)
    assert not Report.objects.exists()


def test_photos_are_stored_privately_through_the_storage_api(regions):
    report = services.public_report_submit(details=details(), photos=[_photo(), _photo()])
    photos = list(report.photos.all())
    assert len(photos) == 2
    for photo in photos:
        name: Any = photo.file.name
        assert name.startswith("private/intake/photos/")
        assert default_storage.exists(name)


def test_files_are_removed_when_the_write_fails(intake_officer, monkeypatch):
    written = []
    original = default_storage.save

    def save(name, content, **kw):
        written.append(original(name, content, **kw))
        return written[-1]

    monkeypatch.setattr(default_storage, "save", save)

    def fail(**kwargs):
        raise RuntimeError("audit down")

    monkeypatch.setattr(services, "audit_log", fail)
    with pytest.raises(RuntimeError):
        services.staff_report_record(
            actor=intake_officer, details=details(), channel=Channel.HOTLINE, photos=[_photo()]
        )
    assert written and not default_storage.exists(written[0])
    assert not Report.objects.exists()


def test_a_second_submission_of_the_same_form_returns_the_first_report(regions):
    first = services.public_report_submit(details=details(), submission_key="abc123")
    again = services.public_report_submit(details=details(), submission_key="abc123")
    assert again.pk == first.pk
    assert Report.objects.count() == 1


# --- staff intake ------------------------------------------------------------------------------------


def test_staff_record_keeps_channel_reporter_and_child(intake_officer):
    report = services.staff_report_record(
        actor=intake_officer,
        details=details(
            is_anonymous=False,
            reporter_name="Ibu Sari",
            reporter_phone="0812",
            reporter_relation="teacher",
        ),
        channel=Channel.SAPA129,
        child_name="Budi",
        child_age=4,
    )
    assert report.channel == Channel.SAPA129
    assert report.recorded_by == intake_officer
    assert report.recorded_by_agency is not None
    assert report.recorded_by_agency.regency_code == "64.71"
    assert report.very_young and report.priority == Priority.HIGH
    assert AuditEvent.objects.filter(action="report.recorded", actor=intake_officer).exists()


def test_staff_cannot_pick_a_system_channel(intake_officer):
    with pytest.raises(ValidationError):
        services.staff_report_record(actor=intake_officer, details=details(), channel=Channel.WEB)


# --- outreach ------------------------------------------------------------------------------------------


def _operation(actor, **kw):
    values: dict[str, Any] = {
        "date": timezone.localdate() - timedelta(days=2),
        "start_time": time(22, 0),
        "end_time": time(3, 0),
        "area": "Jl. Jenderal Sudirman, Simpang Plaza Balikpapan",
        "team": "Satpol PP regu 2, tim pendamping UPTD PPA",
    }
    values.update(kw)
    return services.outreach_create(actor=actor, **values)


def test_outreach_children_become_reports_in_the_queue(intake_officer):
    operation = _operation(intake_officer)
    report = services.outreach_child_add(
        actor=intake_officer,
        operation=operation,
        child_name="Andi (Ucok)",
        child_age=8,
        child_sex="male",
        activity="selling",
        found_time=time(1, 30),
        location="Lampu merah Plaza",
        origin_text="Kabupaten Sikka",
        accompanying_adult="Seorang pria, bukan orang tua",
    )
    assert report.outreach == operation
    assert report.channel == Channel.OUTREACH
    assert report.status == Status.RECEIVED
    # Found at 01:30: the day after the operation's date, at night.
    assert timezone.localtime(report.seen_at).date() == operation.date + timedelta(days=1)
    assert report.out_at_night and report.priority == Priority.HIGH


def test_outreach_child_needs_a_name_and_a_child_age(intake_officer):
    operation = _operation(intake_officer)
    base = {
        "actor": intake_officer,
        "operation": operation,
        "child_sex": "female",
        "activity": "begging",
        "found_time": time(23, 0),
        "location": "Pasar",
    }
    with pytest.raises(ValidationError):
        services.outreach_child_add(child_name=" ", child_age=7, **base)
    with pytest.raises(ValidationError):
        services.outreach_child_add(child_name="Rina", child_age=25, **base)


def test_outreach_district_must_be_in_the_city(intake_officer, regions):
    with pytest.raises(ValidationError):
        _operation(intake_officer, district=Region.objects.get(code="64.72.02"))


# --- triage ----------------------------------------------------------------------------------------------


def test_screening_sets_priority_deadline_and_moves_the_public_stage(regions, intake_officer):
    report = public_report()
    screened = services.report_screen(
        actor=intake_officer,
        report=report,
        immediate_danger=False,
        injury=True,
        very_young=False,
        out_at_night=False,
        trafficking_signs=False,
        version=report.version,
    )
    assert screened.priority == Priority.URGENT
    assert _deadline(screened) == timedelta(hours=1)
    assert screened.status == Status.IN_TRIAGE
    assert screened.public_stage == PublicStage.IN_PROGRESS
    assert screened.version == report.version + 1


def test_a_stale_version_is_refused(regions, intake_officer):
    report = public_report()
    services.report_assign(actor=intake_officer, report=report, assignee=intake_officer)
    with pytest.raises(ValidationError) as exc:
        services.report_close(
            actor=intake_officer, report=report, reason=CloseReason.NOT_FOUND, version=1
        )
    assert exc.value.code == "stale"
    assert Report.objects.get(pk=report.pk).status == Status.IN_TRIAGE


def test_assigning_notifies_in_app_and_by_email(
    regions, intake_officer, supervisor, django_capture_on_commit_callbacks
):
    report = public_report()
    with django_capture_on_commit_callbacks(execute=True):
        services.report_assign(actor=supervisor, report=report, assignee=intake_officer)
    note = Notification.objects.get(recipient=intake_officer)
    assert report.reference in note.text
    assert note.link == f"/laporan/{report.pk}/"
    assert [m.to for m in mail.outbox] == [[intake_officer.email]]


def test_only_officers_of_the_city_can_be_assigned(regions, intake_officer, analyst, outsider):
    report = public_report()
    for person in (analyst, outsider):
        with pytest.raises(ValidationError):
            services.report_assign(actor=intake_officer, report=report, assignee=person)


@pytest.mark.parametrize("reason", CloseReason.values)
def test_closing_needs_a_reason_and_shows_handled(regions, intake_officer, reason):
    report = public_report()
    closed = services.report_close(actor=intake_officer, report=report, reason=reason)
    assert closed.status == Status.CLOSED and closed.close_reason == reason
    assert closed.public_stage == PublicStage.HANDLED
    assert AuditEvent.objects.filter(action="report.closed").exists()


def test_closing_with_an_unknown_reason_is_refused(regions, intake_officer):
    with pytest.raises(ValidationError):
        services.report_close(actor=intake_officer, report=public_report(), reason="bored")


def test_an_outcome_is_final(regions, intake_officer, police_agency):
    report = public_report()
    services.report_close(actor=intake_officer, report=report, reason=CloseReason.NOT_FOUND)
    with pytest.raises(ValidationError):
        services.report_refer(actor=intake_officer, report=report, agency=police_agency)
    with pytest.raises(ValidationError):
        services.report_assign(actor=intake_officer, report=report, assignee=intake_officer)


def test_referral_notifies_the_receiving_agency(regions, intake_officer, police_officer):
    report = public_report(category=Category.TRAFFICKING)
    referred = services.report_refer(
        actor=intake_officer,
        report=report,
        agency=police_officer.primary_agency,
        note="Dugaan TPPO",
    )
    assert referred.status == Status.REFERRED
    assert referred.public_stage == PublicStage.HANDLED
    assert Notification.objects.filter(recipient=police_officer).exists()


def test_referral_to_ones_own_agency_is_refused(regions, intake_officer, home_agency):
    with pytest.raises(ValidationError):
        services.report_refer(actor=intake_officer, report=public_report(), agency=home_agency)


def test_merge_follows_the_other_report(regions, intake_officer):
    first, duplicate = public_report(), public_report()
    services.report_merge(actor=intake_officer, report=duplicate, into=first)
    followed: Any = services.public_status(code=duplicate.tracking_code)
    assert followed.pk == first.pk
    with pytest.raises(ValidationError):
        services.report_merge(actor=intake_officer, report=first, into=first)


def test_merging_into_a_merged_report_is_refused(regions, intake_officer):
    a, b, c = public_report(), public_report(), public_report()
    services.report_merge(actor=intake_officer, report=b, into=a)
    with pytest.raises(ValidationError):
        services.report_merge(actor=intake_officer, report=c, into=Report.objects.get(pk=b.pk))


def test_transition_table_is_enforced():
    from sigap.intake.models import TRANSITIONS, InvalidTransition

    report = Report(status=Status.CLOSED)
    for status in Status.values:
        if status not in TRANSITIONS[Status.CLOSED]:
            with pytest.raises(InvalidTransition):
                report.transition_to(status)


# --- overdue -------------------------------------------------------------------------------------------------


def test_overdue_reports_are_notified_once(
    regions, intake_officer, supervisor, django_capture_on_commit_callbacks
):
    assigned = public_report()
    services.report_assign(actor=supervisor, report=assigned, assignee=intake_officer)
    unassigned = public_report()
    later = timezone.now() + timedelta(hours=73)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.overdue_reports_notify(now=later) == 2
    assert (
        Notification.objects.filter(recipient=intake_officer, text__contains="overdue").count() == 1
    )
    assert Notification.objects.filter(
        recipient=supervisor, text__contains=unassigned.reference
    ).exists()
    assert len(mail.outbox) == 2
    assert services.overdue_reports_notify(now=later) == 0


def test_check_overdue_reports_command(regions, supervisor):
    from io import StringIO

    from django.core.management import call_command

    report = public_report()
    Report.objects.filter(pk=report.pk).update(due_at=timezone.now() - timedelta(minutes=1))
    out = StringIO()
    call_command("check_overdue_reports", stdout=out)
    assert out.getvalue().startswith("1 overdue report(s) notified")


def test_notifications_can_be_marked_read(regions, intake_officer):
    services.notify(recipient=intake_officer, text="a")
    services.notify(recipient=intake_officer, text="b")
    assert services.notification_mark_read(actor=intake_officer) == 2
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_daytime_helper_is_not_night():
    assert not services.is_night(daytime())


def test_a_tracking_code_clash_draws_a_new_code(regions, monkeypatch):
    first = public_report()
    codes = iter([first.tracking_code, "ABCDEFGH2345"])
    monkeypatch.setattr("sigap.intake.tracking.new_code", lambda: next(codes))
    second = public_report()
    assert second.tracking_code == "ABCDEFGH2345"
