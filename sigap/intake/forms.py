"""Forms of the public report, the staff intake, outreach and triage.

The public form carries two guards against scripted floods that need no outside service: a
honeypot field hidden from people (a bot fills it) and a signed timestamp (a person needs a few
seconds to fill the form; a replayed old form expires). Limits come from settings with defaults:
SIGAP_REPORT_MIN_FILL_SECONDS (5), SIGAP_REPORT_FORM_MAX_AGE_SECONDS (86400).
"""

from __future__ import annotations

import copy
import secrets
import time
from typing import Any

from django import forms
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sigap.accounts.models import Agency, User
from sigap.geo.models import Region
from sigap.intake import images, tracking
from sigap.intake.images import CleanImage
from sigap.intake.models import (
    STAFF_CHANNELS,
    Activity,
    AgeGroup,
    Category,
    Channel,
    CloseReason,
    Priority,
    ReporterRelation,
    Sex,
    Status,
)
from sigap.intake.services import ReportDetails

_SIGNING_SALT = "sigap.intake.report-form"
DEFAULT_MIN_FILL_SECONDS = 5
DEFAULT_FORM_MAX_AGE = 24 * 3600


def min_fill_seconds() -> float:
    return float(getattr(settings, "SIGAP_REPORT_MIN_FILL_SECONDS", DEFAULT_MIN_FILL_SECONDS))


def form_max_age() -> int:
    return int(getattr(settings, "SIGAP_REPORT_FORM_MAX_AGE_SECONDS", DEFAULT_FORM_MAX_AGE))


def new_form_token() -> str:
    """A signed (start time, nonce): the nonce makes a double submission idempotent."""
    return signing.dumps([time.time(), secrets.token_hex(8)], salt=_SIGNING_SALT)


class Refused(Exception):
    """A submission refused by the abuse guards; the message is shown as it is."""


def check_form_token(token: str) -> str:
    """Return the token's nonce, or raise Refused."""
    try:
        started, nonce = signing.loads(token, salt=_SIGNING_SALT, max_age=form_max_age())
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise Refused(
            _("This form has expired. Your answers are kept: check them and send again.")
        ) from exc
    if time.time() - float(started) < min_fill_seconds():
        raise Refused(_("The form was sent too quickly. Check your answers and send again."))
    return str(nonce)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Up to SIGAP_REPORT_MAX_PHOTOS photos, each checked by content and re-encoded."""

    widget = MultipleFileInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.widget.attrs.update({"accept": "image/jpeg,image/png,image/webp", "multiple": True})

    def to_python(self, data: Any) -> Any:
        return data

    def clean(self, data: Any, initial: Any = None) -> list[CleanImage]:
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > images.max_photos():
            raise ValidationError(
                _("Attach at most %(n)d photos.") % {"n": images.max_photos()}, code="too_many"
            )
        cleaned = []
        errors = []
        for upload in files:
            try:
                cleaned.append(
                    images.clean_image(upload, name=getattr(upload, "name", ""), size=upload.size)
                )
            except ValidationError as exc:
                errors.extend(exc.messages)
        if errors:
            raise ValidationError(errors)
        return cleaned


# "at" is None until first loaded: time.monotonic() counts from boot, so a fresh machine can be
# younger than the ten minutes and a 0.0 start would never load the table.
_VILLAGE_CACHE: dict[str, Any] = {"at": None, "regions": {}}
VILLAGE_CACHE_SECONDS = 600


def home_village(code: str) -> Region | None:
    """A kelurahan of the home regency by code, from a per-process copy of that small table
    (tens to a few hundred rows, reloaded every ten minutes): the busiest form needs no query."""
    now = time.monotonic()
    loaded_at = _VILLAGE_CACHE["at"]
    if loaded_at is None or now - loaded_at > VILLAGE_CACHE_SECONDS:
        home = settings.SIGAP_HOME_REGENCY
        _VILLAGE_CACHE["regions"] = {
            r.code: r
            for r in Region.objects.filter(level=Region.Level.VILLAGE, code__startswith=home + ".")
        }
        _VILLAGE_CACHE["at"] = now
    return _VILLAGE_CACHE["regions"].get(code)


def forget_villages() -> None:
    _VILLAGE_CACHE["at"] = None


class RegionChoiceField(forms.ChoiceField):
    """A kelurahan picker: the choices are for display; the value is checked against the region
    table by the form's clean_kelurahan (so the API needs no list of choices)."""

    def valid_value(self, value: Any) -> bool:
        return True


def _village_choices(groups: list[tuple[str, list[tuple[str, str]]]]) -> list[Any]:
    return [("", _("I don't know")), *[(district, villages) for district, villages in groups]]


class ReportFieldsMixin(forms.Form):
    """The fields every way of reporting shares."""

    category = forms.ChoiceField(
        label=_("What did you see?"), choices=Category.choices, widget=forms.RadioSelect
    )
    children_count = forms.IntegerField(
        label=_("How many children?"), min_value=1, max_value=99, initial=1
    )
    age_group = forms.ChoiceField(
        label=_("About how old?"), choices=AgeGroup.choices, initial=AgeGroup.UNKNOWN
    )
    immediate_danger = forms.BooleanField(
        label=_("A child is in danger right now"),
        required=False,
        help_text=_("In an emergency call 112 (police) or SAPA 129 as well."),
    )
    kelurahan = RegionChoiceField(label=_("Kelurahan"), required=False)
    landmark = forms.CharField(
        label=_("Where exactly?"),
        max_length=300,
        help_text=_("Street, junction, shop or another landmark."),
    )
    latitude = forms.DecimalField(
        required=False, max_digits=9, decimal_places=6, widget=forms.HiddenInput
    )
    longitude = forms.DecimalField(
        required=False, max_digits=9, decimal_places=6, widget=forms.HiddenInput
    )
    seen_at = forms.DateTimeField(
        label=_("When?"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    description = forms.CharField(
        label=_("What happened?"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What you saw and heard. Do not put yourself in danger to find out more."),
    )
    photos = PhotosField(
        label=_("Photos (optional)"),
        help_text=_("Up to 5 photos, JPEG, PNG or WebP, at most 10 MB each."),
    )

    def __init__(self, *args: Any, villages: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not isinstance(self.fields, SharedFields):
            self.set_villages(villages or [])
        if not self.is_bound:
            self.initial.setdefault(
                "seen_at", timezone.localtime().replace(second=0, microsecond=0)
            )

    def set_villages(self, villages: list[Any]) -> None:
        """The kelurahan picker's choices, grouped by kecamatan (selectors.home_villages)."""
        self.fields["kelurahan"].choices = _village_choices(villages)  # type: ignore[attr-defined]

    def clean_description(self) -> str:
        text = self.cleaned_data["description"].strip()
        if not text:
            raise ValidationError(_("Describe what you saw."))
        return text

    def clean_kelurahan(self) -> Region | None:
        code = self.cleaned_data.get("kelurahan")
        if not code:
            return None
        region = home_village(code)
        if region is None:
            raise ValidationError(_("Choose a kelurahan from the list."))
        return region

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        lat, lon = data.get("latitude"), data.get("longitude")
        if (lat is None) != (lon is None):
            self.add_error("latitude", _("Give both latitude and longitude, or neither."))
        return data

    def details(self) -> ReportDetails:
        d = self.cleaned_data
        return ReportDetails(
            category=d["category"],
            description=d["description"],
            landmark=d["landmark"],
            seen_at=d["seen_at"],
            children_count=d["children_count"],
            age_group=d["age_group"],
            kelurahan=d.get("kelurahan"),
            latitude=d.get("latitude"),
            longitude=d.get("longitude"),
            immediate_danger=d.get("immediate_danger", False),
            is_anonymous=d.get("is_anonymous", True),
            reporter_name=d.get("reporter_name", ""),
            reporter_phone=d.get("reporter_phone", ""),
            reporter_email=d.get("reporter_email", ""),
            reporter_address=d.get("reporter_address", ""),
            reporter_relation=d.get("reporter_relation", ""),
        )


class PublicReportForm(ReportFieldsMixin):
    CONTACT_CHOICES = [
        ("anonymous", _("Stay anonymous")),
        ("contact", _("Leave my contact so the team can ask me more")),
    ]

    contact = forms.ChoiceField(
        label=_("About you"), choices=CONTACT_CHOICES, initial="anonymous", widget=forms.RadioSelect
    )
    reporter_name = forms.CharField(label=_("Your name"), max_length=150, required=False)
    reporter_phone = forms.CharField(
        label=_("Phone or WhatsApp"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )
    reporter_email = forms.EmailField(label=_("Email"), required=False)
    reporter_relation = forms.ChoiceField(
        label=_("How do you know the child?"),
        required=False,
        choices=[("", _("Rather not say")), *ReporterRelation.choices],
    )
    # Abuse guards (see the module docstring). `website` is the honeypot.
    website = forms.CharField(required=False, label=_("Leave this field empty"))
    form_token = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, guards: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.guards = guards
        self.nonce: str | None = None
        if not self.is_bound:
            self.initial["form_token"] = new_form_token()

    def clean_reporter_phone(self) -> str:
        phone = self.cleaned_data.get("reporter_phone", "").strip()
        if phone and not all(c.isdigit() or c in "+-() " for c in phone):
            raise ValidationError(_("Write a phone number with digits only, e.g. 0812 3456 7890."))
        return phone

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["is_anonymous"] = data.get("contact", "anonymous") != "contact"
        if not data["is_anonymous"] and not (
            data.get("reporter_phone") or data.get("reporter_email")
        ):
            self.add_error(
                "reporter_phone",
                _("Give a phone number or an email, or choose to stay anonymous."),
            )
        return data

    def check_guards(self) -> None:
        """Raise Refused for a bot-like submission (run after is_valid())."""
        if not self.guards:
            return
        if (self.data.get("website") or "").strip():
            raise Refused(_("Your report could not be accepted. Please try again later."))
        self.nonce = check_form_token(self.data.get("form_token") or "")

    def with_fresh_token(self) -> PublicReportForm:
        """Keep the answers but give a new token (after an expired one)."""
        data = self.data.copy()  # type: ignore[attr-defined]
        data["form_token"] = new_form_token()
        self.data = data
        return self


class SharedFields(dict[str, forms.Field]):
    """The fields of a form that no instance changes, shared by all of them: Django deep-copies a
    form's fields for each instance (~0.3 ms for the public report form), so that an instance may
    change its own; a form with these fields must not."""

    def __deepcopy__(self, memo: dict[int, Any]) -> SharedFields:
        return self


class PublicReportApiForm(PublicReportForm):
    """The public report form's fields and rules, for the API (sigap.intake.api): the same
    validation, without the per-instance copy of the fields, since the API renders no form and
    changes no field. Its kelurahan choices stay empty: the value is checked by clean_kelurahan."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, guards=False, **kwargs)


PublicReportApiForm.base_fields = SharedFields(copy.deepcopy(PublicReportForm.base_fields))


class TrackingForm(forms.Form):
    code = forms.CharField(
        label=_("Tracking code"),
        max_length=30,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
        help_text=_("The code you received, e.g. K7QM-4XPA-9TZD."),
    )

    def clean_code(self) -> str:
        code = tracking.normalize(self.cleaned_data["code"])
        if code is None:
            raise ValidationError(
                _("A tracking code has 12 letters and digits, e.g. K7QM-4XPA-9TZD.")
            )
        return code


class StaffReportForm(ReportFieldsMixin):
    channel = forms.ChoiceField(label=_("How did the report arrive?"), choices=STAFF_CHANNELS)
    is_anonymous = forms.BooleanField(
        label=_("The reporter wants to stay anonymous"), required=False
    )
    reporter_name = forms.CharField(label=_("Reporter's name"), max_length=150, required=False)
    reporter_phone = forms.CharField(label=_("Reporter's phone"), max_length=40, required=False)
    reporter_email = forms.EmailField(label=_("Reporter's email"), required=False)
    reporter_address = forms.CharField(
        label=_("Reporter's address"), max_length=300, required=False
    )
    reporter_relation = forms.ChoiceField(
        label=_("Relation to the child"),
        required=False,
        choices=[("", "—"), *ReporterRelation.choices],
    )
    child_name = forms.CharField(
        label=_("Child's name or nickname (if known)"), max_length=200, required=False
    )
    child_sex = forms.ChoiceField(label=_("Sex"), required=False, choices=[("", "—"), *Sex.choices])
    child_age = forms.IntegerField(
        label=_("Estimated age"), required=False, min_value=0, max_value=17
    )

    field_order = [
        "channel",
        "category",
        "children_count",
        "age_group",
        "immediate_danger",
        "kelurahan",
        "landmark",
        "seen_at",
        "description",
        "child_name",
        "child_sex",
        "child_age",
        "is_anonymous",
        "reporter_name",
        "reporter_phone",
        "reporter_email",
        "reporter_address",
        "reporter_relation",
        "photos",
    ]


class ScreeningForm(forms.Form):
    immediate_danger = forms.BooleanField(label=_("Immediate danger"), required=False)
    injury = forms.BooleanField(label=_("Injured"), required=False)
    very_young = forms.BooleanField(label=_("Very young child (under 5)"), required=False)
    out_at_night = forms.BooleanField(label=_("Out at night"), required=False)
    trafficking_signs = forms.BooleanField(
        label=_("Signs of trafficking or an organiser"), required=False
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(label=_("Assign to"), queryset=User.objects.none())
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, officers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = officers  # type: ignore[attr-defined]


class CloseForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Reason"), choices=CloseReason.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class ReferForm(forms.Form):
    agency = forms.ModelChoiceField(label=_("Agency"), queryset=Agency.objects.none())
    note = forms.CharField(
        label=_("What the agency should do"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, agencies: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies  # type: ignore[attr-defined]


class MergeForm(forms.Form):
    into = forms.ChoiceField(label=_("Merge into"), widget=forms.RadioSelect)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, candidates: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.candidates = {str(r.pk): r for r in candidates}
        self.fields["into"].choices = [(str(r.pk), r.reference) for r in candidates]  # type: ignore[attr-defined]


class QueueFilterForm(forms.Form):
    STATUS_CHOICES = [("open", _("Open")), ("all", _("All")), *Status.choices]

    q = forms.CharField(label=_("Reference"), required=False, max_length=20)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=STATUS_CHOICES)
    priority = forms.ChoiceField(
        label=_("Priority"), required=False, choices=[("", _("All priorities")), *Priority.choices]
    )
    category = forms.ChoiceField(
        label=_("Category"), required=False, choices=[("", _("All categories")), *Category.choices]
    )
    channel = forms.ChoiceField(
        label=_("Channel"),
        required=False,
        choices=[("", _("All channels")), *Channel.choices],
    )
    assigned = forms.ChoiceField(
        label=_("Assigned"),
        required=False,
        choices=[("", _("Anyone")), ("me", _("Me")), ("none", _("Nobody yet"))],
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)


class OutreachForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(label=_("From"), widget=forms.TimeInput(attrs={"type": "time"}))
    end_time = forms.TimeField(label=_("Until"), widget=forms.TimeInput(attrs={"type": "time"}))
    district = forms.ModelChoiceField(
        label=_("Kecamatan"), queryset=Region.objects.none(), required=False
    )
    area = forms.CharField(
        label=_("Area"), max_length=200, help_text=_("Streets, junctions or landmarks covered.")
    )
    team = forms.CharField(
        label=_("Team"), max_length=300, help_text=_("Names or units of the people who went.")
    )
    agencies = forms.ModelMultipleChoiceField(
        label=_("Agencies taking part"),
        queryset=Agency.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, districts: Any, agencies: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = districts  # type: ignore[attr-defined]
        self.fields["agencies"].queryset = agencies  # type: ignore[attr-defined]


class OutreachChildForm(forms.Form):
    """One short form per child found: what a team member can fill in on a phone, on the street."""

    child_name = forms.CharField(label=_("Name or nickname"), max_length=200)
    child_age = forms.IntegerField(
        label=_("Estimated age"), min_value=0, max_value=17, required=False
    )
    child_sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices, widget=forms.RadioSelect)
    activity = forms.ChoiceField(label=_("Doing what?"), choices=Activity.choices)
    found_time = forms.TimeField(
        label=_("Time found"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    location = forms.CharField(label=_("Where exactly?"), max_length=300)
    kelurahan = RegionChoiceField(label=_("Kelurahan"), required=False)
    origin_text = forms.CharField(
        label=_("Comes from (if known)"),
        max_length=200,
        required=False,
        help_text=_("Town, regency or province the child says they come from."),
    )
    accompanying_adult = forms.CharField(
        label=_("Accompanying adult"),
        max_length=300,
        required=False,
        help_text=_("Who was with the child, and how they are related, if known."),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, villages: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kelurahan"].choices = _village_choices(villages or [])  # type: ignore[attr-defined]

    clean_kelurahan = ReportFieldsMixin.clean_kelurahan


class OpenCaseForm(forms.Form):
    """Step two of "open a case": an existing child from the possible duplicates, or a new one."""

    child = forms.ChoiceField(label=_("Which child?"), widget=forms.RadioSelect)
    full_name = forms.CharField(label=_("Name or nickname"), max_length=200, required=False)
    sex = forms.ChoiceField(
        label=_("Sex"),
        required=False,
        choices=[("", "—"), ("male", _("Male")), ("female", _("Female"))],
    )
    estimated_age = forms.IntegerField(
        label=_("Estimated age"), min_value=0, max_value=17, required=False
    )
    summary = forms.CharField(
        label=_("Case summary"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Leave empty to use the report's description."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, candidates: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.candidates = {str(c.pk): c for c in candidates}
        self.fields["child"].choices = [  # type: ignore[attr-defined]
            *[(str(c.pk), c.full_name) for c in candidates],
            ("new", _("None of these: register a new child")),
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("child") == "new":
            if not (data.get("full_name") or "").strip():
                self.add_error("full_name", _("Write the child's name (or nickname)."))
            if not data.get("sex"):
                self.add_error("sex", _("Choose the child's sex."))
        return data
