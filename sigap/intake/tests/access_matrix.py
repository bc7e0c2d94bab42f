"""Expected outcome of every intake route (staff and public) and API operation for every persona.

Format: see sigap/core/tests/routes.py; checked with real requests by
sigap/core/tests/test_routes.py. 302 for anonymous is the redirect to sign-in (401 on the API);
404 is "not yours to know it exists"; 403 is "you know it (or the page), but may not do this".

The sample report is a public report of the home city (64.71), not assigned or referred: the
triage roles of the city (intake_officer, supervisor) see and triage it; the other child-data
roles (case_worker, psychologist, police_officer, lksa_staff, outsider) may be sent reports but
were not sent this one: 404. analyst, agency_admin and system_admin see no reports: 403. The
"#other_regency" samples are reports of Samarinda (64.72): hidden from Balikpapan's triage too.
The public form, tracking page and public API answer everyone alike.
"""

from __future__ import annotations

from typing import Any

from sigap.core.tests.routes import row

NO_CHILD_DATA = {"analyst": 403, "agency_admin": 403, "system_admin": 403}
TRIAGE = {"intake_officer": 200, "supervisor": 200}


def html(default: int = 404, **cells: int) -> dict[str, int]:
    return row(default, anonymous=302, **{**NO_CHILD_DATA, **cells})


TRIAGE_ONLY = row(403, anonymous=302, **TRIAGE)  # intake.queue / record / triage / view_reporter
REPORT_PAGE = html(**TRIAGE)
# intake.outreach: intake officers, case workers, supervisors (and Satpol PP / Dinsos partners).
OUTREACH = row(403, anonymous=302, case_worker=200, outsider=200, **TRIAGE)

MATRIX = {
    "intake:queue": TRIAGE_ONLY,
    "intake:report_record": TRIAGE_ONLY,
    "intake:report_detail": REPORT_PAGE,
    "intake:report_detail#other_regency": html(),
    "intake:report_reporter": TRIAGE_ONLY,
    "intake:report_reporter#other_regency": row(
        403, anonymous=302, intake_officer=404, supervisor=404
    ),
    "intake:report_photo": REPORT_PAGE,
    # POST only: a screening with no danger signs is saved and leads back to the report.
    "intake:report_screen": row(403, anonymous=302, intake_officer=302, supervisor=302),
    "intake:report_screen#other_regency": row(
        403, anonymous=302, intake_officer=404, supervisor=404
    ),
    # POST only; a GET is refused by the rule first, then by the method.
    "intake:report_assign": row(403, anonymous=302, intake_officer=405, supervisor=405),
    "intake:report_close": TRIAGE_ONLY,
    "intake:report_refer": TRIAGE_ONLY,
    "intake:report_merge": TRIAGE_ONLY,
    "intake:report_open_case": TRIAGE_ONLY,
    "intake:report_open_case#other_regency": row(
        403, anonymous=302, intake_officer=404, supervisor=404
    ),
    "intake:outreach_list": OUTREACH,
    "intake:outreach_create": OUTREACH,
    "intake:outreach_detail": row(403, anonymous=302, case_worker=200, outsider=404, **TRIAGE),
    "intake:notification_list": row(200, anonymous=302),
    "intake:notification_read": row(302),  # marks all read; back to the list (or sign-in)
    "public:report": row(200),
    "public:tracking": row(200),
    "public:status": row(200),
    "public:status#unknown": row(404),
    # --- API ---
    "api:public_report_create": row(405),  # POST only (tested in intake/tests/test_api.py)
    "api:public_report_status": row(200),
}


# --- sample records -----------------------------------------------------------------------------


def _report(get: Any, regency: str = "64.71") -> Any:
    from sigap.intake.models import Report
    from sigap.intake.tests.factories import public_report

    get("regions")
    report = public_report()
    if regency != report.regency_code:
        Report.objects.filter(pk=report.pk).update(regency_code=regency)
        report.refresh_from_db()
    return report


def _other(get: Any) -> Any:
    return _report(get, "64.72")


def _photo(get: Any) -> dict[str, Any]:
    from sigap.intake import services
    from sigap.intake.images import CleanImage
    from sigap.intake.tests.factories import details, image_bytes

    get("regions")
    get("settings").MEDIA_ROOT = get("tmp_path") / "media"
    photo = CleanImage(content=image_bytes("PNG"), format="PNG", width=64, height=48)
    report = services.public_report_submit(details=details(), photos=[photo])
    return {"pk": report.pk, "photo": report.photos.get().pk}


def _outreach(get: Any) -> Any:
    from datetime import time, timedelta

    from django.utils import timezone

    from sigap.intake import services

    return services.outreach_create(
        actor=get("intake_officer"),
        date=timezone.localdate() - timedelta(days=2),
        start_time=time(21, 0),
        end_time=time(23, 30),
        area="Simpang Muara Rapak",
        team="Satpol PP, UPTD PPA",
    )


def _pk(builder: Any) -> Any:
    return lambda get: {"pk": builder(get).pk}


KWARGS = {
    "intake:report_detail": _pk(_report),
    "intake:report_detail#other_regency": _pk(_other),
    "intake:report_reporter": _pk(_report),
    "intake:report_reporter#other_regency": _pk(_other),
    "intake:report_photo": _photo,
    "intake:report_screen": _pk(_report),
    "intake:report_screen#other_regency": _pk(_other),
    "intake:report_assign": _pk(_report),
    "intake:report_close": _pk(_report),
    "intake:report_refer": _pk(_report),
    "intake:report_merge": _pk(_report),
    "intake:report_open_case": _pk(_report),
    "intake:report_open_case#other_regency": _pk(_other),
    "intake:outreach_detail": _pk(_outreach),
    "public:status": lambda get: {"code": _report(get).tracking_code},
    "public:status#unknown": lambda get: {"code": "K7QM4XPA9TZD"},
    "api:public_report_status": lambda get: {"code": _report(get).tracking_code},
}

METHODS = {
    "intake:report_screen": "post",
    "intake:report_screen#other_regency": "post",
    "intake:notification_read": "post",
}

DATA = {"intake:report_screen": {"version": 1}}
