"""Case numbers under concurrent creation: PostgreSQL, one thread (connection) per opener.

SQLite serialises writers itself (transaction_mode IMMEDIATE takes the write lock when the
transaction begins), and its in-memory test database cannot be shared between threads, so the
threaded test runs on PostgreSQL only; the single-writer path is covered by test_services.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from sigap.cases.models import Case, CaseCounter
from sigap.cases.tests.factories import make_child, open_case

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="threads need PostgreSQL"),
]

OPENERS = 12


def test_concurrent_openers_get_distinct_gap_free_numbers(case_worker, home_agency):
    children = [make_child(home_agency, case_worker) for _ in range(OPENERS)]
    barrier = threading.Barrier(OPENERS)
    errors: list[BaseException] = []

    def opener(child):
        try:
            barrier.wait(timeout=10)
            open_case(case_worker, home_agency, child)
        except BaseException as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=opener, args=(c,)) for c in children]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    sequences = sorted(Case.objects.values_list("sequence", flat=True))
    assert sequences == list(range(1, OPENERS + 1))
    assert CaseCounter.objects.get().last_sequence == OPENERS
    assert len(set(Case.objects.values_list("number", flat=True))) == OPENERS
