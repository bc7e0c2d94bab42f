"""Expected outcome of every dedupe route for every persona (+ anonymous).

Format: see sigap/core/tests/routes.py; checked with real requests by
sigap/core/tests/test_routes.py. 302 for anonymous is the redirect to sign-in; 404 is "not yours
to know it exists"; 403 is "you know the page, but may not do this".

The sample pair: two records of one child, both registered by the persona case worker at the home
agency, so both are visible to the case worker (her registrations) and to the supervisor (his
agency's registrations). Reviewing, deciding and merging is for case workers and supervisors
(dedupe.review / decide / merge); the outsider is a case worker of another agency: he may open the
review list (his own agency's pairs) but not this pair, 404. The intake officer sees both
children but does not review pairs: 403 like every other role. The registration suggestions
follow children.register (intake officer, case worker, supervisor, outsider).
"""

from __future__ import annotations

from typing import Any

from sigap.core.tests.routes import row

REVIEWERS_PAGE = row(403, anonymous=302, case_worker=200, supervisor=200, outsider=200)
SAMPLE_PAIR = row(403, anonymous=302, case_worker=200, supervisor=200, outsider=404)

MATRIX = {
    "dedupe:suggest": row(
        403, anonymous=302, intake_officer=200, case_worker=200, supervisor=200, outsider=200
    ),
    "dedupe:review_list": REVIEWERS_PAGE,
    "dedupe:candidate_detail": SAMPLE_PAIR,
    "dedupe:candidate_decide": SAMPLE_PAIR,  # the confirmation page (?decision=confirmed)
    # Without a decision the page sends the reviewer back to the pair.
    "dedupe:candidate_decide#no_decision": row(
        403, anonymous=302, case_worker=302, supervisor=302, outsider=404
    ),
    "dedupe:merge": SAMPLE_PAIR,
    "dedupe:merge_undo": SAMPLE_PAIR,
}


# --- sample records -----------------------------------------------------------------------------


def _pair(get: Any, *, confirmed: bool = False) -> Any:
    from datetime import date

    from sigap.dedupe.models import CandidateStatus
    from sigap.dedupe.tests.conftest import make_pair, register

    worker = get("case_worker")
    a = register(worker, "Anak Matriks Pratama", birth_date=date(2014, 2, 3))
    b = register(worker, "Anak Matrik Pratama", birth_date=date(2014, 2, 3))
    status = CandidateStatus.CONFIRMED if confirmed else CandidateStatus.PROPOSED
    return make_pair(a, b, status=status)


def _merge(get: Any) -> Any:
    from sigap.dedupe.services import child_merge

    pair = _pair(get, confirmed=True)
    return child_merge(
        actor=get("case_worker"), candidate=pair, survivor=pair.child_a, version=pair.version
    )


KWARGS = {
    "dedupe:candidate_detail": lambda get: {"pk": _pair(get).pk},
    "dedupe:candidate_decide": lambda get: {"pk": _pair(get).pk},
    "dedupe:candidate_decide#no_decision": lambda get: {"pk": _pair(get).pk},
    "dedupe:merge": lambda get: {"pk": _pair(get, confirmed=True).pk},
    "dedupe:merge_undo": lambda get: {"pk": _merge(get).pk},
}
DATA = {
    "dedupe:suggest": {"full_name": "Anak Matriks"},
    "dedupe:candidate_decide": {"decision": "confirmed"},
}
