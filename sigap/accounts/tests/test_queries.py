"""Query counts of the list pages are pinned: the same with 3 rows as with 30 (a full page)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from sigap.accounts.models import Role
from sigap.accounts.tests.factories import AgencyFactory, user_with_role
from sigap.core.audit import audit_log

# Every signed-in page: session, user, the user's TOTP and static devices (2FA middleware),
# memberships (once per request) and the notification bell's unread count (cached for a minute;
# the first request of a test computes it) = 6; then the list's count and its rows. No session
# save: IdleTimeoutMiddleware writes the session at most once a minute, and the sign-in just did.
PER_REQUEST = 6
AGENCY_LIST_QUERIES = PER_REQUEST + 2
USER_LIST_QUERIES = PER_REQUEST + 2
AUDIT_LIST_QUERIES = PER_REQUEST + 2


@pytest.mark.parametrize("rows", [3, 30])
def test_agency_list_queries(client, system_admin, django_assert_num_queries, rows):
    AgencyFactory.create_batch(rows - 1, region_id="64.71.01")
    client.force_login(system_admin)
    with django_assert_num_queries(AGENCY_LIST_QUERIES):
        response = client.get(reverse("accounts:agency_list"))
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == min(rows, 25)


@pytest.mark.parametrize("rows", [3, 30])
def test_user_list_queries(client, agency_admin, home_agency, django_assert_num_queries, rows):
    for i in range(rows - 1):
        user_with_role(Role.CASE_WORKER, home_agency, username=f"staf{i}")
    client.force_login(agency_admin)
    with django_assert_num_queries(USER_LIST_QUERIES):
        response = client.get(reverse("accounts:user_list"))
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == min(rows, 25)


@pytest.mark.parametrize("rows", [3, 30])
def test_audit_list_queries(client, system_admin, django_assert_num_queries, rows):
    client.force_login(system_admin)  # writes no event: force_login sends no signal
    for i in range(rows):
        audit_log(actor=system_admin, action=f"test.event{i}", extra={"n": i})
    with django_assert_num_queries(AUDIT_LIST_QUERIES):
        response = client.get(reverse("accounts:audit_list"), {"action": "test."})
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == rows
