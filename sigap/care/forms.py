"""Forms of the care pathway: they parse input; the services check the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sigap.accounts.models import Agency, User
from sigap.care.models import (
    INDICATORS,
    AgeGroup,
    Attendance,
    CommitmentStatus,
    InterventionKind,
    LegalStatus,
    LegalTarget,
    allowed_statuses,
)
from sigap.children.models import FamilyMember, Sex

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def _datetime_field(label: Any, required: bool = False, help_text: Any = "") -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        help_text=help_text,
        input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT),
    )


def _now_local() -> str:
    return timezone.localtime().strftime(DATETIME_FORMAT)


def _text(label: Any, rows: int = 3, required: bool = True, help_text: Any = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class ShelterFilterForm(forms.Form):
    q = forms.CharField(label=_("Name or case number"), required=False, max_length=100)


class AdmitForm(forms.Form):
    admitted_at = _datetime_field(_("Admitted at"), required=True)
    reason = _text(_("Reason for admission"))
    brought_by = forms.CharField(
        label=_("Brought by"),
        max_length=200,
        help_text=_("Who brought the child, e.g. Satpol PP night outreach, the mother, police."),
    )
    belongings = _text(
        _("Belongings"),
        rows=2,
        required=False,
        help_text=_("What the child brought, to give back on leaving."),
    )
    age_group = forms.ChoiceField(
        label=_("Age group"),
        required=False,
        choices=[("", "—"), *AgeGroup.choices],
        help_text=_("Only needed when the child's age is not known."),
    )
    override_reason = _text(
        _("Reason for admitting over capacity"),
        rows=2,
        required=False,
        help_text=_("Supervisors only, and only when the shelter is full."),
    )

    def __init__(self, *args: Any, age_known: bool, may_override: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["admitted_at"].initial = _now_local()
        if age_known:
            del self.fields["age_group"]
        if not may_override:
            del self.fields["override_reason"]


class DischargeForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    discharged_at = _datetime_field(_("Discharged at"), required=True)
    destination = forms.CharField(
        label=_("Discharged to"),
        max_length=200,
        help_text=_("Where the child went: home to the family, a panti asuhan, a pesantren…"),
    )
    reason = _text(_("Reason for discharge"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["discharged_at"].initial = _now_local()


class CapacityForm(forms.Form):
    """One number per sex and age group."""

    def __init__(self, *args: Any, current: dict[tuple[str, str], int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for sex, sex_label in Sex.choices:
            for group, group_label in AgeGroup.choices:
                self.fields[f"{sex}_{group}"] = forms.IntegerField(
                    label=f"{sex_label}, {group_label}",
                    min_value=0,
                    max_value=500,
                    initial=current.get((sex, group), 0),
                )

    def places(self) -> dict[tuple[str, str], int]:
        return {
            (sex, group): self.cleaned_data[f"{sex}_{group}"]
            for sex in Sex.values
            for group in AgeGroup.values
        }


def _indicator_choices(anchors: dict[int, Any]) -> list[tuple[int, str]]:
    return [(value, f"{value} — {text}") for value, text in sorted(anchors.items())]


class ProgressNoteForm(forms.Form):
    noted_on = forms.DateField(label=_("Date"), widget=DATE)

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["noted_on"].initial = timezone.localdate()
        if editing:
            self.fields["noted_on"].disabled = True
            self.fields["version"] = forms.IntegerField(widget=forms.HiddenInput)
        for key, label, anchors in INDICATORS:
            self.fields[key] = forms.TypedChoiceField(
                label=label,
                coerce=int,
                choices=_indicator_choices(anchors),
                widget=forms.RadioSelect,
                help_text=_("1 is the most worrying, 5 the best."),
            )
        self.fields["narrative"] = _text(
            _("Narrative"),
            rows=6,
            help_text=_("What you observed and did today; what to watch next time."),
        )

    @property
    def indicator_fields(self) -> list[forms.BoundField]:
        return [self[key] for key, _label, _anchors in INDICATORS]


class NoteScheduleForm(forms.Form):
    interval_days = forms.IntegerField(
        label=_("Note every (days) after the shelter"), min_value=1, max_value=90
    )


class RecommendationForm(forms.Form):
    grounds = _text(
        _("Grounds"),
        rows=5,
        help_text=_("Why the child is safe and ready to go back to school now."),
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("reject", _("Reject"))],
        widget=forms.RadioSelect,
    )
    comment = _text(_("Comment"), rows=3, required=False, help_text=_("Required when rejecting."))


class EducationForm(forms.Form):
    school = forms.ModelChoiceField(
        label=_("School"),
        queryset=Agency.objects.none(),
        required=False,
        empty_label=_("— not in the list —"),
    )
    school_name = forms.CharField(
        label=_("School name"),
        max_length=200,
        required=False,
        help_text=_("When the school is not in the list."),
    )
    grade = forms.CharField(label=_("Grade / class"), max_length=30)
    started_on = forms.DateField(label=_("Start date"), widget=DATE)
    follow_up_interval_days = forms.IntegerField(
        label=_("Attendance follow-up every (days)"), min_value=7, max_value=90, initial=14
    )

    def __init__(self, *args: Any, schools: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools  # type: ignore[attr-defined]


class FollowUpForm(forms.Form):
    checked_on = forms.DateField(label=_("Date"), widget=DATE)
    attendance = forms.ChoiceField(
        label=_("Attendance"), choices=Attendance.choices, widget=forms.RadioSelect
    )
    notes = _text(_("Notes"), rows=2, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["checked_on"].initial = timezone.localdate()


class _FamilyForm(forms.Form):
    def __init__(self, *args: Any, members: list[FamilyMember], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "family_member" in self.fields:
            field = self.fields["family_member"]
            field.queryset = FamilyMember.objects.filter(  # type: ignore[attr-defined]
                pk__in=[m.pk for m in members]
            )
            if not members:
                del self.fields["family_member"]


class FamilyInterventionForm(_FamilyForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=InterventionKind.choices)
    occurred_on = forms.DateField(label=_("Date"), widget=DATE)
    family_member = forms.ModelChoiceField(
        label=_("Family member"), queryset=FamilyMember.objects.none(), required=False
    )
    participants = forms.CharField(
        label=_("Who took part"), max_length=300, help_text=_("e.g. mother and stepfather")
    )
    attended = forms.BooleanField(label=_("The family attended"), required=False, initial=True)
    topic = forms.CharField(label=_("Topic"), max_length=300)
    outcome = _text(_("Outcome"), rows=3, required=False)
    facilitator = forms.CharField(
        label=_("Facilitator"),
        max_length=150,
        required=False,
        help_text=_("Psychologist or worker who led it."),
    )


class CommitmentForm(_FamilyForm):
    family_member = forms.ModelChoiceField(
        label=_("Family member"), queryset=FamilyMember.objects.none(), required=False
    )
    signed_by = forms.CharField(label=_("Signed by"), max_length=200)
    signed_on = forms.DateField(label=_("Signed on"), widget=DATE)
    terms = _text(
        _("Terms"),
        rows=4,
        help_text=_("What the signer promises, e.g. not to send the child to the street."),
    )
    review_on = forms.DateField(label=_("Check on"), widget=DATE, required=False)


class CommitmentStatusForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(label=_("Status"), choices=CommitmentStatus.choices)
    note = _text(_("Note"), rows=2, required=False)

    def __init__(self, *args: Any, current: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        allowed = allowed_statuses("commitment", current)
        self.fields["status"].choices = [  # type: ignore[attr-defined]
            (v, label) for v, label in CommitmentStatus.choices if v in allowed
        ]


class RepeatForm(forms.Form):
    occurred_on = forms.DateField(label=_("Date"), widget=DATE)
    description = _text(_("What happened"), rows=3)


class LegalForm(forms.Form):
    target = forms.ChoiceField(label=_("Against a"), choices=LegalTarget.choices)
    target_name = forms.CharField(label=_("Name"), max_length=200)
    allegation = _text(_("Allegation"), rows=3)
    police_agency = forms.ModelChoiceField(
        label=_("Police unit"), queryset=Agency.objects.none(), required=False
    )
    reported_on = forms.DateField(label=_("Reported on"), widget=DATE, required=False)
    police_case_number = forms.CharField(
        label=_("Police report number"),
        max_length=80,
        required=False,
        help_text=_("e.g. LP/B/123/V/2026"),
    )

    def __init__(self, *args: Any, police: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["police_agency"].queryset = police  # type: ignore[attr-defined]


class LegalUpdateForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(label=_("Status"), choices=LegalStatus.choices)
    police_agency = forms.ModelChoiceField(
        label=_("Police unit"), queryset=Agency.objects.none(), required=False
    )
    reported_on = forms.DateField(label=_("Reported on"), widget=DATE, required=False)
    police_case_number = forms.CharField(
        label=_("Police report number"), max_length=80, required=False
    )
    outcome = _text(_("Outcome"), rows=3, required=False)

    def __init__(self, *args: Any, police: Any, current: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["police_agency"].queryset = police  # type: ignore[attr-defined]
        allowed = {current, *allowed_statuses("legal", current)}
        self.fields["status"].choices = [  # type: ignore[attr-defined]
            (v, label) for v, label in LegalStatus.choices if v in allowed
        ]


class TaskDoneForm(forms.Form):
    note = _text(_("What was done"), rows=3, required=False)


class ReassignForm(forms.Form):
    to_user = forms.ModelChoiceField(label=_("New lead worker"), queryset=User.objects.none())
    reason = _text(_("Reason"), rows=3)

    def __init__(self, *args: Any, candidates: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_user"].queryset = candidates  # type: ignore[attr-defined]
