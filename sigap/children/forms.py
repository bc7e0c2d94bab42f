from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.urls import reverse_lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from sigap.children.crypto import is_valid_identity_number, normalise_identity_number
from sigap.children.models import (
    AliasKind,
    BirthCertificateStatus,
    PersonRole,
    Relation,
    Religion,
    SchoolStatus,
    Sex,
)
from sigap.geo.models import Region

REGION_OPTIONS_URL = reverse_lazy("geo:region_options")


class RegionField(forms.ModelChoiceField):
    """A region typed as its Kemendagri code, with suggestions from the geo picker (htmx)."""

    def __init__(self, *, level: str | None, datalist: str, name: str, **kwargs: Any) -> None:
        queryset = Region.objects.all()
        if level == Region.Level.VILLAGE:
            queryset = queryset.filter(level=Region.Level.VILLAGE)
        elif level == "regency_or_below":
            queryset = queryset.exclude(level=Region.Level.PROVINCE)
        params = f"?field={name}" + (f"&level={level}" if level == Region.Level.VILLAGE else "")
        widget = forms.TextInput(
            attrs={
                "list": datalist,
                "autocomplete": "off",
                "inputmode": "search",
                "hx-get": format_lazy("{}{}", REGION_OPTIONS_URL, params),
                "hx-trigger": "input changed delay:250ms",
                "hx-target": f"#{datalist}",
            }
        )
        super().__init__(queryset=queryset, to_field_name="code", widget=widget, **kwargs)
        self.error_messages["invalid_choice"] = _(
            "Unknown region: type a name and pick a suggestion, or enter its code."
        )


def _identity_number(label: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=24,
        help_text=_("16 digits."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


class ChildForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices, widget=forms.RadioSelect)
    birth_date = forms.DateField(
        label=_("Birth date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    estimated_age = forms.IntegerField(
        label=_("Or estimated age (years)"),
        required=False,
        min_value=0,
        max_value=17,
        help_text=_("When the birth date is unknown. The age then advances with time."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    place_of_birth = forms.CharField(label=_("Place of birth"), max_length=100, required=False)
    origin_region = RegionField(
        label=_("Region of origin"),
        level="regency_or_below",
        datalist="origin-options",
        name="origin_region",
        required=False,
        help_text=_("Where the child or family comes from (kabupaten/kota), e.g. 64.71."),
    )
    address = forms.CharField(label=_("Current address"), max_length=300, required=False)
    kelurahan = RegionField(
        label=_("Kelurahan/desa"),
        level=Region.Level.VILLAGE,
        datalist="kelurahan-options",
        name="kelurahan",
        required=False,
    )
    rt = forms.CharField(label=_("RT"), max_length=3, required=False)
    rw = forms.CharField(label=_("RW"), max_length=3, required=False)
    religion = forms.ChoiceField(
        label=_("Religion"), choices=Religion.choices, initial=Religion.UNKNOWN
    )
    languages = forms.CharField(label=_("Languages spoken"), max_length=200, required=False)
    birth_certificate_status = forms.ChoiceField(
        label=_("Birth certificate"),
        choices=BirthCertificateStatus.choices,
        initial=BirthCertificateStatus.UNKNOWN,
    )
    school_status = forms.ChoiceField(
        label=_("School"), choices=SchoolStatus.choices, initial=SchoolStatus.UNKNOWN
    )
    has_disability = forms.BooleanField(label=_("Has a disability"), required=False)
    disability = forms.CharField(label=_("Disability details"), max_length=300, required=False)
    nik = _identity_number(_("NIK"))
    family_card_number = _identity_number(_("Family card number (KK)"))
    aliases = forms.CharField(
        label=_("Nicknames and street names"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line."),
    )
    photo = forms.FileField(
        label=_("Photo"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        help_text=_("JPEG, PNG or WebP, at most 5 MB. Only people with access see it."),
    )

    def clean_nik(self) -> str:
        return self._identity_number("nik")

    def clean_family_card_number(self) -> str:
        return self._identity_number("family_card_number")

    def _identity_number(self, name: str) -> str:
        value = normalise_identity_number(self.cleaned_data.get(name, ""))
        if value and not is_valid_identity_number(value):
            raise forms.ValidationError(_("A number of exactly 16 digits."))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("birth_date") and data.get("estimated_age") is not None:
            self.add_error(
                "estimated_age", _("Give either the birth date or an estimated age, not both.")
            )
        return data

    def alias_list(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data.get("aliases", "").splitlines()]


class ChildEditForm(ChildForm):
    """The same fields without aliases (managed on the child page); blank identity numbers keep
    the stored ones; `version` carries the version the form was opened with."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    remove_photo = forms.BooleanField(label=_("Remove the photo"), required=False)
    clear_identity_numbers = forms.BooleanField(
        label=_("Remove the stored NIK and family card number"), required=False
    )

    def __init__(self, *args: Any, sensitive: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["aliases"]
        self.fields["nik"].help_text = _("16 digits. Leave empty to keep the stored number.")
        self.fields["family_card_number"].help_text = self.fields["nik"].help_text
        if not sensitive:
            for name in ("nik", "family_card_number", "photo", "remove_photo"):
                del self.fields[name]
            del self.fields["clear_identity_numbers"]


class ChildFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    sex = forms.ChoiceField(
        label=_("Sex"), required=False, choices=[("", _("Any sex")), *Sex.choices]
    )
    kelurahan = forms.ChoiceField(label=_("Kelurahan"), required=False, choices=[])
    origin = forms.ChoiceField(
        label=_("Origin"),
        required=False,
        choices=[
            ("", _("Any origin")),
            ("pendatang", _("Newcomers (pendatang)")),
            ("local", _("From this city")),
        ],
    )
    school_status = forms.ChoiceField(
        label=_("School"),
        required=False,
        choices=[("", _("Any school status")), *SchoolStatus.choices],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        home = settings.SIGAP_HOME_REGENCY
        villages = Region.objects.filter(
            level=Region.Level.VILLAGE, code__startswith=home + "."
        ).order_by("name")
        self.fields["kelurahan"].choices = [  # type: ignore[attr-defined]
            ("", _("Any kelurahan")),
            *((r.code, r.name) for r in villages),
        ]


class AliasForm(forms.Form):
    alias = forms.CharField(label=_("Alias"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=AliasKind.choices)


class FamilyMemberForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    relation = forms.ChoiceField(label=_("Relation"), choices=Relation.choices)
    is_guardian = forms.BooleanField(label=_("Guardian of the child"), required=False)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    is_alive = forms.BooleanField(label=_("Alive"), required=False, initial=True)
    is_alleged_perpetrator = forms.BooleanField(label=_("Alleged perpetrator"), required=False)
    sibling_child = forms.UUIDField(
        label=_("Sibling's own record"),
        required=False,
        help_text=_("If the sibling is registered too: the record number shown on their page."),
    )
    notes = forms.CharField(label=_("Notes"), max_length=500, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class PersonForm(forms.Form):
    full_name = forms.CharField(label=_("Name"), max_length=200)
    aliases = forms.CharField(
        label=_("Aliases"), max_length=300, required=False, help_text=_("Comma-separated.")
    )
    sex = forms.ChoiceField(label=_("Sex"), required=False, choices=[("", "—"), *Sex.choices])
    role = forms.ChoiceField(label=_("Role"), choices=PersonRole.choices)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class PersonFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    role = forms.ChoiceField(
        label=_("Role"), required=False, choices=[("", _("Any role")), *PersonRole.choices]
    )


class IncidentForm(forms.Form):
    occurred_at = forms.DateTimeField(
        label=_("When"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    place = forms.CharField(label=_("Place"), max_length=200)
    kelurahan = RegionField(
        label=_("Kelurahan/desa"),
        level=Region.Level.VILLAGE,
        datalist="kelurahan-options",
        name="kelurahan",
        required=False,
    )
    description = forms.CharField(
        label=_("What happened"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class IncidentChildForm(forms.Form):
    child = forms.UUIDField()
