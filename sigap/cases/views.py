"""Case pages. Thin: parse the form, fetch through a selector (404 when the case is not
visible), check the policy (403 only for someone who can see the case), call a service, render.
A stale form (StaleVersion) shows the conflict page with both versions and saves nothing."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sigap.accounts.models import User
from sigap.cases import forms, selectors, services
from sigap.cases.extensions import case_links_for
from sigap.cases.models import (
    GATE_HELP,
    STAGE_ORDER,
    ActionStatus,
    ApprovalKind,
    ApprovalStatus,
    Case,
    CategoryKind,
    ClosureReason,
    Gate,
    Stage,
    TransitionError,
    unmet_gate,
)
from sigap.cases.policies import case_access
from sigap.cases.sections import sexual_violence_details_hidden, without_details
from sigap.cases.services import StaleVersion
from sigap.cases.timeline import case_timeline
from sigap.children.selectors import child_get_for, person_list_for
from sigap.core.access import require, rule
from sigap.core.forms import add_service_errors as _add_errors
from sigap.core.pagination import paginate
from sigap.core.search_audit import audit_search

LIST_COUNT_CAP = 1000
TIMELINE_ON_PAGE = 100


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _case(request: HttpRequest, pk: Any, action: str = "case.view") -> Case:
    case = selectors.case_get_for(user=_user(request), case_id=pk)
    require(_user(request), action, case)
    return case


def _render_form(
    request: HttpRequest, template: str, context: dict[str, Any], form: Any
) -> HttpResponse:
    context.setdefault("form", form)
    return render(request, template, context, status=422 if form.errors else 200)


def _display(value: Any, field: Any = None) -> str:
    if value in (None, "", [], ()):
        return "—"
    if field is not None and hasattr(field, "choices") and field.choices:
        labels = dict(field.choices)
        if isinstance(value, list | tuple):
            return ", ".join(str(labels.get(v, v)) for v in value)
        return str(labels.get(value, value))
    if hasattr(value, "display_name"):
        return str(value.display_name)
    return str(value)


def _conflict(
    request: HttpRequest,
    *,
    case: Case,
    form: Any,
    current: dict[str, Any],
    back_url: str,
) -> HttpResponse:
    """409: the record changed since the form was loaded. Show what the user sent next to what
    is saved now, field by field; nothing was overwritten."""
    rows = []
    for name, field in form.fields.items():
        if name == "version" or field.widget.is_hidden:
            continue
        yours = form.cleaned_data.get(name) if hasattr(form, "cleaned_data") else None
        theirs = current.get(name)
        rows.append(
            {
                "label": field.label,
                "yours": _display(yours, field),
                "current": _display(theirs, field),
                "differs": _display(yours, field) != _display(theirs, field),
            }
        )
    return render(
        request,
        "cases/conflict.html",
        {"case": case, "rows": rows, "back_url": back_url},
        status=409,
    )


# --- list and detail ----------------------------------------------------------------------------


@rule("case.list")
def case_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = forms.CaseFilterForm(request.GET or None, workers=selectors.workers_for(user=user))
    filters = form.filters()
    cases = selectors.case_list_for(user=user, filters=filters)
    page = paginate(request, cases, cap=LIST_COUNT_CAP)
    # A search or a filtered list is an audit event (never the name or NIK searched for).
    search = asdict(filters)
    audit_search(actor=user, action="case.search", term=search.pop("q"), filters=search)
    return render(
        request,
        "cases/case_list.html",
        {"form": form, "page": page, "filtered": bool(request.GET.dict().keys() - {"page"})},
    )


def _stage_progress(case: Case) -> list[dict[str, Any]]:
    current = STAGE_ORDER.index(case.stage)
    return [
        {
            "value": s,
            "label": Stage(s).label,
            "state": "done" if i < current else "current" if i == current else "todo",
        }
        for i, s in enumerate(STAGE_ORDER)
    ]


def _next_steps(case: Case, detail: selectors.CaseDetail) -> list[dict[str, Any]]:
    """The moves the table allows from here, each with its unmet gate explained (if any)."""
    steps = []
    approved_closures = [
        a
        for a in detail.approvals
        if a.kind == ApprovalKind.CLOSURE and a.status == ApprovalStatus.APPROVED and not a.used_at
    ]
    for target in case.allowed_next_stages:
        step: dict[str, Any] = {"to": target, "label": Stage(target).label}
        gate: str | None
        if target == Stage.CLOSURE:
            step["closure_reasons"] = [
                (a.closure_reason, ClosureReason(a.closure_reason).label) for a in approved_closures
            ]
            step["closure_pending"] = any(
                a.kind == ApprovalKind.CLOSURE for a in detail.open_approvals
            )
            gate = None if approved_closures else Gate.CLOSURE_APPROVAL
        elif case.stage == Stage.CLOSURE:
            step["reopen"] = True
            gate = None
        else:
            gate = unmet_gate(case, target)
        step["gate"] = gate
        step["gate_label"] = Gate(gate).label if gate else ""
        step["gate_help"] = GATE_HELP[gate] if gate else ""
        steps.append(step)
    return steps


@rule("case.view")
def case_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    user = _user(request)
    case = _case(request, pk)
    detail = selectors.case_detail_for(case=case)
    services.case_record_view(actor=user, case=case)
    # Details of sexual violence: hidden from who holds neither the default role nor a grant.
    hidden = sexual_violence_details_hidden(user, case)
    timeline = case_timeline(case, limit=TIMELINE_ON_PAGE)
    return render(
        request,
        "cases/case_detail.html",
        {
            "case": case,
            "detail": detail,
            "access": case_access(user, case),
            "progress": _stage_progress(case),
            "next_steps": _next_steps(case, detail),
            "details_hidden": hidden,
            "timeline": without_details(timeline) if hidden else timeline,
            "note_form": forms.NoteForm(initial={"occurred_on": timezone.localdate()}),
            "ampk_labels": case.labels(CategoryKind.AMPK),
            "violence_labels": case.labels(CategoryKind.VIOLENCE),
            "root_cause_labels": case.labels(CategoryKind.ROOT_CAUSE),
            "action_statuses": ActionStatus.choices,
            "case_links": case_links_for(user, case),
        },
    )


@rule("case.open")
def case_open(request: HttpRequest, child_id: Any) -> HttpResponse:
    user = _user(request)
    child = child_get_for(user=user, child_id=child_id)
    require(user, "case.open", child)
    merged = services.merged_record_message(user, child)
    if merged is not None:
        # The child's page names the record that stands for the child now.
        messages.error(request, merged)
        return redirect(child)
    agencies = selectors.lead_agencies_for(user=user)
    form = forms.CaseOpenForm(
        request.POST or None, agencies=agencies, workers=selectors.workers_for(user=user)
    )
    if request.method == "POST" and form.is_valid():
        try:
            case = services.case_open(actor=user, child=child, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request, _("Case %(number)s has been opened.") % {"number": case.number}
            )
            return redirect(case)
    return _render_form(request, "cases/case_open.html", {"child": child}, form)


@rule("case.work")
def case_edit(request: HttpRequest, pk: Any) -> HttpResponse:
    user = _user(request)
    case = _case(request, pk, "case.work")
    initial = forms.CaseEditForm.initial_for(case)
    form = forms.CaseEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            services.case_update(actor=user, case=case, version=version, **data)
        except StaleVersion as exc:
            fresh = selectors.case_get_for(user=user, case_id=case.pk)
            assert isinstance(exc.current, Case)
            return _conflict(
                request,
                case=case,
                form=form,
                current=forms.CaseEditForm.initial_for(fresh),
                back_url=request.path,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The case has been saved."))
            return redirect(case)
    return _render_form(request, "cases/case_edit.html", {"case": case}, form)


@rule("case.work")
def case_risk(request: HttpRequest, pk: Any) -> HttpResponse:
    user = _user(request)
    case = _case(request, pk, "case.work")
    form = forms.RiskForm(
        request.POST or None, initial={"version": case.version, "risk_level": case.risk_level}
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.case_change_risk(
                actor=user,
                case=case,
                version=d["version"],
                risk_level=d["risk_level"],
                reason=d["reason"],
            )
        except StaleVersion as exc:
            current = exc.current
            return _conflict(
                request,
                case=case,
                form=form,
                current={
                    "risk_level": getattr(current, "risk_level", ""),
                    "reason": getattr(current, "risk_reason", ""),
                },
                back_url=request.path,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The risk level has been changed."))
            return redirect(case)
    return _render_form(request, "cases/case_risk.html", {"case": case}, form)


@rule("case.work")
def case_transition(request: HttpRequest, pk: Any) -> HttpResponse:
    """GET: confirm a move (with its reason); POST: apply it, or explain the unmet gate."""
    user = _user(request)
    case = _case(request, pk, "case.work")
    target = request.POST.get("to") or request.GET.get("to", "")
    form = forms.TransitionForm(
        request.POST or None, initial={"to": target, "version": case.version}
    )
    gate_message = ""
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        reason = d["closure_reason"] if d["to"] == Stage.CLOSURE else d["reason"]
        try:
            services.case_transition(
                actor=user, case=case, to=d["to"], reason=reason, version=d["version"]
            )
        except StaleVersion:
            messages.warning(
                request,
                _(
                    "The case was changed by someone else meanwhile; nothing was saved. Check it and try again."
                ),
            )
            return redirect(case)
        except TransitionError as exc:
            if exc.gate is None:
                messages.error(request, exc.message)
                return redirect(case)
            gate_message = exc.message
        else:
            messages.success(
                request, _("The case is now at: %(stage)s.") % {"stage": Stage(d["to"]).label}
            )
            return redirect(case)
    if target not in Stage.values or target not in case.allowed_next_stages:
        messages.error(request, _("This move is not possible from the current stage."))
        return redirect(case)
    detail = selectors.case_detail_for(case=case)
    step = next(s for s in _next_steps(case, detail) if s["to"] == target)
    return render(
        request,
        "cases/case_transition.html",
        {"case": case, "form": form, "step": step, "gate_message": gate_message},
        status=409 if gate_message else (422 if form.errors else 200),
    )


# --- assessments ----------------------------------------------------------------------------------


@rule("case.work")
def assessment_edit(
    request: HttpRequest, pk: Any, assessment_id: int | None = None
) -> HttpResponse:
    user = _user(request)
    case = _case(request, pk, "case.work")
    assessment = (
        selectors.assessment_get_for(case=case, assessment_id=assessment_id)
        if assessment_id
        else None
    )
    initial: dict[str, Any] = {}
    if assessment is not None:
        initial = {f: getattr(assessment, f) for f in services.ASSESSMENT_FIELDS}
        initial["version"] = assessment.version
    form = forms.AssessmentForm(request.POST or None, initial=initial)
    if assessment is not None and assessment.status == "completed":
        return render(
            request, "cases/assessment_view.html", {"case": case, "assessment": assessment}
        )
    if request.method == "POST" and form.is_valid():
        complete = "complete" in request.POST
        data = form.data_for_service()
        try:
            if assessment is None:
                assessment = services.assessment_create(
                    actor=user, case=case, complete=complete, **data
                )
            else:
                assessment = services.assessment_update(
                    actor=user,
                    assessment=assessment,
                    version=form.cleaned_data["version"] or assessment.version,
                    complete=complete,
                    **data,
                )
        except StaleVersion as exc:
            return _conflict(
                request,
                case=case,
                form=form,
                current={f: getattr(exc.current, f) for f in services.ASSESSMENT_FIELDS},
                back_url=request.path,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request,
                _("The assessment has been completed.")
                if complete
                else _("The assessment draft has been saved."),
            )
            return redirect(case.get_absolute_url() + "#assessment")
    return _render_form(
        request, "cases/assessment_form.html", {"case": case, "assessment": assessment}, form
    )


# --- plans ------------------------------------------------------------------------------------------


@rule("case.work")
def plan_edit(request: HttpRequest, pk: Any, plan_id: int | None = None) -> HttpResponse:
    user = _user(request)
    case = _case(request, pk, "case.work")
    plan = selectors.plan_get_for(case=case, plan_id=plan_id) if plan_id else None
    initial = {"goals": plan.goals, "version": plan.version} if plan else {}
    form = forms.PlanForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if plan is None:
                plan = services.plan_create(actor=user, case=case, goals=form.cleaned_data["goals"])
            else:
                plan = services.plan_update(
                    actor=user,
                    plan=plan,
                    version=form.cleaned_data["version"] or plan.version,
                    goals=form.cleaned_data["goals"],
                )
        except StaleVersion as exc:
            return _conflict(
                request,
                case=case,
                form=form,
                current={"goals": getattr(exc.current, "goals", "")},
                back_url=request.path,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The plan has been saved."))
            return redirect(case.get_absolute_url() + "#plan")
    return _render_form(request, "cases/plan_form.html", {"case": case, "plan": plan}, form)


@rule("case.work")
def plan_action_add(request: HttpRequest, pk: Any, plan_id: int) -> HttpResponse:
    user = _user(request)
    case = _case(request, pk, "case.work")
    plan = selectors.plan_get_for(case=case, plan_id=plan_id)
    form = forms.PlanActionForm(
        request.POST or None, initial={"responsible_agency": case.lead_agency_id}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_action_add(actor=user, plan=plan, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The action has been added to the plan."))
            return redirect(case.get_absolute_url() + "#plan")
    return _render_form(request, "cases/plan_action_form.html", {"case": case, "plan": plan}, form)


@rule("case.work")
@require_POST
def plan_action_status(request: HttpRequest, pk: Any, action_id: int) -> HttpResponse:
    user = _user(request)
    case = _case(request, pk, "case.work")
    action = selectors.plan_action_get_for(case=case, action_id=action_id)
    form = forms.ActionStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a status."))
        return redirect(case.get_absolute_url() + "#plan")
    try:
        services.plan_action_set_status(
            actor=user,
            action=action,
            version=form.cleaned_data["version"],
            status=form.cleaned_data["status"],
        )
    except StaleVersion as exc:
        return _conflict(
            request,
            case=case,
            form=form,
            current={"status": getattr(exc.current, "status", "")},
            back_url=case.get_absolute_url() + "#plan",
        )
    messages.success(request, _("The action status has been updated."))
    return redirect(case.get_absolute_url() + "#plan")


@rule("case.work")
def plan_submit(request: HttpRequest, pk: Any, plan_id: int) -> HttpResponse:
    user = _user(request)
    case = _case(request, pk, "case.work")
    plan = selectors.plan_get_for(case=case, plan_id=plan_id)
    form = forms.PlanSubmitForm(request.POST or None, initial={"version": plan.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_submit(
                actor=user,
                plan=plan,
                version=form.cleaned_data["version"],
                note=form.cleaned_data["note"],
            )
        except StaleVersion:
            messages.warning(
                request, _("The plan was changed meanwhile; check it and submit again.")
            )
            return redirect(case.get_absolute_url() + "#plan")
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The plan has been sent to a supervisor for approval."))
            return redirect(case.get_absolute_url() + "#plan")
    return _render_form(request, "cases/plan_submit.html", {"case": case, "plan": plan}, form)


# --- closure and approvals ---------------------------------------------------------------------------


@rule("case.work")
def closure_request(request: HttpRequest, pk: Any) -> HttpResponse:
    user = _user(request)
    case = _case(request, pk, "case.work")
    form = forms.ClosureRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.closure_request(
                actor=user,
                case=case,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Closure has been requested from a supervisor."))
            return redirect(case)
    return _render_form(request, "cases/closure_request.html", {"case": case}, form)


@rule("approval.queue")
def approval_queue(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", ApprovalStatus.REQUESTED)
    if status not in ApprovalStatus.values and status != "":
        status = ApprovalStatus.REQUESTED
    approvals = selectors.approval_queue_for(user=_user(request), status=status)
    return render(
        request,
        "cases/approval_queue.html",
        {
            "page": paginate(request, approvals),
            "status": status,
            "statuses": ApprovalStatus.choices,
        },
    )


@rule("approval.queue")
def approval_decide(request: HttpRequest, approval_id: int) -> HttpResponse:
    user = _user(request)
    approval = selectors.approval_get_for(user=user, approval_id=approval_id)
    form = forms.ApprovalDecisionForm(request.POST or None)
    own = approval.requested_by_id == user.pk
    if request.method == "POST" and form.is_valid():
        require(user, "approval.decide", approval)
        try:
            services.approval_decide(
                actor=user,
                approval=approval,
                approve=form.cleaned_data["decision"] == "approve",
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Your decision has been recorded."))
            return redirect("cases:approval-queue")
    plan = None
    if approval.plan_id:
        plan = selectors.plan_get_for(case=approval.case, plan_id=approval.plan_id)
    return _render_form(
        request,
        "cases/approval_decide.html",
        {
            "approval": approval,
            "own": own,
            "plan": plan,
            "actions": plan.actions.select_related("responsible_agency") if plan else [],
        },
        form,
    )


# --- notes ------------------------------------------------------------------------------------------


@rule("case.note")
def note_add(request: HttpRequest, pk: Any) -> HttpResponse:
    user = _user(request)
    case = _case(request, pk, "case.note")
    form = forms.NoteForm(request.POST or None, initial={"occurred_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.note_add(
                actor=user, case=case, kind=d["kind"], occurred_on=d["occurred_on"], text=d["text"]
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The note has been added."))
            return redirect(case.get_absolute_url() + "#notes")
    return _render_form(request, "cases/note_form.html", {"case": case, "note": None}, form)


@rule("case.note")
def note_edit(request: HttpRequest, pk: Any, note_id: int) -> HttpResponse:
    user = _user(request)
    case = _case(request, pk, "case.note")
    note = selectors.note_get_for(case=case, note_id=note_id)
    if note.author_id != user.pk:
        return render(request, "403.html", status=403)
    form = forms.NoteForm(
        request.POST or None,
        initial={
            "version": note.version,
            "kind": note.kind,
            "occurred_on": note.occurred_on,
            "text": note.text,
        },
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.note_update(
                actor=user,
                note=note,
                version=d["version"] or note.version,
                kind=d["kind"],
                occurred_on=d["occurred_on"],
                text=d["text"],
            )
        except StaleVersion as exc:
            current = exc.current
            return _conflict(
                request,
                case=case,
                form=form,
                current={f: getattr(current, f) for f in ("kind", "occurred_on", "text")},
                back_url=request.path,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The note has been saved."))
            return redirect(case.get_absolute_url() + "#notes")
    return _render_form(request, "cases/note_form.html", {"case": case, "note": note}, form)


@rule("case.view")
def note_list(request: HttpRequest, pk: Any) -> HttpResponse:
    user = _user(request)
    case = _case(request, pk)
    page = paginate(request, selectors.case_notes_for(case=case))
    services.case_record_view(actor=user, case=case, via="notes")
    return render(
        request,
        "cases/note_list.html",
        {
            "case": case,
            "page": page,
            "details_hidden": sexual_violence_details_hidden(user, case),
        },
    )


# --- team and people ---------------------------------------------------------------------------------


@rule("case.team")
def team_add(request: HttpRequest, pk: Any) -> HttpResponse:
    user = _user(request)
    case = _case(request, pk, "case.team")
    form = forms.TeamAddForm(request.POST or None, candidates=selectors.team_candidates(case=case))
    if request.method == "POST" and form.is_valid():
        try:
            services.team_member_add(actor=user, case=case, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The team has been updated."))
            return redirect(case.get_absolute_url() + "#team")
    return _render_form(request, "cases/team_form.html", {"case": case}, form)


@rule("case.team")
def team_end(request: HttpRequest, pk: Any, member_id: int) -> HttpResponse:
    user = _user(request)
    case = _case(request, pk, "case.team")
    member = selectors.team_member_get_for(case=case, member_id=member_id)
    if request.method == "POST":
        services.team_member_end(actor=user, member=member)
        messages.success(
            request,
            _("%(name)s is no longer on the case team.") % {"name": member.user.display_name},
        )
        return redirect(case.get_absolute_url() + "#team")
    return render(request, "cases/team_end_confirm.html", {"case": case, "member": member})


@rule("case.work")
def person_link(request: HttpRequest, pk: Any) -> HttpResponse:
    user = _user(request)
    case = _case(request, pk, "case.work")
    form = forms.PersonLinkForm(request.POST or None, persons=person_list_for(user=user))
    if request.method == "POST" and form.is_valid():
        try:
            services.case_person_link(actor=user, case=case, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The person has been linked to the case."))
            return redirect(case.get_absolute_url() + "#people")
    return _render_form(request, "cases/person_link_form.html", {"case": case}, form)


@rule("case.work")
def person_unlink(request: HttpRequest, pk: Any, link_id: int) -> HttpResponse:
    user = _user(request)
    case = _case(request, pk, "case.work")
    link = selectors.case_person_get_for(case=case, link_id=link_id)
    if request.method == "POST":
        services.case_person_unlink(actor=user, link=link)
        messages.success(request, _("The person is no longer linked to the case."))
        return redirect(case.get_absolute_url() + "#people")
    return render(request, "cases/person_unlink_confirm.html", {"case": case, "link": link})
