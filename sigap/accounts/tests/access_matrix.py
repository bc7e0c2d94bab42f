"""Expected outcome of every accounts route for every persona (+ anonymous).

Format: see sigap/core/tests/routes.py. Checked by sigap/core/tests/test_routes.py. 302 for
anonymous is the redirect to the sign-in page; 404 is "not yours to know it exists".
"""

from __future__ import annotations

from typing import Any

from sigap.accounts.models import Membership
from sigap.accounts.services import api_token_create
from sigap.core.tests.routes import row

SIGNED_IN = row(200, anonymous=302)
ADMINS = row(403, anonymous=302, agency_admin=200, system_admin=200)
# A person of another agency: an agency admin must not learn they exist; a system admin may.
ADMINS_OTHER_AGENCY = row(403, anonymous=302, agency_admin=404, system_admin=200)
SYSTEM_ADMIN = row(403, anonymous=302, system_admin=200)

MATRIX = {
    "accounts:login": row(302, anonymous=200),
    "accounts:logout": row(302),
    "accounts:two_factor": SIGNED_IN,
    "accounts:password_reset": row(200),
    "accounts:password_reset_done": row(200),
    "accounts:password_reset_confirm": row(200),  # an invalid link shows its own message
    "accounts:password_reset_complete": row(200),
    "accounts:password_change": SIGNED_IN,
    "accounts:profile": SIGNED_IN,
    "accounts:token_create": SIGNED_IN,
    # A token of the case worker: only its owner may revoke it; to anyone else it does not exist.
    "accounts:token_revoke": row(404, anonymous=302, case_worker=302),
    # Without an authenticator there is nothing to renew: back to the set-up page.
    "accounts:recovery_codes": row(302),
    "accounts:agency_list": SIGNED_IN,
    "accounts:agency_create": SYSTEM_ADMIN,
    "accounts:agency_detail": SIGNED_IN,
    "accounts:agency_detail#missing": row(404, anonymous=302),
    "accounts:agency_edit": SYSTEM_ADMIN,
    "accounts:user_list": ADMINS,
    "accounts:user_invite": ADMINS,
    "accounts:membership_edit": ADMINS,
    "accounts:membership_edit#other_agency": ADMINS_OTHER_AGENCY,
    "accounts:membership_deactivate": ADMINS,
    "accounts:membership_deactivate#other_agency": ADMINS_OTHER_AGENCY,
    "accounts:audit_list": ADMINS,
    "api:me": row(200, anonymous=401),
    "api:agencies": row(200, anonymous=401),
}


def _home_membership(get: Any) -> dict[str, Any]:
    return {"pk": Membership.objects.get(user=get("case_worker")).pk}


def _other_membership(get: Any) -> dict[str, Any]:
    return {"pk": Membership.objects.get(user=get("outsider")).pk}


def _case_worker_token(get: Any) -> dict[str, Any]:
    token, _secret = api_token_create(actor=get("case_worker"), name="matrix")
    return {"pk": token.pk}


KWARGS = {
    "accounts:password_reset_confirm": lambda get: {"uidb64": "MQ", "token": "not-a-token"},
    "accounts:token_revoke": _case_worker_token,
    "accounts:agency_detail": lambda get: {"pk": get("home_agency").pk},
    "accounts:agency_detail#missing": lambda get: {"pk": 999_999},
    "accounts:agency_edit": lambda get: {"pk": get("home_agency").pk},
    "accounts:membership_edit": _home_membership,
    "accounts:membership_edit#other_agency": _other_membership,
    "accounts:membership_deactivate": _home_membership,
    "accounts:membership_deactivate#other_agency": _other_membership,
}

METHODS = {
    "accounts:logout": "post",
    "accounts:token_create": "post",
    "accounts:token_revoke": "post",
    "accounts:recovery_codes": "post",
}

DATA = {"accounts:token_create": {"name": "matrix", "days": 30}}
