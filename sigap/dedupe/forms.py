from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sigap.children.models import Sex
from sigap.dedupe.models import CandidateStatus


class SuggestForm(forms.Form):
    """The registration form's fields as the suggestions read them (GET, all optional). A value
    that does not parse is ignored rather than refused: the suggestions must never get in the
    way of typing; the registration form itself reports the error."""

    full_name = forms.CharField(required=False, max_length=200)
    aliases = forms.CharField(required=False, max_length=1000)
    sex = forms.ChoiceField(required=False, choices=[("", "")] + list(Sex.choices))
    birth_date = forms.DateField(required=False)
    estimated_age = forms.IntegerField(required=False, min_value=0, max_value=30)
    place_of_birth = forms.CharField(required=False, max_length=100)
    kelurahan = forms.CharField(required=False, max_length=20)
    origin_region = forms.CharField(required=False, max_length=20)
    address = forms.CharField(required=False, max_length=300)
    father_name = forms.CharField(required=False, max_length=200)
    mother_name = forms.CharField(required=False, max_length=200)

    def values(self) -> dict[str, Any]:
        """The fields that parsed (invalid ones dropped)."""
        self.is_valid()
        return {k: v for k, v in self.cleaned_data.items() if k not in self.errors}


class StatusFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All"))] + list(CandidateStatus.choices),
    )


class DecideForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(
        choices=[
            (CandidateStatus.CONFIRMED, _("Same child")),
            (CandidateStatus.REJECTED, _("Different children")),
        ],
        widget=forms.HiddenInput,
    )


class MergeForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    survivor = forms.ChoiceField(
        label=_("Record to keep"),
        widget=forms.RadioSelect,
        help_text=_(
            "The other record's cases move to this one and its names become aliases of this "
            "one; the other record is kept, marked as merged. Nothing is deleted, and the merge "
            "can be undone."
        ),
    )

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["survivor"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices
