"""Expected outcome of the geo routes for every persona (+ anonymous).

Format: see sigap/core/tests/routes.py; checked with real requests by
sigap/core/tests/test_routes.py. Regions are public reference data, but the picker is part of
the signed-in forms: anyone signed in gets the options, anonymous visitors the sign-in page.
(The regions API, api:regions, is listed in sigap/core/tests/access_matrix.py.)
"""

from __future__ import annotations

from sigap.core.tests.routes import row

MATRIX = {
    "geo:region_options": row(200, anonymous=302),
}
