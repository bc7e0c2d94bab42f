from __future__ import annotations

import io
from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from sigap.accounts import selectors, services
from sigap.accounts.forms import (
    AgencyFilterForm,
    AgencyForm,
    ApiTokenForm,
    AuditFilterForm,
    InviteForm,
    LoginForm,
    MembershipFilterForm,
    ProfileForm,
    QueuedPasswordResetForm,
    RoleChangeForm,
    TwoFactorCodeForm,
)
from sigap.accounts.models import Agency, ApiToken, Role, User
from sigap.core.access import PUBLIC, can, require, rule
from sigap.core.forms import add_service_errors as _add_errors
from sigap.core.pagination import paginate


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


# --- signing in and out ------------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


login_view = rule(PUBLIC)(LoginView.as_view())


@rule(PUBLIC)
@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    auth_logout(request)
    messages.info(request, _("You have signed out."))
    return redirect("accounts:login")


def _qr_svg(url: str) -> str:
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=4, xmldecl=False, svgns=True)
    return out.getvalue().decode()


@rule("account.two_factor")
def two_factor(request: HttpRequest) -> HttpResponse:
    """Verify this session with a code; or, with no authenticator yet, set one up."""
    user = _user(request)
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = reverse("core:home")  # never send a verified session to another site
    if user.is_verified():  # type: ignore[attr-defined]
        return redirect(next_url)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        form = TwoFactorCodeForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            matched = match_token(user, form.cleaned_data["code"].replace(" ", "").strip())
            if matched is not None:
                otp_login(request, matched)
                return redirect(next_url)
            form.add_error("code", _("The code is not right. Check the time on your phone."))
        return render(request, "accounts/two_factor_verify.html", {"form": form})
    # Set-up: a new unconfirmed device, confirmed by the first code the app shows.
    pending = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if pending is None or request.method == "GET":
        pending = services.totp_device_start(actor=user)
    form = TwoFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = services.totp_device_confirm(
                actor=user, device=pending, code=form.cleaned_data["code"]
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            otp_login(request, pending)
            return render(request, "accounts/recovery_codes.html", {"codes": codes})
    return render(
        request,
        "accounts/two_factor_setup.html",
        {"form": form, "qr_svg": _qr_svg(pending.config_url), "secret": pending.bin_key.hex()},
    )


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    form_class = QueuedPasswordResetForm
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:profile")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(self.request, _("Your password has been changed."))
        return response


password_reset = rule(PUBLIC)(PasswordResetView.as_view())
password_reset_done = rule(PUBLIC)(
    auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html")
)
password_reset_confirm = rule(PUBLIC)(PasswordResetConfirmView.as_view())
password_reset_complete = rule(PUBLIC)(
    auth_views.PasswordResetCompleteView.as_view(
        template_name="accounts/password_reset_complete.html"
    )
)
password_change = rule("account.self")(PasswordChangeView.as_view())


# --- profile and API tokens ----------------------------------------------------------------------


@rule("account.self")
def profile(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = ProfileForm(request.POST or None, instance=User.objects.get(pk=user.pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.user_update_profile(
                actor=user,
                full_name=form.cleaned_data["full_name"],
                email=form.cleaned_data["email"],
                phone=form.cleaned_data["phone"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Your profile has been saved."))
            return redirect("accounts:profile")
    return render(
        request,
        "accounts/profile.html",
        {
            "form": form,
            "token_form": ApiTokenForm(),
            "tokens": ApiToken.objects.filter(user=user),
            "has_2fa": TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
        },
    )


@rule("account.self")
@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = ApiTokenForm(request.POST)
    secret = None
    if form.is_valid():
        try:
            _token, secret = services.api_token_create(
                actor=user, name=form.cleaned_data["name"], days=form.cleaned_data["days"]
            )
        except ValidationError as exc:
            _add_errors(form, exc)
    return render(
        request,
        "accounts/profile.html",
        {
            "form": ProfileForm(instance=user),
            "token_form": ApiTokenForm() if secret else form,
            "new_secret": secret,
            "tokens": ApiToken.objects.filter(user=user),
            "has_2fa": TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
        },
        status=200 if secret or form.is_valid() else 422,
    )


@rule("account.self")
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, user=_user(request))
    services.api_token_revoke(actor=_user(request), token=token)
    messages.success(request, _("The token “%(name)s” has been revoked.") % {"name": token.name})
    return redirect("accounts:profile")


@rule("account.self")
@require_POST
def recovery_codes(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return redirect("accounts:two_factor")
    codes = services.recovery_codes_regenerate(actor=user)
    return render(request, "accounts/recovery_codes.html", {"codes": codes})


# --- agencies --------------------------------------------------------------------------------------


@rule("agency.list")
def agency_list(request: HttpRequest) -> HttpResponse:
    form = AgencyFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    agencies = selectors.agency_list(q=filters.get("q", ""), type=filters.get("type", ""))
    page = paginate(request, agencies.select_related("region"))
    return render(request, "accounts/agency_list.html", {"form": form, "page": page})


@rule("agency.list")
def agency_detail(request: HttpRequest, pk: int) -> HttpResponse:
    agency = get_object_or_404(Agency.objects.select_related("region"), pk=pk)
    can_manage_people = can(request.user, "users.manage", agency)
    return render(
        request,
        "accounts/agency_detail.html",
        {"agency": agency, "can_manage_people": can_manage_people},
    )


@rule("agency.manage")
def agency_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    agency = get_object_or_404(Agency, pk=pk) if pk else None
    form = AgencyForm(request.POST or None, instance=agency)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if agency is None:
                agency = services.agency_create(actor=_user(request), **data)
            else:
                services.agency_update(actor=_user(request), agency=agency, **data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The agency has been saved."))
            return redirect("accounts:agency_detail", pk=agency.pk)
    return render(
        request,
        "accounts/agency_form.html",
        {"form": form, "agency": agency},
        status=422 if form.errors else 200,
    )


# --- people of an agency ----------------------------------------------------------------------------


@rule("users.manage")
def user_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = MembershipFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {"active": "1"}
    memberships = selectors.membership_list_for(
        user=user,
        q=filters.get("q", ""),
        role=filters.get("role", ""),
        active=filters.get("active", "1") if request.GET else "1",
    )
    return render(
        request,
        "accounts/user_list.html",
        {"form": form, "page": paginate(request, memberships)},
    )


@rule("users.manage")
def user_invite(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = InviteForm(
        request.POST or None,
        agencies=selectors.agencies_managed_by(user=user),
        allow_system_admin=user.is_system_admin,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        require(user, "users.manage", data["agency"])
        try:
            invited = services.user_invite(actor=user, **data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request,
                _("An invitation has been sent to %(email)s.") % {"email": invited.email},
            )
            return redirect("accounts:user_list")
    return render(
        request, "accounts/user_invite.html", {"form": form}, status=422 if form.errors else 200
    )


@rule("users.manage")
def membership_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change the role of one membership, or deactivate it (after a confirmation page)."""
    user = _user(request)
    membership = selectors.membership_get_for(user=user, pk=pk)
    if membership is None:
        return render(request, "404.html", status=404)
    form = RoleChangeForm(request.POST or None, initial={"role": membership.role})
    if not user.is_system_admin:
        form.fields["role"].choices = [  # type: ignore[attr-defined]
            c for c in Role.choices if c[0] != Role.SYSTEM_ADMIN
        ]
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_change_role(
                actor=user, membership=membership, role=form.cleaned_data["role"]
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The role has been changed."))
            return redirect("accounts:user_list")
    return render(
        request,
        "accounts/membership_edit.html",
        {"membership": membership, "form": form},
        status=422 if form.errors else 200,
    )


@rule("users.manage")
def membership_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    membership = selectors.membership_get_for(user=user, pk=pk)
    if membership is None:
        return render(request, "404.html", status=404)
    if request.method == "POST":
        if membership.user_id == user.pk:
            messages.error(request, _("You cannot deactivate your own role."))
            return redirect("accounts:membership_edit", pk=membership.pk)
        try:
            services.membership_deactivate(actor=user, membership=membership)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("accounts:membership_edit", pk=membership.pk)
        messages.success(
            request,
            _("%(name)s no longer has this role. Their records and history are kept.")
            % {"name": membership.user.display_name},
        )
        return HttpResponseRedirect(reverse("accounts:user_list"))
    return render(request, "accounts/membership_deactivate.html", {"membership": membership})


# --- audit trail ---------------------------------------------------------------------------------------


@rule("audit.view")
def audit_list(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    events = selectors.audit_event_list_for(user=_user(request), filters=filters)
    page = paginate(request, events, per_page=50, cap=10_000)
    return render(request, "accounts/audit_list.html", {"form": form, "page": page})
