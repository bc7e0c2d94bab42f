"""Pages of possible duplicates: suggestions while registering (htmx partial), the review list,
a pair with its explanation, confirm / reject, merge and undo. Thin: selectors read (scoped to the
user), services write."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from sigap.accounts.models import User
from sigap.core.access import require, rule
from sigap.core.pagination import paginate
from sigap.core.search_audit import audit_search, search_term_digest
from sigap.dedupe import explain, selectors, services
from sigap.dedupe.forms import DecideForm, MergeForm, StatusFilterForm, SuggestForm
from sigap.dedupe.models import CandidateStatus, DuplicateCandidate
from sigap.geo.models import Region


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _add_errors(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def _region_names(*codes: str) -> dict[str, str]:
    wanted = [c for c in codes if c]
    if not wanted:
        return {}
    return dict(Region.objects.filter(code__in=wanted).values_list("code", "name"))


# The registration form asks for suggestions at every pause in typing and at every other field
# filled in: the same name is one search for ten minutes.
SUGGEST_AUDIT_SECONDS = 600


def _audit_suggest(user: User, query: selectors.SuggestQuery) -> None:
    """The suggestions are a search of the registry by name, audited like the child list's (the
    name only as a digest); the other fields (birth date, parents, address) are not recorded."""
    names = query.names
    if not names:
        return
    key = f"dedupe:suggest-audited:{user.pk}:{search_term_digest(names[0])}"
    if cache.add(key, True, SUGGEST_AUDIT_SECONDS):
        audit_search(actor=user, action="child.search", term=names[0], filters={}, via="dedupe")


@rule("children.register")
def suggest(request: HttpRequest) -> HttpResponse:
    """htmx partial: the best possible matches, among the children the user may see, for the
    child being registered, each with the reasons for its score."""
    v = SuggestForm(request.GET).values()
    kel, origin = v.get("kelurahan", "").strip(), v.get("origin_region", "").strip()
    regions = _region_names(kel, origin)
    query = selectors.SuggestQuery(
        full_name=v.get("full_name", "").strip(),
        aliases=[a.strip() for a in v.get("aliases", "").splitlines() if a.strip()][:5],
        sex=v.get("sex", ""),
        birth_date=v.get("birth_date"),
        estimated_age=v.get("estimated_age"),
        place_of_birth=v.get("place_of_birth", "").strip(),
        kelurahan=regions.get(kel, ""),
        origin=regions.get(origin, ""),
        address=v.get("address", "").strip(),
        father_name=v.get("father_name", "").strip(),
        mother_name=v.get("mother_name", "").strip(),
    )
    suggestions = selectors.suggestions_for(user=_user(request), query=query)
    _audit_suggest(_user(request), query)
    return render(
        request,
        "dedupe/_suggestions.html",
        {"suggestions": suggestions, "asked": bool(query.names)},
    )


@rule("dedupe.review")
def review_list(request: HttpRequest) -> HttpResponse:
    form = StatusFilterForm(request.GET or {"status": CandidateStatus.PROPOSED})
    status = form.cleaned_data["status"] if form.is_valid() else CandidateStatus.PROPOSED
    pairs = selectors.candidate_list_for(user=_user(request), status=status)
    return render(
        request,
        "dedupe/review_list.html",
        {"form": form, "status": status, "page": paginate(request, pairs, cap=1000)},
    )


def _pair_context(request: HttpRequest, candidate: DuplicateCandidate) -> dict[str, Any]:
    merges = selectors.merges_of(user=_user(request), candidate=candidate)
    return {
        "candidate": candidate,
        "pair": [candidate.child_a, candidate.child_b],
        "lines": explain.lines(candidate.explanation),
        "merges": merges,
        "active_merge": next((m for m in merges if m.undone_at is None), None),
    }


@rule("dedupe.review")
def candidate_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    candidate = selectors.candidate_get_for(user=user, pk=pk)
    require(user, "dedupe.review", candidate, conceal=True)
    return render(request, "dedupe/candidate_detail.html", _pair_context(request, candidate))


@rule("dedupe.decide")
def candidate_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm (same child) or reject (different children) a pair, after a confirmation page."""
    user = _user(request)
    candidate = selectors.candidate_get_for(user=user, pk=pk)
    require(user, "dedupe.decide", candidate, conceal=True)
    initial = {"version": candidate.version, "decision": request.GET.get("decision", "")}
    form = DecideForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.candidate_decide(
                actor=user,
                candidate=candidate,
                decision=form.cleaned_data["decision"],
                version=form.cleaned_data["version"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            if form.cleaned_data["decision"] == CandidateStatus.CONFIRMED:
                messages.success(request, _("Confirmed as the same child. You can now merge."))
            else:
                messages.success(request, _("Rejected: this pair will not be proposed again."))
            return redirect("dedupe:candidate_detail", pk=candidate.pk)
    decision = form["decision"].value()
    if decision not in (CandidateStatus.CONFIRMED, CandidateStatus.REJECTED):
        return redirect("dedupe:candidate_detail", pk=candidate.pk)
    return render(
        request,
        "dedupe/decide.html",
        {**_pair_context(request, candidate), "form": form, "decision": decision},
        status=422 if form.errors else 200,
    )


@rule("dedupe.merge")
def merge(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    candidate = selectors.candidate_get_for(user=user, pk=pk)
    require(user, "dedupe.merge", candidate, conceal=True)
    by_pk = {str(c.pk): c for c in (candidate.child_a, candidate.child_b)}
    form = MergeForm(
        request.POST or None,
        initial={"version": candidate.version},
        choices=[(k, c.full_name) for k, c in by_pk.items()],
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.child_merge(
                actor=user,
                candidate=candidate,
                survivor=by_pk[form.cleaned_data["survivor"]],
                version=form.cleaned_data["version"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request,
                _(
                    "The records have been merged: the other record's cases and names are now "
                    "under the kept record. You can undo this."
                ),
            )
            return redirect("dedupe:candidate_detail", pk=candidate.pk)
    return render(
        request,
        "dedupe/merge.html",
        {**_pair_context(request, candidate), "form": form},
        status=422 if form.errors else 200,
    )


@rule("dedupe.merge")
def merge_undo(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    merge = selectors.merge_get_for(user=user, pk=pk)
    require(user, "dedupe.merge", merge, conceal=True)
    error = ""
    if request.method == "POST":
        try:
            services.merge_undo(actor=user, merge=merge)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("The merge has been undone. Both records stand alone."))
            return redirect("dedupe:candidate_detail", pk=merge.candidate_id)
    return render(
        request,
        "dedupe/merge_undo.html",
        {"merge": merge, "error": error},
        status=422 if error else 200,
    )
