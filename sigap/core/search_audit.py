"""Searches are audit events (issue #7, point 7): who searched which list, with which filters.

One rule for every list, so no domain writes a child's name or NIK into the audit trail (agency
and system administrators read the audit list, and they see no child data): the search term is
recorded only as its kind and a keyed digest. The digest (HMAC-SHA256 with a key derived from
SECRET_KEY, 16 hex characters) lets an investigator with access to the server answer "who searched
for this name or this NIK" by computing the digest of the term (`search_term_digest`), while
the audit list itself shows nothing readable. A record reference (case number, referral or
report reference) or a bare case sequence is not personal data and is kept as typed, so a
supervisor can read it in the access reports.

One insert per search (audit_log), like the read events of the detail pages; an unfiltered list
page is no search and writes nothing (callers check `is_search` first).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.utils.crypto import salted_hmac

from sigap.core.audit import audit_log
from sigap.core.models import AuditEvent

_SALT = "sigap.core.search-term"
# A record reference: a case number (SGP-6471-2026-0001, or its start), a referral (R-1A2B3C4D),
# a report's staff reference (L-1A2B3C4D).
_REFERENCE = re.compile(r"^(SGP|R|L)-[0-9A-F-]*$", re.IGNORECASE)

NAME, IDENTITY_NUMBER, REFERENCE, SEQUENCE = "name", "identity_number", "reference", "sequence"


def normalise_term(term: str) -> str:
    return " ".join((term or "").split()).casefold()


def search_term_digest(term: str) -> str:
    """The digest recorded for a search term (the same for the same term, whatever its case or
    spacing); compare it with the `term_digest` of search events."""
    return salted_hmac(_SALT, normalise_term(term), algorithm="sha256").hexdigest()[:16]


def term_kind(term: str) -> str:
    t = "".join(term.split())
    if t.isdigit() and len(t) == 16:
        return IDENTITY_NUMBER  # NIK or family-card number
    if t.isdigit() and len(t) <= 7:
        return SEQUENCE
    if _REFERENCE.match(t):
        return REFERENCE
    return NAME


def is_search(term: str, filters: Mapping[str, Any]) -> bool:
    """A request is a search when it carries a term or any filter with a value."""
    return bool((term or "").strip()) or any(
        v not in (None, "", False, [], ()) for v in filters.values()
    )


def search_summary(*, term: str, filters: Mapping[str, Any], via: str) -> dict[str, Any]:
    """What the audit event keeps: the channel, the term's kind and digest (or the reference
    itself), and the filters that have a value (codes and ids, no names)."""
    summary: dict[str, Any] = {"via": via}
    term = (term or "").strip()
    if term:
        kind = term_kind(term)
        summary["term"] = kind
        if kind in (REFERENCE, SEQUENCE):
            summary["reference"] = term.upper()[:40]
        else:
            summary["term_digest"] = search_term_digest(term)
    for key, value in filters.items():
        if value in (None, "", False, [], ()):
            continue
        summary[f"filter_{key}"] = value if isinstance(value, str | int | bool) else str(value)
    return summary


def audit_search(
    *,
    actor: Any,
    action: str,
    term: str,
    filters: Mapping[str, Any],
    via: str = "html",
) -> AuditEvent | None:
    """Record one search (`action`, e.g. "case.search") if the request is one; returns the event."""
    if not is_search(term, filters):
        return None
    agency = getattr(actor, "primary_agency", None)
    return audit_log(
        actor=actor,
        action=action,
        agency_id=agency.pk if agency is not None else None,
        extra=search_summary(term=term, filters=filters, via=via),
    )
