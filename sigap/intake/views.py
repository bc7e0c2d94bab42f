"""Pages of the public report (/lapor/) and of intake and triage for staff (/laporan/)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from sigap.accounts.models import Agency, User
from sigap.accounts.selectors import agency_list
from sigap.core.access import PUBLIC, can, require, rule
from sigap.core.forms import add_service_errors as _add_errors
from sigap.core.middleware import client_ip
from sigap.core.pagination import paginate
from sigap.core.search_audit import audit_search
from sigap.intake import ratelimit, selectors, services, tracking
from sigap.intake.forms import (
    AssignForm,
    CloseForm,
    MergeForm,
    OpenCaseForm,
    OutreachChildForm,
    OutreachForm,
    PublicReportForm,
    QueueFilterForm,
    ReferForm,
    Refused,
    ScreeningForm,
    StaffReportForm,
    TrackingForm,
)
from sigap.intake.models import Channel, Notification, Report


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


# --- public -----------------------------------------------------------------------------------------


@rule(PUBLIC)
@never_cache
def public_report(request: HttpRequest) -> HttpResponse:
    """The public report form: no login, one page, made for a phone."""
    if request.method != "POST":
        form = PublicReportForm(villages=selectors.home_villages())
        return render(request, "intake/public_report.html", {"form": form})
    # The kelurahan list is for showing the form again; a valid value is checked without it.
    form = PublicReportForm(request.POST, request.FILES)
    refused = ""
    status = 422
    retry_after = 0
    if form.is_valid():
        try:
            form.check_guards()
        except Refused as exc:
            refused, status = str(exc), 400
            form.with_fresh_token()
        else:
            verdict = ratelimit.hit(key=ratelimit.address_key(client_ip(request)))
            if not verdict.allowed:
                refused, status = _rate_limited_message(verdict.retry_after), 429
                retry_after = verdict.retry_after
            else:
                try:
                    report = services.public_report_submit(
                        details=form.details(),
                        photos=form.cleaned_data["photos"],
                        channel=Channel.WEB,
                        submitter_hash=ratelimit.address_key(client_ip(request)),
                        submission_key=form.nonce,
                    )
                except ValidationError as exc:
                    _add_errors(form, exc)
                else:
                    url = reverse("public:status", kwargs={"code": report.tracking_code})
                    return redirect(f"{url}?baru=1")
    form.set_villages(selectors.home_villages())
    response = render(
        request,
        "intake/public_report.html",
        {"form": form, "refused": refused, "photos_dropped": bool(request.FILES)},
        status=status,
    )
    if status == 429:
        response["Retry-After"] = str(retry_after)
    return response


def _rate_limited_message(seconds: int) -> str:
    minutes = max(1, (seconds + 59) // 60)
    return _(
        "Too many reports have been sent from this connection. Please try again in "
        "%(minutes)d minutes, or call SAPA 129."
    ) % {"minutes": minutes}


@rule(PUBLIC)
@never_cache
@require_GET
def tracking_lookup(request: HttpRequest) -> HttpResponse:
    form = TrackingForm(request.GET or None)
    if request.GET and form.is_valid():
        return redirect("public:status", code=form.cleaned_data["code"])
    return render(
        request,
        "intake/public_tracking.html",
        {"form": form},
        status=422 if form.errors else 200,
    )


@rule(PUBLIC)
@never_cache
@require_GET
def tracking_status(request: HttpRequest, code: str) -> HttpResponse:
    normalized = tracking.normalize(code)
    if normalized is None:
        form = TrackingForm({"code": code})
        form.is_valid()
        return render(request, "intake/public_tracking.html", {"form": form}, status=422)
    if normalized != code:
        return redirect("public:status", code=normalized)
    report = services.public_status(code=normalized)
    if report is None:
        return render(
            request,
            "intake/public_tracking.html",
            {"form": TrackingForm(initial={"code": tracking.display(normalized)}), "unknown": True},
            status=404,
        )
    return render(
        request,
        "intake/public_status.html",
        {
            "code": tracking.display(normalized),
            "stage": report.public_stage,
            "updated_at": report.stage_changed_at,
            "is_new": request.GET.get("baru") == "1",
        },
    )


# --- staff: queue and intake --------------------------------------------------------------------------


@rule("intake.queue")
def queue(request: HttpRequest) -> HttpResponse:
    form = QueueFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    reports = selectors.report_list_for(user=_user(request), filters=filters)
    page = paginate(request, reports, cap=10_000)
    # A search or a filtered queue is an audit event: reports hold children's names and the
    # reporters' details. A reference is kept as typed, anything else only as a digest; the
    # open queue is the default page, no filter.
    search = dict(filters)
    term = search.pop("q", "")
    search["status"] = "" if search.get("status") == "open" else search.get("status", "")
    audit_search(
        actor=_user(request),
        action="report.search",
        term=selectors.queue_reference(term) or term,
        filters=search,
    )
    return render(request, "intake/queue.html", {"form": form, "page": page})


@rule("intake.record")
def report_record(request: HttpRequest) -> HttpResponse:
    villages = selectors.home_villages()
    form = StaffReportForm(request.POST or None, request.FILES or None, villages=villages)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            report = services.staff_report_record(
                actor=_user(request),
                details=form.details(),
                channel=d["channel"],
                photos=d["photos"],
                child_name=d["child_name"],
                child_sex=d["child_sex"],
                child_age=d["child_age"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request, _("Report %(ref)s has been recorded.") % {"ref": report.reference}
            )
            return redirect("intake:report_detail", pk=report.pk)
    return render(
        request,
        "intake/report_form.html",
        {"form": form, "photos_dropped": bool(request.FILES) and bool(form.errors)},
        status=422 if form.errors else 200,
    )


def _detail_context(request: HttpRequest, report: Report) -> dict[str, Any]:
    user = _user(request)
    can_triage = report.is_open and can(user, "intake.triage", report)
    return {
        "report": report,
        "open_case_url": reverse("intake:report_open_case", kwargs={"pk": report.pk})
        if can_triage
        else "",
        "photos": list(report.photos.all()),
        "can_triage": can_triage,
        "can_view_reporter": can(user, "intake.view_reporter", report),
        "is_overdue": report.is_overdue(),
        "screening_form": ScreeningForm(
            initial={
                "immediate_danger": report.immediate_danger,
                "injury": report.injury,
                "very_young": report.very_young,
                "out_at_night": report.out_at_night,
                "trafficking_signs": report.trafficking_signs,
                "version": report.version,
            }
        )
        if can_triage
        else None,
        "assign_form": AssignForm(
            initial={"assignee": report.assigned_to_id, "version": report.version},
            officers=services.assignable_officers(regency_code=report.regency_code),
        )
        if can_triage
        else None,
        "merged_reports": list(report.merged_reports.all()),
    }


@rule("intake.view")
def report_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    report = selectors.report_get_for(user=_user(request), pk=pk)
    return render(request, "intake/report_detail.html", _detail_context(request, report))


@rule("intake.view_reporter")
@never_cache
def report_reporter(request: HttpRequest, pk: Any) -> HttpResponse:
    """The reporter's identity: a separate, audited read."""
    user = _user(request)
    report = selectors.report_get_for(user=user, pk=pk, audit=False)
    selectors.report_reporter_for(user=user, report=report)
    template = "intake/report_reporter.html"
    if request.headers.get("HX-Request"):
        template += "#reporter"
    return render(request, template, {"report": report})


@rule("intake.view")
@never_cache
@require_GET
def report_photo(request: HttpRequest, pk: Any, photo: Any) -> FileResponse:
    found = selectors.report_photo_get_for(user=_user(request), report_pk=pk, photo_pk=photo)
    try:
        handle = found.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle, content_type=found.content_type)
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "private, no-store"
    return response


def _triage_target(request: HttpRequest, pk: Any) -> Report:
    report = selectors.report_get_for(user=_user(request), pk=pk, audit=False)
    require(_user(request), "intake.triage", report)
    return report


def _render_detail_with(request: HttpRequest, report: Report, **forms: Any) -> HttpResponse:
    context = _detail_context(request, report)
    context.update(forms)
    return render(request, "intake/report_detail.html", context, status=422)


@rule("intake.triage")
@require_POST
def report_screen(request: HttpRequest, pk: Any) -> HttpResponse:
    report = _triage_target(request, pk)
    form = ScreeningForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            report = services.report_screen(
                actor=_user(request),
                report=report,
                immediate_danger=d["immediate_danger"],
                injury=d["injury"],
                very_young=d["very_young"],
                out_at_night=d["out_at_night"],
                trafficking_signs=d["trafficking_signs"],
                version=d["version"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request,
                _("Screening saved: priority %(priority)s.")
                % {"priority": report.get_priority_display()},
            )
            return redirect("intake:report_detail", pk=report.pk)
    return _render_detail_with(request, report, screening_form=form)


@rule("intake.triage")
@require_POST
def report_assign(request: HttpRequest, pk: Any) -> HttpResponse:
    report = _triage_target(request, pk)
    form = AssignForm(
        request.POST, officers=services.assignable_officers(regency_code=report.regency_code)
    )
    if form.is_valid():
        try:
            report = services.report_assign(
                actor=_user(request),
                report=report,
                assignee=form.cleaned_data["assignee"],
                version=form.cleaned_data["version"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request,
                _("Assigned to %(name)s.") % {"name": report.assigned_to.display_name},  # type: ignore[union-attr]
            )
            return redirect("intake:report_detail", pk=report.pk)
    return _render_detail_with(request, report, assign_form=form)


def _outcome_page(
    request: HttpRequest,
    report: Report,
    form: Any,
    template: str,
    **extra: Any,
) -> HttpResponse:
    return render(
        request,
        template,
        {"report": report, "form": form, **extra},
        status=422 if form.errors else 200,
    )


@rule("intake.triage")
def report_close(request: HttpRequest, pk: Any) -> HttpResponse:
    report = _triage_target(request, pk)
    form = CloseForm(request.POST or None, initial={"version": report.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.report_close(
                actor=_user(request),
                report=report,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
                version=form.cleaned_data["version"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The report has been closed."))
            return redirect("intake:report_detail", pk=report.pk)
    return _outcome_page(request, report, form, "intake/report_close.html")


def _refer_agencies(user: User) -> Any:
    own = [m.agency_id for m in user.active_memberships]
    return agency_list().exclude(pk__in=own)


@rule("intake.triage")
def report_refer(request: HttpRequest, pk: Any) -> HttpResponse:
    report = _triage_target(request, pk)
    user = _user(request)
    form = ReferForm(
        request.POST or None, initial={"version": report.version}, agencies=_refer_agencies(user)
    )
    if request.method == "POST" and form.is_valid():
        agency: Agency = form.cleaned_data["agency"]
        try:
            services.report_refer(
                actor=user,
                report=report,
                agency=agency,
                note=form.cleaned_data["note"],
                version=form.cleaned_data["version"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request, _("The report has been referred to %(agency)s.") % {"agency": agency.name}
            )
            return redirect("intake:report_detail", pk=report.pk)
    return _outcome_page(request, report, form, "intake/report_refer.html")


@rule("intake.triage")
def report_merge(request: HttpRequest, pk: Any) -> HttpResponse:
    report = _triage_target(request, pk)
    user = _user(request)
    candidates = selectors.merge_candidates_for(user=user, report=report)
    form = MergeForm(
        request.POST or None, initial={"version": report.version}, candidates=candidates
    )
    if request.method == "POST" and form.is_valid():
        into = form.candidates[form.cleaned_data["into"]]
        try:
            services.report_merge(
                actor=user, report=report, into=into, version=form.cleaned_data["version"]
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request,
                _("The report has been merged into %(ref)s.") % {"ref": into.reference},
            )
            return redirect("intake:report_detail", pk=into.pk)
    return _outcome_page(request, report, form, "intake/report_merge.html", candidates=candidates)


@rule("intake.triage")
def report_open_case(request: HttpRequest, pk: Any) -> HttpResponse:
    """Open a case: the possible duplicates among the children the officer may see come first,
    then "register a new child"; the children and cases services do the rest."""
    from sigap.children.selectors import child_search

    report = _triage_target(request, pk)
    user = _user(request)
    # The officer's own search comes first (the box shows the report's name until they type);
    # a typed search of the registry is an audit event like the child list's.
    typed = request.GET.get("q", "").strip()[:200]
    name = typed or report.child_name
    candidates = child_search(user=user, q=name, limit=10)[0] if name else []
    audit_search(actor=user, action="child.search", term=typed, filters={}, via="intake")
    initial = {
        "version": report.version,
        "full_name": report.child_name,
        "sex": report.child_sex if report.child_sex in ("male", "female") else "",
        "estimated_age": report.child_age,
        "child": "" if candidates else "new",
    }
    form = OpenCaseForm(request.POST or None, initial=initial, candidates=candidates)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.report_open_case(
                actor=user,
                report=report,
                child=form.candidates.get(d["child"]),
                full_name=d["full_name"],
                sex=d["sex"],
                estimated_age=d["estimated_age"],
                summary=d["summary"],
                version=d["version"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            report.refresh_from_db()
            messages.success(
                request,
                _("Case %(number)s has been opened.") % {"number": report.case.number},  # type: ignore[union-attr]
            )
            return redirect(report.case.get_absolute_url())  # type: ignore[union-attr]
    return _outcome_page(
        request,
        report,
        form,
        "intake/report_open_case.html",
        candidates=candidates,
        search=name,
        can_open=services.case_agency_for(user, report) is not None,
    )


# --- outreach --------------------------------------------------------------------------------------------


@rule("intake.outreach")
def outreach_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:100]
    operations = selectors.outreach_list_for(user=_user(request), filters={"q": q})
    return render(
        request, "intake/outreach_list.html", {"page": paginate(request, operations), "q": q}
    )


@rule("intake.outreach")
def outreach_create(request: HttpRequest) -> HttpResponse:
    form = OutreachForm(
        request.POST or None,
        districts=selectors.home_districts(),
        agencies=agency_list(),
    )
    if request.method == "POST" and form.is_valid():
        try:
            operation = services.outreach_create(actor=_user(request), **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request, _("The operation has been recorded. Now add the children found.")
            )
            return redirect("intake:outreach_detail", pk=operation.pk)
    return render(
        request, "intake/outreach_form.html", {"form": form}, status=422 if form.errors else 200
    )


@rule("intake.outreach")
def outreach_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    """The operation, the children found so far, and the short form for the next child."""
    user = _user(request)
    operation = selectors.outreach_get_for(user=user, pk=pk)
    form = OutreachChildForm(request.POST or None, villages=selectors.home_villages())
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            report = services.outreach_child_add(
                actor=user,
                operation=operation,
                child_name=d["child_name"],
                child_age=d["child_age"],
                child_sex=d["child_sex"],
                activity=d["activity"],
                found_time=d["found_time"],
                location=d["location"],
                kelurahan=d["kelurahan"],
                origin_text=d["origin_text"],
                accompanying_adult=d["accompanying_adult"],
                notes=d["notes"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(name)s has been added (%(ref)s). Add the next child or finish.")
                % {"name": report.child_name, "ref": report.reference},
            )
            return redirect("intake:outreach_detail", pk=operation.pk)
    return render(
        request,
        "intake/outreach_detail.html",
        {
            "operation": operation,
            "reports": list(selectors.outreach_reports(operation=operation)),
            "form": form,
        },
        status=422 if form.errors else 200,
    )


# --- notifications ------------------------------------------------------------------------------------------


@rule("intake.notifications")
def notification_list(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("unread") == "1"
    notifications = selectors.notification_list_for(user=_user(request), unread_only=unread_only)
    return render(
        request,
        "intake/notification_list.html",
        {"page": paginate(request, notifications), "unread_only": unread_only},
    )


@rule("intake.notifications")
@require_POST
def notification_read(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    notification = None
    raw_id = request.POST.get("id", "").strip()
    if raw_id:
        if not raw_id.isdigit():
            raise Http404
        notification = Notification.objects.filter(recipient=user, pk=int(raw_id)).first()
        if notification is None:
            raise Http404
    services.notification_mark_read(actor=user, notification=notification)
    if notification is not None and notification.link.startswith("/"):
        return redirect(notification.link)
    return redirect("intake:notification_list")
