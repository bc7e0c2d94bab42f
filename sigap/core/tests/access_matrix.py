"""Expected outcome of core's routes (and those declared in sigap/urls.py) for every persona.

Format: see sigap/core/tests/routes.py. Checked by sigap/core/tests/test_routes.py.
"""

from __future__ import annotations

from sigap.core.tests.routes import row

MATRIX = {
    "core:home": row(200, anonymous=302),
    "healthz": row(200),
    # GET only redirects back (the switch itself is a POST, tested in accounts/test_login.py).
    "set_language": row(302),
    # Regions are public reference data, but the API needs a signed-in user or a token.
    "api:regions": row(200, anonymous=401),
}
