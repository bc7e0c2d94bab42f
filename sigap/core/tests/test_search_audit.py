"""The one rule for audited searches: the term's kind and a keyed digest, never a name or NIK."""

from __future__ import annotations

from typing import Any

import pytest

from sigap.core.models import AuditEvent
from sigap.core.search_audit import (
    audit_search,
    is_search,
    search_summary,
    search_term_digest,
    term_kind,
)

NIK = "6471010101150001"


@pytest.mark.parametrize(
    ("term", "kind"),
    [
        (NIK, "identity_number"),
        ("6471 0101 0115 0001", "identity_number"),
        ("SGP-6471-2026-0001", "reference"),
        ("sgp-6471", "reference"),
        ("R-1A2B3C4D", "reference"),
        ("l-1a2b3c4d", "reference"),
        ("Lia", "name"),
        ("42", "sequence"),
        ("Budi Santoso", "name"),
        ("Sgp Budi", "name"),
    ],
)
def test_term_kind(term: str, kind: str) -> None:
    assert term_kind(term) == kind


def test_names_and_numbers_are_kept_only_as_a_digest() -> None:
    for term in ("Budi Santoso", NIK):
        summary = search_summary(term=term, filters={}, via="html")
        assert term not in str(summary)
        assert summary["term_digest"] == search_term_digest(term)
    # the same term, however typed, has the same digest; another term another one
    assert search_term_digest("  budi   SANTOSO ") == search_term_digest("Budi Santoso")
    assert search_term_digest("Budi Santosa") != search_term_digest("Budi Santoso")


def test_references_and_filters_are_kept_as_typed() -> None:
    summary = search_summary(
        term="sgp-6471-2026-0001", filters={"stage": "open", "risk": "", "worker": 7}, via="api"
    )
    assert summary == {
        "via": "api",
        "term": "reference",
        "reference": "SGP-6471-2026-0001",
        "filter_stage": "open",
        "filter_worker": 7,
    }


def test_an_unfiltered_request_is_no_search() -> None:
    assert not is_search("", {"stage": "", "worker": None, "review_due": False})
    assert not is_search("   ", {})
    assert is_search("", {"review_due": True})
    assert is_search("Budi", {})


@pytest.mark.django_db
def test_audit_search_writes_one_event_or_none(case_worker: Any) -> None:
    assert audit_search(actor=case_worker, action="case.search", term="", filters={}) is None
    assert not AuditEvent.objects.exists()
    event = audit_search(actor=case_worker, action="child.search", term=NIK, filters={})
    assert event is not None and AuditEvent.objects.count() == 1
    assert NIK not in str(event.summary)
    assert event.agency_id == case_worker.primary_agency.pk
