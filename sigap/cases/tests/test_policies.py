"""Who sees and works which case, per persona; the queryset rule and the object rule agree."""

from __future__ import annotations

import pytest

from conftest import PERSONAS
from sigap.cases import services
from sigap.cases.models import Case
from sigap.cases.panels import child_visible_through_cases
from sigap.cases.policies import case_access, case_visibility_q
from sigap.cases.tests.factories import make_child, open_case
from sigap.children.access import children_visible_to
from sigap.core.access import can

pytestmark = pytest.mark.django_db

# persona -> (view, work, note, manage team) on a case opened and led by the case worker
EXPECTED = {
    "intake_officer": (False, False, False, False),
    "case_worker": (True, True, True, True),
    "supervisor": (True, True, True, True),
    "psychologist": (False, False, False, False),
    "police_officer": (False, False, False, False),
    "lksa_staff": (False, False, False, False),
    "analyst": (False, False, False, False),
    "agency_admin": (False, False, False, False),
    "system_admin": (False, False, False, False),
    "outsider": (False, False, False, False),
}


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_case_access_per_persona(persona, request, case):
    name = request.node.callspec.params["persona"]
    access = case_access(persona, case)
    assert (
        access.can_view,
        access.can_work,
        access.can_note,
        access.can_manage_team,
    ) == EXPECTED[name]
    assert can(persona, "case.view", case) == EXPECTED[name][0]
    # The queryset rule agrees with the object rule.
    visible = Case.objects.filter(case_visibility_q(persona), pk=case.pk).exists()
    assert visible == EXPECTED[name][0]


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_list_and_queue_rules_per_persona(persona, request):
    name = request.node.callspec.params["persona"]
    sees_cases = name not in {"analyst", "agency_admin", "system_admin"}
    assert can(persona, "case.list") == sees_cases
    assert can(persona, "approval.queue") == (name == "supervisor")
    opens = name in {"intake_officer", "case_worker", "supervisor", "outsider"}
    assert can(persona, "case.open") == opens


def test_intake_officer_sees_the_cases_they_opened(intake_officer, home_agency, child):
    case = open_case(intake_officer, home_agency, child)
    access = case_access(intake_officer, case)
    assert access.can_view and not access.can_work and not access.can_note


def test_psychologist_on_the_team_sees_and_notes_but_does_not_work(case, psychologist, supervisor):
    services.team_member_add(actor=supervisor, case=case, user=psychologist, role="psychologist")
    case = Case.objects.get(pk=case.pk)
    access = case_access(psychologist, case)
    assert access.can_view and access.can_note and not access.can_work
    assert Case.objects.filter(case_visibility_q(psychologist)).count() == 1


def test_leaving_the_team_ends_access(case, case_worker, supervisor):
    member = case.team.get(user=case_worker)
    services.team_member_end(actor=supervisor, member=member)
    assert not Case.objects.filter(case_visibility_q(case_worker)).exists()
    assert not case_access(case_worker, Case.objects.get(pk=case.pk)).can_view


def test_supervisor_of_another_agency_sees_nothing(case, other_agency):
    from sigap.accounts.models import Role
    from sigap.accounts.tests.factories import user_with_role

    other = user_with_role(Role.SUPERVISOR, other_agency)
    assert not Case.objects.filter(case_visibility_q(other)).exists()


def test_whoever_sees_a_case_sees_its_child(case, case_worker, psychologist, home_agency):
    # The child was registered by the intake officer; the case worker sees it through the case.
    assert children_visible_to(case_worker).filter(pk=case.child_id).exists()
    assert not children_visible_to(psychologist).filter(pk=case.child_id).exists()
    assert child_visible_through_cases(psychologist) is not None
    other_child = make_child(home_agency, psychologist)
    assert not children_visible_to(case_worker).filter(pk=other_child.pk).exists()


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_access_from_the_fetched_team_is_the_same(persona, case, psychologist, supervisor):
    """A case fetched for a page comes with its current team (selectors.case_get_for), and
    case_access reads the user's role from it: the same answer as the query."""
    from sigap.cases.selectors import active_team_prefetch

    services.team_member_add(actor=supervisor, case=case, user=psychologist, role="psychologist")
    with_team = Case.objects.prefetch_related(active_team_prefetch()).get(pk=case.pk)
    bare = Case.objects.get(pk=case.pk)
    assert case_access(persona, with_team) == case_access(persona, bare)


def test_access_from_the_fetched_team_costs_no_query(case, case_worker, django_assert_num_queries):
    from sigap.cases.selectors import case_get_for

    fetched = case_get_for(user=case_worker, case_id=case.pk)
    with django_assert_num_queries(0):
        for action in ("case.view", "case.work", "case.note", "case.team"):
            assert can(case_worker, action, fetched)


def test_forget_access_forgets_the_fetched_team(case, case_worker, supervisor):
    from sigap.cases.policies import forget_access
    from sigap.cases.selectors import case_get_for

    fetched = case_get_for(user=supervisor, case_id=case.pk)
    assert case_access(case_worker, fetched).can_manage_team
    member = fetched.team.get(user=case_worker, ended_at__isnull=True)
    services.team_member_end(actor=supervisor, member=member)
    forget_access(fetched)
    assert not case_access(case_worker, fetched).can_view


def test_access_is_one_query_per_case_and_user(case, case_worker, django_assert_num_queries):
    fresh = Case.objects.get(pk=case.pk)
    case_worker.active_memberships  # noqa: B018  (loaded once per request elsewhere)
    with django_assert_num_queries(1):
        for action in ("case.view", "case.work", "case.note", "case.team"):
            assert can(case_worker, action, fresh)
