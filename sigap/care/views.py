"""Pages of the care pathway. Thin: parse the form, check the policy, call a service or selector.
A case the user may not see is a 404 (the cases selector); an action on a visible case that the
user may not take is a 403."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sigap.accounts.models import Agency, User
from sigap.care import deadlines, forms, selectors, services
from sigap.care.models import INDICATORS, InterventionKind, RecommendationStatus
from sigap.care.policies import sees_psych_section
from sigap.cases.models import Case
from sigap.cases.services import StaleVersion
from sigap.core.access import can, require, rule
from sigap.core.forms import add_service_errors as _add_errors
from sigap.core.pagination import paginate
from sigap.core.search_audit import audit_search


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _case(request: HttpRequest, case_id: Any, action: str) -> Case:
    """The case (404 when the user may not see it), and the action's policy on it (403)."""
    case = selectors.case_get(user=_user(request), case_id=case_id)
    require(_user(request), action, case)
    return case


def _care_url(case: Case, anchor: str = "") -> str:
    url = reverse("care:case", kwargs={"case_id": case.pk})
    return f"{url}#{anchor}" if anchor else url


def _submit(
    request: HttpRequest,
    form: Any,
    call: Callable[[dict[str, Any]], Any],
    *,
    success: str,
    next_url: str | Callable[[Any], str],
    context: dict[str, Any],
    template: str = "care/form.html",
) -> HttpResponse:
    """The common POST flow: valid form → service; a service's ValidationError is shown next to
    its field and the person's input is kept (422); a stale version says so (409)."""
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            result = call(form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        except StaleVersion:
            form.add_error(
                None,
                _(
                    "This record was changed by someone else while you were editing it. Reload "
                    "the page to see the current version; nothing was saved."
                ),
            )
            status = 409
        else:
            messages.success(request, success)
            return redirect(next_url(result) if callable(next_url) else next_url)
    if form.errors and status == 200:
        status = 422
    return render(request, template, {"form": form, **context}, status=status)


# --- shelter -------------------------------------------------------------------------------------


@rule("care.shelter.list")
def shelter(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = forms.ShelterFilterForm(request.GET or None)
    q = form.cleaned_data.get("q", "") if form.is_valid() else ""
    stays = selectors.shelter_list_for(user=user, q=q)
    page = paginate(request, stays)
    # A search of the children in the shelter is an audit event (never the name searched for).
    audit_search(actor=user, action="care.shelter.search", term=q, filters={})
    today = timezone.localdate()
    for stay in page:
        stay.days = stay.days_of_stay(today)
    occupancy = [
        {
            "agency": agency,
            "rows": services.shelter_occupancy(agency),
            "can_manage": can(user, "care.capacity.manage", agency),
        }
        for agency in selectors.shelter_agencies_for(user=user)
    ]
    return render(
        request,
        "care/shelter_list.html",
        {"form": form, "page": page, "occupancy": occupancy, "today": today},
    )


@rule("care.capacity.manage")
def capacity(request: HttpRequest, agency_id: int) -> HttpResponse:
    user = _user(request)
    agency = get_object_or_404(Agency, pk=agency_id)
    require(user, "care.capacity.manage", agency)
    current = {k: v["places"] for k, v in services.shelter_occupancy(agency).items()}
    form = forms.CapacityForm(request.POST or None, current=current)
    return _submit(
        request,
        form,
        lambda data: services.shelter_capacity_set(actor=user, agency=agency, places=form.places()),
        success=_("The capacity has been saved."),
        next_url=reverse("care:shelter"),
        context={
            "title": _("Shelter capacity: %(agency)s") % {"agency": agency},
            "cancel_url": reverse("care:shelter"),
        },
    )


@rule("care.shelter.admit")
def admit(request: HttpRequest, case_id: Any) -> HttpResponse:
    user = _user(request)
    case = _case(request, case_id, "care.shelter.admit")
    form = forms.AdmitForm(
        request.POST or None,
        age_known=case.child.birth_date is not None,
        may_override=user.has_role("supervisor", agency_id=case.lead_agency_id),
    )
    return _submit(
        request,
        form,
        lambda d: services.shelter_admit(
            actor=user,
            case=case,
            admitted_at=d["admitted_at"],
            reason=d["reason"],
            brought_by=d["brought_by"],
            belongings=d["belongings"],
            age_group=d.get("age_group", ""),
            override_reason=d.get("override_reason", ""),
        ),
        success=_("%(child)s has been admitted to the shelter.") % {"child": case.child},
        next_url=_care_url(case, "shelter"),
        context={
            "case": case,
            "title": _("Admit to the shelter"),
            "cancel_url": _care_url(case),
        },
    )


@rule("care.shelter.discharge")
def discharge(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    stay = selectors.stay_get_for(user=user, pk=pk)
    require(user, "care.shelter.discharge", stay)
    form = forms.DischargeForm(request.POST or None, initial={"version": stay.version})
    return _submit(
        request,
        form,
        lambda d: services.shelter_discharge(
            actor=user,
            stay=stay,
            version=d["version"],
            discharged_at=d["discharged_at"],
            reason=d["reason"],
            destination=d["destination"],
        ),
        success=_("%(child)s has left the shelter.") % {"child": stay.child},
        next_url=_care_url(stay.case, "shelter"),
        context={
            "case": stay.case,
            "title": _("Discharge from the shelter"),
            "details": [
                (_("Admitted"), timezone.localtime(stay.started_at)),
                (_("Belongings to give back"), stay.belongings or "—"),
            ],
            "cancel_url": _care_url(stay.case),
            "submit": _("Discharge"),
        },
    )


# --- the care page of a case ---------------------------------------------------------------------------


def _notes_section(request: HttpRequest, case: Case, stays: Any = None) -> Any:
    """The sensitive section for whoever may read it; each read is audited."""
    user = _user(request)
    if not sees_psych_section(user, case):
        return None
    section = selectors.notes_section_for(case=case, stays=stays)
    services.progress_notes_record_view(actor=user, case=case)
    return section


@rule("care.view")
def case_care(request: HttpRequest, case_id: Any) -> HttpResponse:
    user = _user(request)
    case = _case(request, case_id, "care.view")
    overview = selectors.care_overview_for(case=case)
    notes = _notes_section(request, case, stays=sorted(overview.stays, key=lambda s: s.started_at))
    today = timezone.localdate()
    for stay in overview.stays:
        stay.days = stay.days_of_stay(today)  # type: ignore[attr-defined]
    allowed = {
        key: can(user, action, case)
        for key, action in {
            "admit": "care.shelter.admit",
            "write_notes": "care.psych.write",
            "recommend": "care.recommend",
            "education": "care.education",
            "family": "care.family",
            "legal": "care.legal",
            "reassign": "care.reassign",
        }.items()
    }
    return render(
        request,
        "care/case_care.html",
        {
            "case": case,
            "o": overview,
            "notes": notes,
            "allowed": allowed,
            "today": today,
            "case_url": deadlines.case_url(case.pk),
            "intervention_kinds": InterventionKind.choices,
        },
    )


# --- psychologist notes ----------------------------------------------------------------------------------


@rule("care.psych.view")
def notes(request: HttpRequest, case_id: Any) -> HttpResponse:
    user = _user(request)
    case = _case(request, case_id, "care.psych.view")
    section = _notes_section(request, case)
    may_write = can(user, "care.psych.write", case)
    schedule_form = forms.NoteScheduleForm(
        initial={"interval_days": section.interval_days or 7} if section else None
    )
    page = Paginator(section.notes if section else [], 30).get_page(request.GET.get("page"))
    return render(
        request,
        "care/notes.html",
        {
            "case": case,
            "section": section,
            "page": page,
            "may_write": may_write,
            "schedule_form": schedule_form,
            "indicators": INDICATORS,
        },
    )


@rule("care.psych.write")
def note_add(request: HttpRequest, case_id: Any) -> HttpResponse:
    user = _user(request)
    case = _case(request, case_id, "care.psych.write")
    form = forms.ProgressNoteForm(request.POST or None)
    return _submit(
        request,
        form,
        lambda d: services.progress_note_add(
            actor=user,
            case=case,
            noted_on=d["noted_on"],
            narrative=d["narrative"],
            **{key: d[key] for key, _l, _a in INDICATORS},
        ),
        success=_("The note has been saved."),
        next_url=reverse("care:notes", kwargs={"case_id": case.pk}),
        context={
            "case": case,
            "title": _("New progress note"),
            "cancel_url": reverse("care:notes", kwargs={"case_id": case.pk}),
        },
        template="care/note_form.html",
    )


@rule("care.psych.write")
def note_edit(request: HttpRequest, case_id: Any, pk: int) -> HttpResponse:
    user = _user(request)
    case = _case(request, case_id, "care.psych.write")
    note = selectors.note_get_for(case=case, pk=pk)
    if note.author_id != user.pk:
        raise PermissionDenied
    initial = {
        "noted_on": note.noted_on,
        "narrative": note.narrative,
        "version": note.version,
        **{key: getattr(note, key) for key, _l, _a in INDICATORS},
    }
    form = forms.ProgressNoteForm(request.POST or None, initial=initial, editing=True)
    return _submit(
        request,
        form,
        lambda d: services.progress_note_update(
            actor=user,
            note=note,
            version=d["version"],
            narrative=d["narrative"],
            **{key: d[key] for key, _l, _a in INDICATORS},
        ),
        success=_("The note has been saved."),
        next_url=reverse("care:notes", kwargs={"case_id": case.pk}),
        context={
            "case": case,
            "title": _("Progress note of %(day)s") % {"day": note.noted_on},
            "cancel_url": reverse("care:notes", kwargs={"case_id": case.pk}),
        },
        template="care/note_form.html",
    )


@rule("care.psych.write")
@require_POST
def note_schedule(request: HttpRequest, case_id: Any) -> HttpResponse:
    user = _user(request)
    case = _case(request, case_id, "care.psych.write")
    form = forms.NoteScheduleForm(request.POST)
    if form.is_valid():
        try:
            services.note_schedule_set(
                actor=user, case=case, interval_days=form.cleaned_data["interval_days"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The note interval has been saved."))
    else:
        messages.error(request, _("Enter a number of days from 1 to 90."))
    return redirect("care:notes", case_id=case.pk)


# --- school ------------------------------------------------------------------------------------------------


@rule("care.recommend")
def recommend(request: HttpRequest, case_id: Any) -> HttpResponse:
    user = _user(request)
    case = _case(request, case_id, "care.recommend")
    form = forms.RecommendationForm(request.POST or None)
    return _submit(
        request,
        form,
        lambda d: services.recommendation_request(actor=user, case=case, grounds=d["grounds"]),
        success=_("The recommendation has been sent to the supervisors."),
        next_url=_care_url(case, "school"),
        context={
            "case": case,
            "title": _("Recommend: safe to return to school"),
            "cancel_url": _care_url(case),
            "submit": _("Send for approval"),
        },
    )


@rule("care.recommendation.decide")
def recommendation_decide(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    rec = selectors.recommendation_get_for(user=user, pk=pk)
    if rec.status != RecommendationStatus.REQUESTED:
        messages.info(request, _("This recommendation has been decided already."))
        return redirect(_care_url(rec.case, "school"))
    require(user, "care.recommendation.decide", rec)
    form = forms.DecisionForm(request.POST or None)
    return _submit(
        request,
        form,
        lambda d: services.recommendation_decide(
            actor=user, recommendation=rec, approve=d["decision"] == "approve", comment=d["comment"]
        ),
        success=_("The decision has been saved."),
        next_url=_care_url(rec.case, "school"),
        context={
            "case": rec.case,
            "title": _("Decide: safe to return to school"),
            "details": [
                (_("Recommended by"), rec.requested_by),
                (_("On"), timezone.localtime(rec.requested_at)),
                (_("Grounds"), rec.grounds),
            ],
            "cancel_url": reverse("care:tasks"),
            "submit": _("Save the decision"),
        },
    )


@rule("care.education")
def education_add(request: HttpRequest, case_id: Any) -> HttpResponse:
    user = _user(request)
    case = _case(request, case_id, "care.education")
    form = forms.EducationForm(request.POST or None, schools=selectors.schools())
    return _submit(
        request,
        form,
        lambda d: services.education_open(
            actor=user,
            case=case,
            school=d["school"],
            school_name=d["school_name"],
            grade=d["grade"],
            started_on=d["started_on"],
            follow_up_interval_days=d["follow_up_interval_days"],
        ),
        success=_("The education record has been opened."),
        next_url=_care_url(case, "school"),
        context={"case": case, "title": _("Back to school"), "cancel_url": _care_url(case)},
    )


@rule("care.education")
def follow_up_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    record = selectors.education_get_for(user=user, pk=pk)
    require(user, "care.education", record.case)
    form = forms.FollowUpForm(request.POST or None)
    return _submit(
        request,
        form,
        lambda d: services.follow_up_add(
            actor=user,
            record=record,
            checked_on=d["checked_on"],
            attendance=d["attendance"],
            notes=d["notes"],
        ),
        success=_("The attendance follow-up has been saved."),
        next_url=_care_url(record.case, "school"),
        context={
            "case": record.case,
            "title": _("Attendance at %(school)s") % {"school": record.school_label},
            "cancel_url": _care_url(record.case),
        },
    )


# --- parents and family --------------------------------------------------------------------------------------


@rule("care.family")
def family_add(request: HttpRequest, case_id: Any) -> HttpResponse:
    user = _user(request)
    case = _case(request, case_id, "care.family")
    members = list(case.child.family_members.all())
    kind = request.GET.get("jenis", "")
    initial: dict[str, Any] = {"occurred_on": timezone.localdate()}
    if kind in InterventionKind.values:
        initial["kind"] = kind
    form = forms.FamilyInterventionForm(request.POST or None, initial=initial, members=members)
    return _submit(
        request,
        form,
        lambda d: services.family_intervention_add(
            actor=user,
            case=case,
            kind=d["kind"],
            occurred_on=d["occurred_on"],
            participants=d["participants"],
            topic=d["topic"],
            attended=d["attended"],
            outcome=d["outcome"],
            facilitator=d["facilitator"],
            family_member=d.get("family_member"),
        ),
        success=_("The session has been recorded."),
        next_url=_care_url(case, "family"),
        context={
            "case": case,
            "title": _("Parents and family: session or visit"),
            "cancel_url": _care_url(case),
        },
    )


@rule("care.family")
def commitment_add(request: HttpRequest, case_id: Any) -> HttpResponse:
    user = _user(request)
    case = _case(request, case_id, "care.family")
    form = forms.CommitmentForm(
        request.POST or None,
        initial={"signed_on": timezone.localdate()},
        members=list(case.child.family_members.all()),
    )
    return _submit(
        request,
        form,
        lambda d: services.commitment_add(
            actor=user,
            case=case,
            signed_by=d["signed_by"],
            signed_on=d["signed_on"],
            terms=d["terms"],
            review_on=d["review_on"],
            family_member=d.get("family_member"),
        ),
        success=_("The written commitment has been recorded."),
        next_url=_care_url(case, "family"),
        context={
            "case": case,
            "title": _("Written commitment (surat pernyataan)"),
            "cancel_url": _care_url(case),
        },
    )


@rule("care.family")
def commitment_status(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    commitment = selectors.commitment_get_for(user=user, pk=pk)
    require(user, "care.family", commitment.case)
    form = forms.CommitmentStatusForm(
        request.POST or None, initial={"version": commitment.version}, current=commitment.status
    )
    return _submit(
        request,
        form,
        lambda d: services.commitment_set_status(
            actor=user,
            commitment=commitment,
            version=d["version"],
            status=d["status"],
            note=d["note"],
        ),
        success=_("The commitment has been updated."),
        next_url=_care_url(commitment.case, "family"),
        context={
            "case": commitment.case,
            "title": _("Was the commitment kept?"),
            "details": [(_("Signed by"), commitment.signed_by), (_("Terms"), commitment.terms)],
            "cancel_url": _care_url(commitment.case),
        },
    )


@rule("care.family")
def repeat_add(request: HttpRequest, case_id: Any) -> HttpResponse:
    user = _user(request)
    case = _case(request, case_id, "care.family")
    form = forms.RepeatForm(request.POST or None, initial={"occurred_on": timezone.localdate()})
    return _submit(
        request,
        form,
        lambda d: services.repeat_exploitation_record(
            actor=user, case=case, occurred_on=d["occurred_on"], description=d["description"]
        ),
        success=_("The repeated exploitation has been recorded."),
        next_url=_care_url(case, "family"),
        context={
            "case": case,
            "title": _("The child was exploited again"),
            "intro": _(
                "After a written commitment, this marks the commitment as broken, raises the "
                "case's risk level and gives the supervisors a task."
            ),
            "cancel_url": _care_url(case),
        },
    )


@rule("care.legal")
def legal_add(request: HttpRequest, case_id: Any) -> HttpResponse:
    user = _user(request)
    case = _case(request, case_id, "care.legal")
    form = forms.LegalForm(request.POST or None, police=selectors.police_units())
    return _submit(
        request,
        form,
        lambda d: services.legal_action_add(
            actor=user,
            case=case,
            target=d["target"],
            target_name=d["target_name"],
            allegation=d["allegation"],
            police_agency=d["police_agency"],
            reported_on=d["reported_on"],
            police_case_number=d["police_case_number"],
        ),
        success=_("The legal action has been recorded."),
        next_url=_care_url(case, "legal"),
        context={
            "case": case,
            "title": _("Legal action against a parent or organiser"),
            "cancel_url": _care_url(case),
        },
    )


@rule("care.legal")
def legal_update(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    action = selectors.legal_get_for(user=user, pk=pk)
    require(user, "care.legal", action.case)
    form = forms.LegalUpdateForm(
        request.POST or None,
        initial={
            "version": action.version,
            "status": action.status,
            "police_agency": action.police_agency,
            "reported_on": action.reported_on,
            "police_case_number": action.police_case_number,
            "outcome": action.outcome,
        },
        police=selectors.police_units(),
        current=action.status,
    )
    return _submit(
        request,
        form,
        lambda d: services.legal_action_update(
            actor=user,
            action=action,
            version=d["version"],
            status=d["status"],
            reported_on=d["reported_on"],
            police_agency=d["police_agency"],
            police_case_number=d["police_case_number"],
            outcome=d["outcome"],
        ),
        success=_("The legal action has been updated."),
        next_url=_care_url(action.case, "legal"),
        context={
            "case": action.case,
            "title": _("Legal action against %(name)s") % {"name": action.target_name},
            "details": [(_("Allegation"), action.allegation)],
            "cancel_url": _care_url(action.case),
        },
    )


# --- tasks and caseloads -----------------------------------------------------------------------------------


@rule("care.tasks")
def tasks(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    today = timezone.localdate()
    all_tasks = deadlines.tasks_for(user, today=today)
    show = request.GET.get("tampil", "")
    if show != "semua":
        horizon = today.toordinal() + 14
        listed = [t for t in all_tasks if t.due_on.toordinal() <= horizon]
    else:
        listed = all_tasks
    page = Paginator(listed, 50).get_page(request.GET.get("page"))
    overdue = sum(1 for t in all_tasks if t.due_on < today)
    return render(
        request,
        "care/tasks.html",
        {
            "page": page,
            "today": today,
            "overdue": overdue,
            "total": len(all_tasks),
            "show_all": show == "semua",
        },
    )


@rule("care.task.complete")
def task_complete(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    task = selectors.task_get_for(user=user, pk=pk)
    require(user, "care.task.complete", task)
    form = forms.TaskDoneForm(request.POST or None)
    return _submit(
        request,
        form,
        lambda d: services.task_complete(actor=user, task=task, note=d["note"]),
        success=_("The task is done."),
        next_url=reverse("care:tasks"),
        context={
            "case": task.case,
            "title": _("Task: %(title)s") % {"title": task.title},
            "details": [(_("Due"), task.due_on)],
            "cancel_url": reverse("care:tasks"),
            "submit": _("Mark as done"),
        },
    )


@rule("care.caseload")
def caseload(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    load = deadlines.caseload_for(user)
    worker_id = request.GET.get("pekerja", "")
    worker_cases = None
    worker = None
    if worker_id.isdigit():
        worker = next((w for w in load.workers if w.user.pk == int(worker_id)), None)
        if worker is not None:
            worker_cases = paginate(
                request, selectors.open_cases_of_worker(supervisor=user, worker_id=worker.user.pk)
            )
    return render(
        request,
        "care/caseload.html",
        {"load": load, "worker": worker, "worker_cases": worker_cases},
    )


@rule("care.reassign")
def reassign(request: HttpRequest, case_id: Any) -> HttpResponse:
    user = _user(request)
    case = _case(request, case_id, "care.reassign")
    form = forms.ReassignForm(
        request.POST or None, candidates=selectors.reassign_candidates(case=case)
    )
    return _submit(
        request,
        form,
        lambda d: services.case_reassign(
            actor=user, case=case, to_user=d["to_user"], reason=d["reason"]
        ),
        success=_("The case has been reassigned."),
        next_url=reverse("care:caseload"),
        context={
            "case": case,
            "title": _("Reassign the case"),
            "cancel_url": reverse("care:caseload"),
            "submit": _("Reassign"),
        },
    )
