from __future__ import annotations

import unicodedata
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.template import loader
from django.utils.translation import gettext_lazy as _

from sigap.accounts.models import Agency, AgencyType, Membership, Role, User
from sigap.core.tasks import send_email
from sigap.geo.models import Region


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _(
            "The username or password is not right. After several wrong tries the account is "
            "locked for a while."
        ),
        "inactive": _("This account has been deactivated. Ask your agency administrator."),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autofocus": True})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})

    def clean(self) -> dict[str, Any]:
        # ModelBackend refuses inactive users before AuthenticationForm can say why, so a
        # deactivated person would only read "wrong password". Tell them, but only when the
        # password is right (the wrong one learns nothing about the account).
        try:
            return super().clean()
        except forms.ValidationError:
            if self._deactivated_with_right_password():
                raise forms.ValidationError(
                    self.error_messages["inactive"], code="inactive"
                ) from None
            raise

    def _deactivated_with_right_password(self) -> bool:
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if not username or not password:
            return False
        user = User.objects.filter(username=username, is_active=False).first()
        return user is not None and user.check_password(password)


def _email_matches(stored: str, given: str) -> bool:
    # As Django's own reset form: the database match is case-insensitive only, so compare again.
    return (
        unicodedata.normalize("NFKC", stored).casefold()
        == unicodedata.normalize("NFKC", given).casefold()
    )


class QueuedPasswordResetForm(PasswordResetForm):
    """Sends the reset email from the task worker, so the page answers at once."""

    def get_users(self, email: str) -> Any:
        # Django skips accounts without a usable password; here those are people invited but not
        # yet signed up, whose invitation link (three days) may have expired: let them ask again.
        return (
            u
            for u in User.objects.filter(email__iexact=email, is_active=True)
            if _email_matches(u.email, email)
        )

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        send_email.enqueue(subject=subject, body=body, to=[to_email])


class TwoFactorCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        help_text=_("The 6-digit code from your authenticator app, or one of your recovery codes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text"}),
    )


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["full_name", "email", "phone"]


class ApiTokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    days = forms.IntegerField(label=_("Valid for (days)"), min_value=1, max_value=365, initial=90)


class AgencyForm(forms.ModelForm):
    region = forms.ModelChoiceField(
        label=_("Region"),
        queryset=Region.objects.exclude(level=Region.Level.PROVINCE),
        to_field_name="code",
        widget=forms.TextInput(
            attrs={
                "list": "region-options",
                "autocomplete": "off",
                "hx-get": "/wilayah/pilih/?field=region",
                "hx-trigger": "input changed delay:250ms",
                "hx-target": "#region-options",
            }
        ),
        help_text=_("Kemendagri code of the regency, district or village, e.g. 64.71."),
    )

    class Meta:
        model = Agency
        fields = ["name", "short_name", "type", "region", "address", "phone", "email"]


class InviteForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    username = forms.SlugField(label=_("Username"), max_length=150)
    email = forms.EmailField(label=_("Email"))
    agency = forms.ModelChoiceField(label=_("Agency"), queryset=Agency.objects.none())
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)

    def __init__(self, *args: Any, agencies: Any, allow_system_admin: bool, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["agency"].queryset = agencies  # type: ignore[attr-defined]
        if not allow_system_admin:
            self.fields["role"].choices = [  # type: ignore[attr-defined]
                c for c in Role.choices if c[0] != Role.SYSTEM_ADMIN
            ]


class RoleChangeForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class AgencyFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    type = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("All types")), *AgencyType.choices]
    )


class MembershipFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    role = forms.ChoiceField(
        label=_("Role"), required=False, choices=[("", _("All roles")), *Role.choices]
    )
    active = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("1", _("Active")), ("0", _("Deactivated")), ("", _("All"))],
    )


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label=_("Actor"), required=False)
    action = forms.CharField(label=_("Action"), required=False)
    object_type = forms.CharField(label=_("Object type"), required=False)
    object_id = forms.CharField(label=_("Object id"), required=False)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


MEMBERSHIP_ROLE_CHOICES = Membership._meta.get_field("role").choices
