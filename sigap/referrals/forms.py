"""Forms of the referral pages: they parse and validate input; services apply the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sigap.accounts.models import CHILD_DATA_ROLES, Agency, User
from sigap.children.models import FamilyMember
from sigap.geo.models import Region
from sigap.referrals.models import (
    ChildView,
    ConsentBasis,
    ExceptionGround,
    Kind,
    ReviewOutcome,
    Section,
    SensitiveSection,
    Service,
    SimfoniService,
    Status,
    Urgency,
)
from sigap.referrals.selectors import INBOX, OUTBOX, OVERDUE

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEXT = forms.Textarea(attrs={"rows": 3})


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        agency = obj.primary_agency
        return f"{obj.display_name} ({agency})" if agency else obj.display_name


class GuardianChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        flag = f" — {_('alleged perpetrator')}" if obj.is_alleged_perpetrator else ""
        return f"{obj.full_name} ({obj.get_relation_display()}){flag}"


class ReferralFilterForm(forms.Form):
    box = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[("", _("All")), (INBOX, _("Received")), (OUTBOX, _("Sent by us"))],
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("All statuses")),
            ("open", _("Open")),
            (OVERDUE, _("Overdue")),
            *Status.choices,
        ],
    )
    q = forms.CharField(
        label=_("Reference or case number"),
        required=False,
        max_length=40,
        help_text=_("R-1A2B3C4D or SGP-6471-2026-000123"),
    )


class ReferralForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)
    to_agency = forms.ModelChoiceField(
        label=_("Receiving agency"), queryset=Agency.objects.none(), required=False
    )
    to_user = UserChoiceField(
        label=_("Named person (optional)"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("Only this person and the agency's supervisors will see the referral."),
    )
    to_region = forms.ModelChoiceField(
        label=_("Regency the child returns to (outside Sigap)"),
        queryset=Region.objects.none(),
        required=False,
    )
    external_recipient = forms.CharField(
        label=_("Receiving office outside Sigap"), required=False, max_length=200
    )
    services = forms.MultipleChoiceField(
        label=_("Services asked for"),
        choices=Service.choices,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        required=False,
    )
    sections = forms.MultipleChoiceField(
        label=_("Case sections shared (only what they need)"),
        choices=Section.choices,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        required=False,
    )
    reason = forms.CharField(label=_("Reason"), widget=TEXT, max_length=5000)
    urgency = forms.ChoiceField(
        label=_("Urgency"),
        choices=Urgency.choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    consent_basis = forms.ChoiceField(
        label=_("Basis for sharing"),
        choices=[("", _("Not recorded yet")), *ConsentBasis.choices],
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        required=False,
    )
    child_view = forms.ChoiceField(
        label=_("The child's view"),
        choices=[("", "—"), *ChildView.choices],
        required=False,
    )
    guardian = GuardianChoiceField(
        label=_("Guardian who consented"), queryset=FamilyMember.objects.none(), required=False
    )
    guardian_name = forms.CharField(
        label=_("…or the guardian's name, if not in the family list"),
        required=False,
        max_length=200,
    )
    exception_ground = forms.ChoiceField(
        label=_("Legal ground for sharing without consent"),
        choices=[("", "—"), *ExceptionGround.choices],
        required=False,
    )
    exception_note = forms.CharField(
        label=_("Why consent cannot be asked"), widget=TEXT, required=False, max_length=5000
    )

    def __init__(self, *args: Any, case: Any, kind: str, agencies: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.fields["to_agency"].queryset = agencies  # type: ignore[attr-defined]
        self.fields["to_user"].queryset = (  # type: ignore[attr-defined]
            User.objects.filter(
                is_active=True,
                memberships__agency__in=agencies,
                memberships__is_active=True,
                memberships__role__in=sorted(CHILD_DATA_ROLES),
            )
            .distinct()
            .order_by("full_name", "username")
        )
        self.fields["guardian"].queryset = FamilyMember.objects.filter(  # type: ignore[attr-defined]
            child_id=case.child_id
        ).order_by("full_name")
        if kind == Kind.TRANSFER:
            self.fields["to_region"].queryset = Region.objects.filter(  # type: ignore[attr-defined]
                level=Region.Level.REGENCY
            ).order_by("name")
            self.fields["services"].label = _("Services the child still needs (optional)")
            del self.fields["sections"]
            del self.fields["to_user"]
        else:
            del self.fields["to_region"]
            del self.fields["external_recipient"]

    def service_data(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if k != "version"}
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=TEXT, max_length=5000)


class RespondForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Your answer"),
        choices=[("accept", _("Accept")), ("decline", _("Decline"))],
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    reason = forms.CharField(
        label=_("Reason for declining"), widget=TEXT, required=False, max_length=5000
    )


class OutcomeForm(forms.Form):
    outcome = forms.CharField(label=_("Outcome for the referring agency"), widget=TEXT)


class WithdrawForm(forms.Form):
    note = forms.CharField(
        label=_("Who withdrew consent, when and how"), widget=TEXT, max_length=2000
    )


class ServiceRecordForm(forms.Form):
    service = forms.ChoiceField(label=_("Service delivered"), choices=SimfoniService.choices)
    delivered_on = forms.DateField(label=_("Date"), widget=DATE)
    provider = forms.CharField(label=_("Provided by"), max_length=200)
    outcome = forms.CharField(label=_("Outcome"), widget=TEXT, max_length=5000)


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Note"), widget=TEXT, max_length=5000)


class BreakGlassForm(forms.Form):
    number = forms.CharField(
        label=_("Case number"), max_length=32, help_text=_("e.g. SGP-6471-2026-000123")
    )
    reason = forms.CharField(
        label=_("Why you must open this case now"),
        widget=TEXT,
        max_length=2000,
        required=False,
        help_text=_("Your reason is shown to the case's owner and reviewed by a supervisor."),
    )


class ReviewForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Review"),
        choices=ReviewOutcome.choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    note = forms.CharField(label=_("Note"), widget=TEXT, required=False, max_length=2000)


class SectionGrantForm(forms.Form):
    user = UserChoiceField(label=_("Person"), queryset=User.objects.none())
    section = forms.ChoiceField(label=_("Section"), choices=SensitiveSection.choices)
    reason = forms.CharField(
        label=_("Why this person needs it"),
        widget=TEXT,
        max_length=2000,
        help_text=_("Recorded with the grant and shown to the case's owner."),
    )
    expires_at = forms.DateTimeField(
        label=_("Until"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
        help_text=_("Optional: the grant ends by itself at this time."),
    )

    def __init__(self, *args: Any, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = people  # type: ignore[attr-defined]


class SectionRevokeForm(forms.Form):
    note = forms.CharField(label=_("Note"), widget=TEXT, required=False, max_length=2000)
