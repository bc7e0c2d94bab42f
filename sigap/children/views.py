from __future__ import annotations

import mimetypes
from dataclasses import asdict
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sigap.accounts.models import User
from sigap.children import selectors, services
from sigap.children.access import (
    RenderedPanel,
    child_is_visible,
    child_panels_for,
    child_successor,
    person_panels_for,
)
from sigap.children.forms import (
    AliasForm,
    ChildEditForm,
    ChildFilterForm,
    ChildForm,
    FamilyMemberForm,
    IncidentChildForm,
    IncidentForm,
    PersonFilterForm,
    PersonForm,
)
from sigap.children.models import Child, ChildAlias, Person
from sigap.children.search import CANDIDATE_CAP
from sigap.children.selectors import ChildFilters, RankedChildren
from sigap.children.services import CHILD_FIELDS, FAMILY_FIELDS, PERSON_FIELDS, VersionConflict
from sigap.core.access import can, require, rule
from sigap.core.forms import add_service_errors as _add_errors
from sigap.core.pagination import paginate
from sigap.core.search_audit import audit_search


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _render_panels(request: HttpRequest, panels: list[RenderedPanel]) -> list[str]:
    """Other domains' panels (registered in sigap.children.access), rendered in order."""
    return [render_to_string(p.template_name, p.context, request=request) for p in panels]


def _conflict(
    request: HttpRequest, *, exc: VersionConflict, form: Any, fields: tuple[str, ...], back: str
) -> HttpResponse:
    """Both versions side by side; nothing was saved."""
    current = exc.current
    rows = []
    for name in fields:
        if name not in form.fields or name not in form.cleaned_data:
            continue
        mine = form.cleaned_data[name]
        theirs = getattr(current, name)
        display = getattr(current, f"get_{name}_display", None)
        rows.append(
            {
                "label": form.fields[name].label,
                "mine": mine,
                "theirs": display() if callable(display) else theirs,
                "differs": (mine or "") != (theirs or ""),
            }
        )
    return render(
        request,
        "children/conflict.html",
        {"rows": rows, "current": current, "back": back},
        status=409,
    )


# --- children ------------------------------------------------------------------------------------


@rule("children.list")
def child_list(request: HttpRequest) -> HttpResponse:
    form = ChildFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    filters = ChildFilters(
        q=data.get("q", ""),
        sex=data.get("sex", ""),
        kelurahan=data.get("kelurahan", ""),
        origin=data.get("origin", ""),
        school_status=data.get("school_status", ""),
    )
    children = selectors.child_list_for(user=_user(request), filters=filters)
    ranked = isinstance(children, RankedChildren)
    page = paginate(request, children, cap=None if ranked else selectors.LIST_COUNT_CAP)
    # A search or a filtered list is an audit event (never the name or NIK searched for).
    search = asdict(filters)
    audit_search(actor=_user(request), action="child.search", term=search.pop("q"), filters=search)
    return render(
        request,
        "children/child_list.html",
        {
            "form": form,
            "page": page,
            "search_capped": ranked and children.capped,  # type: ignore[union-attr]
            "candidate_cap": CANDIDATE_CAP,
            "filtered": any(data.values()),
        },
    )


@rule("children.register")
def child_create(request: HttpRequest) -> HttpResponse:
    form = ChildForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            child = services.child_register(
                actor=_user(request),
                **{
                    k: data[k] for k in CHILD_FIELDS if k in data and k != "birth_date_is_estimated"
                },
                estimated_age=data["estimated_age"],
                nik=data["nik"],
                family_card_number=data["family_card_number"],
                aliases=form.alias_list(),
                photo=data["photo"] or None,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The child has been registered."))
            return redirect("children:child_detail", pk=child.pk)
    return render(
        request,
        "children/child_form.html",
        {"form": form, "child": None},
        status=422 if form.errors else 200,
    )


@rule("children.list")
def child_detail(request: HttpRequest, pk: str) -> HttpResponse:
    user = _user(request)
    child = selectors.child_get_for(user=user, child_id=pk)
    services.child_record_view(actor=user, child=child, channel="html")
    # A record merged into another takes no new history: the page points to the other record
    # (named only when the user may see it) instead of offering actions.
    successor = child_successor(child)
    return render(
        request,
        "children/child_detail.html",
        {
            "child": child,
            "is_merged": successor is not None,
            "merged_into": successor if successor and child_is_visible(user, successor) else None,
            "aliases": list(child.aliases.all()),
            "family": list(child.family_members.all()),
            "panels": _render_panels(request, child_panels_for(child, user)),
            "can_edit": can(user, "children.edit", child),
            "can_sensitive": can(user, "children.view_sensitive", child),
            "alias_form": AliasForm(),
        },
    )


@rule("children.list")
def child_sensitive(request: HttpRequest, pk: str) -> HttpResponse:
    """The NIK and family card number, decrypted: only with the grant, audited each time."""
    user = _user(request)
    child = selectors.child_get_for(user=user, child_id=pk)
    require(user, "children.view_sensitive", child)
    services.child_sensitive_view(actor=user, child=child, what="identity_numbers")
    template = "children/child_sensitive.html"
    if request.headers.get("HX-Request"):
        template += "#numbers"
    return render(
        request, template, {"child": child, "numbers": services.child_identity_numbers(child)}
    )


@rule("children.list")
def child_photo(request: HttpRequest, pk: str) -> HttpResponseBase:
    """The photo, streamed from storage (never a public URL), audited each time."""
    user = _user(request)
    child = selectors.child_get_for(user=user, child_id=pk)
    require(user, "children.view_sensitive", child)
    if not child.photo:
        raise Http404
    services.child_sensitive_view(actor=user, child=child, what="photo")
    content_type = mimetypes.guess_type(child.photo.name or "")[0] or "application/octet-stream"
    response = FileResponse(child.photo.open("rb"), content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _child_initial(child: Child) -> dict[str, Any]:
    initial = {name: getattr(child, name) for name in CHILD_FIELDS}
    initial["origin_region"] = child.origin_region_id or ""
    initial["kelurahan"] = child.kelurahan_id or ""
    initial["version"] = child.version
    if child.birth_date_is_estimated:
        initial["estimated_age"], initial["birth_date"] = child.age, None
    return initial


@rule("children.edit")
def child_edit(request: HttpRequest, pk: str) -> HttpResponse:
    user = _user(request)
    child = selectors.child_get_for(user=user, child_id=pk)
    require(user, "children.edit", child)
    sensitive = can(user, "children.view_sensitive", child)
    form = ChildEditForm(
        request.POST or None,
        request.FILES or None,
        initial=_child_initial(child),
        sensitive=sensitive,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = {k: data[k] for k in CHILD_FIELDS if k in data and k != "birth_date_is_estimated"}
        estimated_age = data["estimated_age"]
        if estimated_age is not None:
            fields.pop("birth_date")
        elif data["birth_date"] is None:
            fields["birth_date_is_estimated"] = False
        extra: dict[str, Any] = {}
        if sensitive:
            if data["clear_identity_numbers"]:
                extra["nik"] = extra["family_card_number"] = ""
            else:
                extra["nik"] = data["nik"] or None
                extra["family_card_number"] = data["family_card_number"] or None
            if data["remove_photo"]:
                extra["photo"] = False
            elif data["photo"]:
                extra["photo"] = data["photo"]
        try:
            services.child_update(
                actor=user,
                child=child,
                version=data["version"],
                estimated_age=estimated_age,
                **extra,
                **fields,
            )
        except VersionConflict as exc:
            return _conflict(
                request,
                exc=exc,
                form=form,
                fields=CHILD_FIELDS,
                back=request.path,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The child's record has been saved."))
            return redirect("children:child_detail", pk=child.pk)
    return render(
        request,
        "children/child_form.html",
        {"form": form, "child": child},
        status=422 if form.errors else 200,
    )


# --- aliases ----------------------------------------------------------------------------------------


@rule("children.edit")
@require_POST
def alias_add(request: HttpRequest, pk: str) -> HttpResponse:
    user = _user(request)
    child = selectors.child_get_for(user=user, child_id=pk)
    require(user, "children.edit", child)
    form = AliasForm(request.POST)
    if form.is_valid():
        try:
            services.child_alias_add(actor=user, child=child, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The alias has been added."))
            return redirect("children:child_detail", pk=child.pk)
    return render(request, "children/alias_form.html", {"form": form, "child": child}, status=422)


@rule("children.edit")
def alias_remove(request: HttpRequest, pk: str, alias_id: int) -> HttpResponse:
    user = _user(request)
    child = selectors.child_get_for(user=user, child_id=pk)
    require(user, "children.edit", child)
    alias = ChildAlias.objects.filter(child=child, pk=alias_id).first()
    if alias is None:
        raise Http404
    if request.method == "POST":
        services.child_alias_remove(actor=user, alias=alias)
        messages.success(request, _("The alias has been removed."))
        return redirect("children:child_detail", pk=child.pk)
    return render(
        request,
        "children/confirm.html",
        {
            "title": _("Remove the alias “%(alias)s”?") % {"alias": alias.alias},
            "body": _("The child will no longer be found by this name."),
            "button": _("Remove"),
            "cancel": child,
        },
    )


# --- family ---------------------------------------------------------------------------------------------


def _sibling(user: User, form: FamilyMemberForm) -> Child | None:
    sibling_id = form.cleaned_data.get("sibling_child")
    if not sibling_id:
        return None
    found = selectors.visible_children_by_ids(user=user, ids=[sibling_id])
    if not found:
        raise ValidationError({"sibling_child": _("No child record with this number.")})
    return found[0]


@rule("children.edit")
def family_add(request: HttpRequest, pk: str) -> HttpResponse:
    user = _user(request)
    child = selectors.child_get_for(user=user, child_id=pk)
    require(user, "children.edit", child)
    form = FamilyMemberForm(request.POST or None, initial={"is_alive": True})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            fields = {k: data[k] for k in FAMILY_FIELDS if k != "sibling_child"}
            services.family_member_add(
                actor=user, child=child, sibling_child=_sibling(user, form), **fields
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The family member has been added."))
            return redirect("children:child_detail", pk=child.pk)
    return render(
        request,
        "children/family_form.html",
        {"form": form, "child": child, "member": None},
        status=422 if form.errors else 200,
    )


@rule("children.edit")
def family_edit(request: HttpRequest, pk: str, member_id: int) -> HttpResponse:
    user = _user(request)
    child = selectors.child_get_for(user=user, child_id=pk)
    require(user, "children.edit", child)
    member = selectors.family_member_get_for(user=user, child=child, member_id=member_id)
    initial = {name: getattr(member, name) for name in FAMILY_FIELDS}
    initial["sibling_child"] = member.sibling_child_id
    initial["version"] = member.version
    form = FamilyMemberForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            fields = {k: data[k] for k in FAMILY_FIELDS if k != "sibling_child"}
            services.family_member_update(
                actor=user,
                member=member,
                version=data["version"] or 0,
                sibling_child=_sibling(user, form),
                **fields,
            )
        except VersionConflict as exc:
            return _conflict(request, exc=exc, form=form, fields=FAMILY_FIELDS, back=request.path)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The family member has been saved."))
            return redirect("children:child_detail", pk=child.pk)
    return render(
        request,
        "children/family_form.html",
        {"form": form, "child": child, "member": member},
        status=422 if form.errors else 200,
    )


@rule("children.edit")
def family_remove(request: HttpRequest, pk: str, member_id: int) -> HttpResponse:
    user = _user(request)
    child = selectors.child_get_for(user=user, child_id=pk)
    require(user, "children.edit", child)
    member = selectors.family_member_get_for(user=user, child=child, member_id=member_id)
    if request.method == "POST":
        services.family_member_remove(actor=user, member=member)
        messages.success(request, _("The family member has been removed."))
        return redirect("children:child_detail", pk=child.pk)
    return render(
        request,
        "children/confirm.html",
        {
            "title": _("Remove %(name)s from the family?") % {"name": member.full_name},
            "body": _("The family member's details will be deleted from this child's record."),
            "button": _("Remove"),
            "cancel": child,
        },
    )


# --- persons --------------------------------------------------------------------------------------------


@rule("persons.view")
def person_list(request: HttpRequest) -> HttpResponse:
    form = PersonFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    q, role = data.get("q", ""), data.get("role", "")
    persons = selectors.person_list_for(user=_user(request), q=q, role=role)
    # A search of the people around the cases is an audit event (never the name searched for).
    audit_search(actor=_user(request), action="person.search", term=q, filters={"role": role})
    return render(
        request,
        "children/person_list.html",
        {"form": form, "page": paginate(request, persons, cap=selectors.LIST_COUNT_CAP)},
    )


@rule("persons.view")
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    person = selectors.person_get_for(user=user, person_id=pk)
    return render(
        request,
        "children/person_detail.html",
        {
            "person": person,
            "panels": _render_panels(request, person_panels_for(person, user)),
            "can_manage": can(user, "persons.manage", person),
        },
    )


@rule("persons.manage")
def person_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = _user(request)
    person: Person | None = None
    initial: dict[str, Any] = {}
    if pk is not None:
        person = selectors.person_get_for(user=user, person_id=pk)
        require(user, "persons.manage", person)
        initial = {name: getattr(person, name) for name in PERSON_FIELDS}
        initial["version"] = person.version
    form = PersonForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = {k: data[k] for k in PERSON_FIELDS}
        try:
            if person is None:
                person = services.person_create(actor=user, **fields)
            else:
                services.person_update(
                    actor=user, person=person, version=data["version"] or 0, **fields
                )
        except VersionConflict as exc:
            return _conflict(request, exc=exc, form=form, fields=PERSON_FIELDS, back=request.path)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The person has been saved."))
            return redirect("children:person_detail", pk=person.pk)
    return render(
        request,
        "children/person_form.html",
        {"form": form, "person": person},
        status=422 if form.errors else 200,
    )


# --- incidents --------------------------------------------------------------------------------------------


@rule("incidents.manage")
def incident_list(request: HttpRequest) -> HttpResponse:
    incidents = selectors.incident_list_for(user=_user(request))
    return render(
        request,
        "children/incident_list.html",
        {"page": paginate(request, incidents, cap=selectors.LIST_COUNT_CAP)},
    )


@rule("incidents.manage")
def incident_create(request: HttpRequest) -> HttpResponse:
    form = IncidentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            incident = services.incident_create(actor=_user(request), **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The incident has been recorded. Now add its children."))
            return redirect("children:incident_detail", pk=incident.pk)
    return render(
        request,
        "children/incident_form.html",
        {"form": form},
        status=422 if form.errors else 200,
    )


@rule("incidents.manage")
def incident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    incident = selectors.incident_get_for(user=user, incident_id=pk)
    children, hidden = selectors.incident_children_for(user=user, incident=incident)
    q = request.GET.get("q", "").strip()[:200]
    candidates: list[Child] = []
    if q:
        linked = {c.pk for c in children}
        found, _count, _capped = selectors.child_search(user=user, q=q, limit=10)
        audit_search(actor=user, action="child.search", term=q, filters={}, via="incident")
        candidates = [c for c in found if c.pk not in linked]
    return render(
        request,
        "children/incident_detail.html",
        {
            "incident": incident,
            "children": children,
            "hidden": hidden,
            "q": q,
            "candidates": candidates,
        },
    )


@rule("incidents.manage")
@require_POST
def incident_add_child(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    incident = selectors.incident_get_for(user=user, incident_id=pk)
    require(user, "incidents.manage", incident)
    form = IncidentChildForm(request.POST)
    found = (
        selectors.visible_children_by_ids(user=user, ids=[form.cleaned_data["child"]])
        if form.is_valid()
        else []
    )
    if not found:
        raise Http404
    try:
        services.incident_add_child(actor=user, incident=incident, child=found[0])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("%(name)s has been added to the incident.") % {"name": found[0].full_name}
        )
    return redirect("children:incident_detail", pk=incident.pk)
