"""The JSON API under /api/v1/: each domain defines a router in its own api.py; this assembles
them, sets authentication (bearer token or session) and the problem+json error shape."""

from __future__ import annotations

from ninja import NinjaAPI

from sigap.accounts.api import router as accounts_router
from sigap.api import problems
from sigap.api.auth import BearerToken, SessionAuth
from sigap.care.api import router as care_router
from sigap.cases.api import router as cases_router
from sigap.children.api import router as children_router
from sigap.core.access import PUBLIC, rule
from sigap.geo.api import router as geo_router
from sigap.intake.api import router as intake_router
from sigap.referrals.api import router as referrals_router

api = NinjaAPI(
    title="Sigap API",
    version="1",
    description=(
        "JSON API of Sigap. Authenticate with a personal token: `Authorization: Bearer <token>` "
        "(create one on your profile page or with `manage.py create_api_token`). Errors are "
        "`application/problem+json` (RFC 9457); invalid fields are listed in `errors`. Lists take "
        "`limit` (1–100, default 25) and `offset` and answer `{items, count, count_is_capped, "
        "limit, offset}`."
    ),
    urls_namespace="api",
    auth=[BearerToken(), SessionAuth()],
    docs_url="/docs",
    openapi_url="/openapi.json",
    # The schema and the docs page are public (they describe the API, not its data); declaring
    # the rule lets them past AccessRuleMiddleware, which refused them with 403.
    docs_decorator=rule(PUBLIC),
)
problems.install(api)
api.add_router("", accounts_router)
api.add_router("", geo_router)
api.add_router("", children_router)
api.add_router("", cases_router)
api.add_router("", intake_router)
api.add_router("", care_router)
api.add_router("", referrals_router)
