"""Forms of the case pages: they parse and validate input; services apply the rules and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from sigap.accounts.models import Agency, User
from sigap.cases.models import (
    ASSESSMENT_DOMAINS,
    ActionStatus,
    AmpkCategory,
    CasePersonRole,
    CaseRole,
    ClosureReason,
    ExploitationActivity,
    NeedScore,
    NoteKind,
    PmksCategory,
    RiskLevel,
    RootCause,
    Stage,
    ViolenceType,
)
from sigap.cases.selectors import OPEN, CaseFilters
from sigap.children.models import Person
from sigap.geo.models import Region

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def _user_label(user: User) -> str:
    return user.display_name


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return _user_label(obj)


class VersionMixin(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


# --- list ---------------------------------------------------------------------------------------


class CaseFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    stage = forms.ChoiceField(
        label=_("Stage"),
        required=False,
        choices=[("", _("All stages")), (OPEN, _("All open stages")), *Stage.choices],
    )
    risk = forms.ChoiceField(
        label=_("Risk"), required=False, choices=[("", _("All risk levels")), *RiskLevel.choices]
    )
    category = forms.ChoiceField(
        label=_("AMPK category"),
        required=False,
        choices=[("", _("All categories")), *AmpkCategory.choices],
    )
    root_cause = forms.ChoiceField(
        label=_("Root cause"),
        required=False,
        choices=[("", _("All root causes")), *RootCause.choices],
    )
    worker = UserChoiceField(
        label=_("Worker"), required=False, queryset=User.objects.none(), empty_label=_("Anyone")
    )
    kelurahan = forms.ModelChoiceField(
        label=_("Kelurahan"),
        required=False,
        queryset=Region.objects.none(),
        empty_label=_("All kelurahan"),
    )
    origin = forms.ChoiceField(
        label=_("Origin"),
        required=False,
        choices=[
            ("", _("Any origin")),
            ("pendatang", _("Newcomers (pendatang)")),
            ("local", _("From this city")),
        ],
    )
    opened_from = forms.DateField(label=_("Opened from"), required=False, widget=DATE)
    opened_to = forms.DateField(label=_("Opened until"), required=False, widget=DATE)
    review_due = forms.BooleanField(label=_("Review due"), required=False)

    def __init__(self, *args: Any, workers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["worker"].queryset = workers  # type: ignore[attr-defined]
        home = settings.SIGAP_HOME_REGENCY
        self.fields["kelurahan"].queryset = Region.objects.filter(  # type: ignore[attr-defined]
            level=Region.Level.VILLAGE, code__startswith=home + "."
        ).order_by("name")

    def filters(self) -> CaseFilters:
        if not self.is_valid():
            return CaseFilters()
        d = self.cleaned_data
        return CaseFilters(
            q=d["q"],
            stage=d["stage"],
            risk=d["risk"],
            category=d["category"],
            root_cause=d["root_cause"],
            worker=d["worker"].pk if d["worker"] else None,
            kelurahan=d["kelurahan"].pk if d["kelurahan"] else "",
            origin=d["origin"],
            opened_from=d["opened_from"],
            opened_to=d["opened_to"],
            review_due=d["review_due"],
        )


# --- opening and editing ---------------------------------------------------------------------------


def _multi(label: Any, choices: Any) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label,
        required=False,
        choices=choices,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )


class CaseOpenForm(forms.Form):
    lead_agency = forms.ModelChoiceField(label=_("Lead agency"), queryset=Agency.objects.none())
    lead_worker = UserChoiceField(
        label=_("Lead case worker"),
        required=False,
        queryset=User.objects.none(),
        empty_label=_("Assign later (a supervisor assigns)"),
    )
    summary = forms.CharField(
        label=_("Summary"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What brought the child to the agency's attention."),
    )
    risk_level = forms.ChoiceField(
        label=_("Risk level"), choices=RiskLevel.choices, initial=RiskLevel.MEDIUM
    )
    risk_reason = forms.CharField(
        label=_("Reason for the risk level"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    ampk_categories = _multi(_("AMPK categories"), AmpkCategory.choices)
    pmks_category = forms.ChoiceField(
        label=_("PMKS category"), required=False, choices=[("", "—"), *PmksCategory.choices]
    )
    violence_types = _multi(_("Types of violence"), ViolenceType.choices)
    root_causes = _multi(_("Root causes"), RootCause.choices)

    def __init__(self, *args: Any, agencies: Any, workers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lead_agency"].queryset = agencies  # type: ignore[attr-defined]
        self.fields["lead_worker"].queryset = workers  # type: ignore[attr-defined]
        first_two = list(agencies[:2])
        if len(first_two) == 1:
            self.fields["lead_agency"].initial = first_two[0].pk


class CaseEditForm(VersionMixin):
    summary = forms.CharField(
        label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    ampk_categories = _multi(_("AMPK categories"), AmpkCategory.choices)
    pmks_category = forms.ChoiceField(
        label=_("PMKS category"), required=False, choices=[("", "—"), *PmksCategory.choices]
    )
    violence_types = _multi(_("Types of violence"), ViolenceType.choices)
    exploitation_activity = forms.ChoiceField(
        label=_("Activity on the street"),
        required=False,
        choices=[("", "—"), *ExploitationActivity.choices],
    )
    exploitation_activity_other = forms.CharField(
        label=_("Other activity"), required=False, max_length=200
    )
    exploitation_hours_from = forms.TimeField(label=_("Usually from"), required=False, widget=TIME)
    exploitation_hours_until = forms.TimeField(
        label=_("Usually until"),
        required=False,
        widget=TIME,
        help_text=_("e.g. 02:00 the next night"),
    )
    exploitation_places = forms.CharField(label=_("Places"), required=False, max_length=300)
    root_causes = _multi(_("Root causes"), RootCause.choices)
    root_cause_other = forms.CharField(label=_("Other root cause"), required=False, max_length=200)
    review_interval_days = forms.IntegerField(
        label=_("Review every (days)"), min_value=7, max_value=365
    )

    FIELDS = [
        "summary",
        "pmks_category",
        "exploitation_activity",
        "exploitation_activity_other",
        "exploitation_hours_from",
        "exploitation_hours_until",
        "exploitation_places",
        "root_cause_other",
        "review_interval_days",
    ]

    @classmethod
    def initial_for(cls, case: Any) -> dict[str, Any]:
        initial = {name: getattr(case, name) for name in cls.FIELDS}
        initial.update(
            version=case.version,
            ampk_categories=case.ampk_codes,
            violence_types=case.violence_types,
            root_causes=case.root_causes,
        )
        return initial


class RiskForm(VersionMixin):
    risk_level = forms.ChoiceField(label=_("Risk level"), choices=RiskLevel.choices)
    reason = forms.CharField(
        label=_("Why does the risk change?"), widget=forms.Textarea(attrs={"rows": 3})
    )


class TransitionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)
    to = forms.ChoiceField(choices=Stage.choices, widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reason or remark"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    closure_reason = forms.ChoiceField(
        label=_("Closure reason"), required=False, choices=[("", "—"), *ClosureReason.choices]
    )


class ClosureRequestForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Why should the case be closed?"), choices=ClosureReason.choices
    )
    note = forms.CharField(
        label=_("Note for the supervisor"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ApprovalDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("reject", _("Reject"))],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when you reject: say what has to change."),
    )


# --- assessment, plan, notes -------------------------------------------------------------------------


class AssessmentForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)
    summary = forms.CharField(
        label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key, label in ASSESSMENT_DOMAINS:
            self.fields[f"{key}_score"] = forms.TypedChoiceField(
                label=label,
                required=False,
                coerce=int,
                empty_value=None,
                choices=[("", _("Not scored yet")), *NeedScore.choices],
            )
            self.fields[f"{key}_notes"] = forms.CharField(
                label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
            )
        self.order_fields(
            ["version"]
            + [f"{k}_{p}" for k, _l in ASSESSMENT_DOMAINS for p in ("score", "notes")]
            + ["summary"]
        )

    def domain_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"{k}_score"], self[f"{k}_notes"]) for k, _l in ASSESSMENT_DOMAINS]

    def data_for_service(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}


class PlanForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)
    goals = forms.CharField(
        label=_("Goals"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What the plan wants to reach, e.g. return home, back to school."),
    )


class PlanActionForm(forms.Form):
    description = forms.CharField(label=_("Action"), max_length=300)
    # Not required here: the service refuses an action without an owner with its own message.
    responsible_agency = forms.ModelChoiceField(
        label=_("Responsible agency"),
        required=False,
        queryset=Agency.objects.filter(is_active=True).order_by("name"),
    )
    responsible_person = forms.CharField(
        label=_("Responsible person"), required=False, max_length=150
    )
    due_on = forms.DateField(label=_("Due date"), widget=DATE)


class ActionStatusForm(VersionMixin):
    status = forms.ChoiceField(label=_("Status"), choices=ActionStatus.choices)


class PlanSubmitForm(VersionMixin):
    note = forms.CharField(
        label=_("Note for the supervisor"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class NoteForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)
    kind = forms.ChoiceField(label=_("Type"), choices=NoteKind.choices)
    occurred_on = forms.DateField(label=_("Date"), widget=DATE)
    text = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 4}))


# --- team and people ---------------------------------------------------------------------------------


class TeamAddForm(forms.Form):
    user = UserChoiceField(label=_("Person"), queryset=User.objects.none())
    role = forms.ChoiceField(label=_("Role in the case"), choices=CaseRole.choices)

    def __init__(self, *args: Any, candidates: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = candidates  # type: ignore[attr-defined]


class PersonLinkForm(forms.Form):
    person = forms.ModelChoiceField(label=_("Person"), queryset=Person.objects.none())
    role = forms.ChoiceField(label=_("Involvement"), choices=CasePersonRole.choices)
    notes = forms.CharField(label=_("Notes"), required=False, max_length=500)

    def __init__(self, *args: Any, persons: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = persons  # type: ignore[attr-defined]
