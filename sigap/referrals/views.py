"""Pages of referrals, transfers, break-the-glass and the access log. Thin: parse, ask the
policy, call a service or selector, render. A record the user may not know about is a 404."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from sigap.accounts.models import User
from sigap.cases.selectors import case_get_for
from sigap.children.policies import sees_identity_numbers
from sigap.core.access import can, require, rule
from sigap.core.pagination import paginate
from sigap.referrals import forms, selectors, services
from sigap.referrals.models import Kind, Referral, Section, child_consent_age
from sigap.referrals.pdf import transfer_summary_pdf
from sigap.referrals.policies import referral_access
from sigap.referrals.selectors import ReferralFilters

LIST_CAP = 1000

# How the access log names the common events (others show their code).
ACCESS_LABELS = {
    "case.view": gettext_lazy("Opened the case"),
    "child.view": gettext_lazy("Opened the child's record"),
    "child.view_sensitive": gettext_lazy("Opened the child's sensitive data"),
    "referral.view": gettext_lazy("Opened a referral of the case"),
    "referral.section_refused": gettext_lazy("Was refused a section that was not shared"),
    "referral.exported": gettext_lazy("Exported a transfer summary"),
    "case.break_glass": gettext_lazy("Emergency access"),
    "case.opened": gettext_lazy("Opened the case file"),
    "case.transferred": gettext_lazy("Transferred the case"),
    "section.granted": gettext_lazy("Granted a sensitive section"),
    "section.revoked": gettext_lazy("Revoked a grant of a sensitive section"),
}


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _add_errors(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def _referral(request: HttpRequest, pk: Any, action: str = "referral.view") -> Referral:
    referral = selectors.referral_get_for(user=_user(request), referral_id=pk)
    require(_user(request), action, referral)
    return referral


def _form_page(
    request: HttpRequest, template: str, context: dict[str, Any], form: Any
) -> HttpResponse:
    context["form"] = form
    return render(request, template, context, status=422 if form.errors else 200)


# --- lists ----------------------------------------------------------------------------------------


@rule("referral.list")
def referral_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = forms.ReferralFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    filters = ReferralFilters(
        box=data.get("box", ""), status=data.get("status", ""), q=data.get("q", "")
    )
    page = paginate(request, selectors.referral_list_for(user=user, filters=filters), cap=LIST_CAP)
    if filters.q:
        services.referral_record_search(
            actor=user, box=filters.box, q=filters.q, count=page.paginator.count
        )
    return render(
        request,
        "referrals/referral_list.html",
        {
            "form": form,
            "filters": filters,
            "page": page,
            "counts": selectors.inbox_counts_for(user=user),
            "now": timezone.now(),
        },
    )


@rule("referral.list")
def case_referrals(request: HttpRequest, case_id: Any) -> HttpResponse:
    user = _user(request)
    case = case_get_for(user=user, case_id=case_id)
    require(user, "case.view", case, conceal=True)
    return render(
        request,
        "referrals/case_referrals.html",
        {
            "case": case,
            "referrals": selectors.referrals_for_case(user=user, case=case),
            "can_create": can(user, "referral.create", case),
            "can_see_log": can(user, "access.case_log", case),
        },
    )


# --- drafting -------------------------------------------------------------------------------------


@rule("referral.create")
def referral_create(request: HttpRequest, case_id: Any) -> HttpResponse:
    user = _user(request)
    case = case_get_for(user=user, case_id=case_id)
    require(user, "referral.create", case)
    kind = Kind.TRANSFER if request.GET.get("jenis") == "transfer" else Kind.REFERRAL
    agencies = selectors.agencies_for_referral(user=user, case=case)
    initial = {"urgency": "routine", "sections": [Section.IDENTITY, Section.SUMMARY]}
    form = forms.ReferralForm(
        request.POST or None, case=case, kind=kind, agencies=agencies, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            referral = services.referral_create(
                actor=user, case=case, kind=kind, **form.service_data()
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Draft saved. Check it and send it when ready."))
            return redirect(referral)
    context = {"case": case, "kind": kind, "consent_age": child_consent_age()}
    return _form_page(request, "referrals/referral_form.html", context, form)


@rule("referral.edit")
def referral_edit(request: HttpRequest, pk: Any) -> HttpResponse:
    user = _user(request)
    referral = _referral(request, pk, "referral.edit")
    case = referral.case
    agencies = selectors.agencies_for_referral(user=user, case=case)
    initial = {
        "version": referral.version,
        "to_agency": referral.to_agency_id,
        "to_user": referral.to_user_id,
        "to_region": referral.to_region_id,
        "external_recipient": referral.external_recipient,
        "services": referral.services,
        "sections": referral.sections,
        "reason": referral.reason,
        "urgency": referral.urgency,
        "consent_basis": referral.consent_basis,
        "child_view": referral.child_view,
        "guardian": referral.guardian_id,
        "guardian_name": referral.guardian_name,
        "exception_ground": referral.exception_ground,
        "exception_note": referral.exception_note,
    }
    form = forms.ReferralForm(
        request.POST or None, case=case, kind=referral.kind, agencies=agencies, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.referral_update(
                actor=user,
                referral=referral,
                version=form.cleaned_data.get("version") or referral.version,
                **form.service_data(),
            )
        except services.StaleVersion:
            form.add_error(
                None,
                _("Someone else changed this referral while you were editing. Reload the page."),
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Referral saved."))
            return redirect(referral)
    return _form_page(
        request,
        "referrals/referral_form.html",
        {
            "case": case,
            "kind": referral.kind,
            "referral": referral,
            "consent_age": child_consent_age(),
        },
        form,
    )


@rule("referral.edit")
def referral_send(request: HttpRequest, pk: Any) -> HttpResponse:
    user = _user(request)
    referral = _referral(request, pk, "referral.edit")
    problem = services.consent_problem(referral)
    if request.method == "POST":
        try:
            services.referral_send(actor=user, referral=referral)
        except ValidationError as exc:
            errors = [str(m) for msgs in exc.message_dict.values() for m in msgs]
            return render(
                request,
                "referrals/referral_send.html",
                {"referral": referral, "problem": " ".join(errors)},
                status=422,
            )
        messages.success(request, _("Referral sent."))
        return redirect(referral)
    return render(
        request,
        "referrals/referral_send.html",
        {"referral": referral, "problem": problem[1] if problem else ""},
    )


@rule("referral.approve_exception")
def exception_approve(request: HttpRequest, pk: Any) -> HttpResponse:
    user = _user(request)
    referral = _referral(request, pk, "referral.approve_exception")
    if request.method == "POST":
        try:
            services.exception_approve(actor=user, referral=referral)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Exception approved: the referral can be sent."))
        return redirect(referral)
    return render(request, "referrals/exception_approve.html", {"referral": referral})


# --- the referral page ---------------------------------------------------------------------------


@rule("referral.view")
def referral_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    user = _user(request)
    referral = _referral(request, pk)
    access = referral_access(user, referral)
    shared = None
    if access.sees_sections:
        as_of = referral.closed_at if referral.kind == Kind.TRANSFER else None
        shared = selectors.shared_sections_for(referral=referral, as_of=as_of, viewer=user)
    services.referral_record_view(
        actor=user, referral=referral, sections=shared.sections if shared else []
    )
    return render(
        request,
        "referrals/referral_detail.html",
        {
            "referral": referral,
            "access": access,
            "shared": shared,
            "detail": selectors.referral_detail_for(referral=referral),
            "can_identity_numbers": shared is not None
            and shared.child is not None
            and sees_identity_numbers(user, referral.case.child),
            "consent_problem": services.consent_problem(referral)
            if referral.status == "draft"
            else None,
            "service_form": forms.ServiceRecordForm(initial={"delivered_on": timezone.localdate()}),
            "note_form": forms.NoteForm(),
        },
    )


@rule("referral.view")
def referral_section(request: HttpRequest, pk: Any, section: str) -> HttpResponse:
    """One shared section on its own (printable, linkable). A section that is not shared, or no
    longer, is refused with a 404 and an audit event."""
    user = _user(request)
    referral = _referral(request, pk)
    access = referral_access(user, referral)
    if section not in Section.values or not access.sees_sections or not referral.shares(section):
        services.referral_refuse_section(actor=user, referral=referral, section=section)
        raise Http404
    as_of = referral.closed_at if referral.kind == Kind.TRANSFER else None
    shared = selectors.shared_sections_for(referral=referral, as_of=as_of, viewer=user)
    shared.sections = [section]
    services.referral_record_view(actor=user, referral=referral, sections=[section])
    return render(
        request,
        "referrals/referral_section.html",
        {"referral": referral, "shared": shared, "section": Section(section)},
    )


# --- the receiving side -------------------------------------------------------------------------


@rule("referral.respond")
def referral_respond(request: HttpRequest, pk: Any) -> HttpResponse:
    user = _user(request)
    referral = _referral(request, pk, "referral.respond")
    form = forms.RespondForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if form.cleaned_data["decision"] == "accept":
                services.referral_accept(actor=user, referral=referral)
                messages.success(request, _("Accepted. The shared sections are open to you."))
            else:
                services.referral_decline(
                    actor=user, referral=referral, reason=form.cleaned_data["reason"]
                )
                messages.success(request, _("Declined. The referring agency is told why."))
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            return redirect(referral)
    return _form_page(request, "referrals/referral_respond.html", {"referral": referral}, form)


@rule("referral.work")
@require_POST
def referral_start(request: HttpRequest, pk: Any) -> HttpResponse:
    referral = _referral(request, pk, "referral.work")
    try:
        services.referral_start(actor=_user(request), referral=referral)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(referral)


@rule("referral.work")
def service_add(request: HttpRequest, pk: Any) -> HttpResponse:
    user = _user(request)
    referral = _referral(request, pk, "referral.work")
    form = forms.ServiceRecordForm(
        request.POST or None, initial={"delivered_on": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.service_record_add(actor=user, referral=referral, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Service recorded."))
            return redirect(referral)
    return _form_page(request, "referrals/service_form.html", {"referral": referral}, form)


@rule("referral.view")
def referral_complete(request: HttpRequest, pk: Any) -> HttpResponse:
    """The receiver closes its part; for a transfer outside Sigap the sender records handover."""
    user = _user(request)
    referral = _referral(request, pk)
    access = referral_access(user, referral)
    if not (access.can_work or access.can_hand_over):
        raise PermissionDenied
    form = forms.OutcomeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.referral_complete(
                actor=user, referral=referral, outcome=form.cleaned_data["outcome"]
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Closed. The referring agency sees your outcome."))
            return redirect(referral)
    return _form_page(request, "referrals/referral_complete.html", {"referral": referral}, form)


# --- the sending side -----------------------------------------------------------------------------


def _end(request: HttpRequest, pk: Any, action: str, template: str) -> HttpResponse:
    user = _user(request)
    referral = _referral(request, pk, action)
    form = forms.ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        service = (
            services.referral_revoke if action == "referral.revoke" else services.referral_cancel
        )
        try:
            service(actor=user, referral=referral, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            return redirect(referral)
    return _form_page(request, template, {"referral": referral}, form)


@rule("referral.cancel")
def referral_cancel(request: HttpRequest, pk: Any) -> HttpResponse:
    return _end(request, pk, "referral.cancel", "referrals/referral_cancel.html")


@rule("referral.revoke")
def referral_revoke(request: HttpRequest, pk: Any) -> HttpResponse:
    return _end(request, pk, "referral.revoke", "referrals/referral_revoke.html")


@rule("referral.withdraw_consent")
def consent_withdraw(request: HttpRequest, pk: Any) -> HttpResponse:
    user = _user(request)
    referral = _referral(request, pk, "referral.withdraw_consent")
    form = forms.WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.consent_withdraw(actor=user, referral=referral, note=form.cleaned_data["note"])
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Consent withdrawn: sharing has stopped."))
            return redirect(referral)
    return _form_page(request, "referrals/consent_withdraw.html", {"referral": referral}, form)


@rule("referral.note")
@require_POST
def note_add(request: HttpRequest, pk: Any) -> HttpResponse:
    referral = _referral(request, pk, "referral.note")
    form = forms.NoteForm(request.POST)
    if form.is_valid():
        services.note_add(actor=_user(request), referral=referral, text=form.cleaned_data["text"])
        messages.success(request, _("Note added."))
    else:
        messages.error(request, _("Write the note before adding it."))
    return redirect(referral)


# --- transfer exports -----------------------------------------------------------------------------


def _transfer_payload(referral: Referral, user: User) -> dict[str, Any]:
    shared = selectors.shared_sections_for(referral=referral, as_of=referral.closed_at, viewer=user)
    return selectors.transfer_payload(referral=referral, shared=shared)


@rule("referral.export")
def transfer_summary(request: HttpRequest, pk: Any) -> HttpResponse:
    """A print-ready summary (the browser's "Save as PDF" makes the PDF)."""
    user = _user(request)
    referral = _referral(request, pk, "referral.export")
    shared = selectors.shared_sections_for(referral=referral, as_of=referral.closed_at, viewer=user)
    services.referral_record_export(actor=user, referral=referral, export_format="html")
    return render(
        request,
        "referrals/transfer_summary.html",
        {"referral": referral, "shared": shared, "printed_at": timezone.now()},
    )


@rule("referral.export")
def transfer_package(request: HttpRequest, pk: Any) -> HttpResponse:
    """The signed JSON package for a regency that does not run Sigap."""
    user = _user(request)
    referral = _referral(request, pk, "referral.export")
    package = services.package_sign(_transfer_payload(referral, user))
    services.referral_record_export(actor=user, referral=referral, export_format="json")
    response = HttpResponse(
        json.dumps(package, ensure_ascii=False, indent=2, sort_keys=True),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{referral.reference}.json"'
    response["Cache-Control"] = "no-store"
    return response


@rule("referral.export")
def transfer_pdf(request: HttpRequest, pk: Any) -> HttpResponse:
    """The transfer summary as a PDF, with the signed JSON package attached and its signature
    printed (sigap.referrals.pdf). Same rule and audit as the JSON package."""
    user = _user(request)
    referral = _referral(request, pk, "referral.export")
    shared = selectors.shared_sections_for(referral=referral, as_of=referral.closed_at, viewer=user)
    package = services.package_sign(selectors.transfer_payload(referral=referral, shared=shared))
    content = transfer_summary_pdf(referral=referral, shared=shared, package=package)
    services.referral_record_export(actor=user, referral=referral, export_format="pdf")
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{referral.reference}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


# --- sensitive sections --------------------------------------------------------------------------


@rule("section.grants")
def case_section_grants(request: HttpRequest, case_id: Any) -> HttpResponse:
    """The per-case grants of sensitive sections: listed for the case's owner and supervisors,
    made by a supervisor of the lead agency (POST)."""
    user = _user(request)
    case = case_get_for(user=user, case_id=case_id)
    require(user, "section.grants", case)
    may_grant = can(user, "section.grant", case)
    form = None
    if may_grant:
        form = forms.SectionGrantForm(
            request.POST or None, people=selectors.section_grantees_for(case=case)
        )
    if request.method == "POST":
        require(user, "section.grant", case)
        assert form is not None
        if form.is_valid():
            try:
                services.section_grant(actor=user, case=case, **form.cleaned_data)
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("The section has been granted."))
                return redirect("referrals:case-section-grants", case_id=case.pk)
    return render(
        request,
        "referrals/case_section_grants.html",
        {
            "case": case,
            "grants": selectors.section_grants_for_case(case=case),
            "form": form,
            "may_grant": may_grant,
        },
        status=422 if form is not None and form.errors else 200,
    )


@rule("section.grant")
def section_grant_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """Revoke a grant, after a confirmation page."""
    user = _user(request)
    grant = selectors.section_grant_get_for(user=user, grant_id=pk)
    require(user, "section.grant", grant)
    form = forms.SectionRevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.section_grant_revoke(actor=user, grant=grant, note=form.cleaned_data["note"])
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The grant has been revoked."))
            return redirect("referrals:case-section-grants", case_id=grant.case_id)
    return _form_page(request, "referrals/section_revoke.html", {"grant": grant}, form)


@rule("referral.view")
def referral_identity_numbers(request: HttpRequest, pk: Any) -> HttpResponse:
    """The child's NIK and family card through a referral that shares the identity section:
    only for a holder of the identity numbers (a grant, for the receiving side), while the
    sections are open to the user. Refused with a 404 and an audit event otherwise."""
    referral = _referral(request, pk)
    numbers = services.referral_identity_numbers_read(actor=_user(request), referral=referral)
    if numbers is None:
        raise Http404
    template = "referrals/identity_numbers.html"
    if request.headers.get("HX-Request"):
        template += "#numbers"
    return render(
        request,
        template,
        {
            "referral": referral,
            "child": referral.case.child,
            "numbers": numbers,
        },
    )


# --- break-the-glass -----------------------------------------------------------------------------


@rule("access.break_glass")
def break_glass(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = forms.BreakGlassForm(request.POST or None, initial={"number": request.GET.get("nomor")})
    if request.method == "POST" and form.is_valid():
        case = selectors.case_by_number_for_break_glass(
            user=user, number=form.cleaned_data["number"]
        )
        if case is None:
            form.add_error("number", _("No case with this number in your city."))
        else:
            try:
                services.break_glass_open(actor=user, case=case, reason=form.cleaned_data["reason"])
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.warning(
                    request,
                    _("Emergency access opened for %(hours)s hours. It is logged and reviewed.")
                    % {"hours": services.break_glass_hours()},
                )
                return redirect(case)
    return _form_page(request, "referrals/break_glass.html", {}, form)


@rule("access.review")
def emergency_review(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    pending = request.GET.get("semua") != "1"
    page = paginate(request, selectors.emergency_review_list_for(user=user, pending=pending))
    return render(
        request,
        "referrals/emergency_review.html",
        {"page": page, "pending": pending, "now": timezone.now()},
    )


@rule("access.review")
def emergency_review_decide(request: HttpRequest, access_id: int) -> HttpResponse:
    user = _user(request)
    access = selectors.emergency_get_for(user=user, access_id=access_id)
    require(user, "access.review", access)
    form = forms.ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.break_glass_review(actor=user, access=access, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Review recorded."))
            return redirect("referrals:emergency-review")
    return _form_page(request, "referrals/emergency_decide.html", {"access": access}, form)


# --- accountability ------------------------------------------------------------------------------


@rule("access.case_log")
def case_access_log(request: HttpRequest, case_id: Any) -> HttpResponse:
    user = _user(request)
    case = case_get_for(user=user, case_id=case_id)
    require(user, "access.case_log", case)
    page = paginate(request, selectors.case_access_log_for(case=case), per_page=50)
    agencies = selectors.agencies_of_users({e.actor_id for e in page.object_list})
    for event in page.object_list:
        event.label = ACCESS_LABELS.get(event.action, "")
    return render(
        request,
        "referrals/case_access_log.html",
        {
            "case": case,
            "page": page,
            "agencies": agencies,
            "emergencies": selectors.emergency_for_case(case=case),
        },
    )


@rule("access.unusual")
def unusual_access(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    records, minutes = selectors.unusual_thresholds()
    try:
        days = max(1, min(31, int(request.GET.get("hari", "7"))))
    except ValueError:
        days = 7
    rows = selectors.unusual_access_for(user=user, days=days)
    agencies = selectors.agencies_of_users({r.actor_id for r in rows})
    return render(
        request,
        "referrals/unusual_access.html",
        {
            "rows": rows,
            "agencies": agencies,
            "days": days,
            "records": records,
            "minutes": minutes,
        },
    )
