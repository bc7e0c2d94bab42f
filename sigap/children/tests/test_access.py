from __future__ import annotations

import pytest
from django.db.models import Q

from conftest import PERSONAS
from sigap.children import access
from sigap.children.access import (
    child_panels_for,
    children_visible_to,
    person_panels_for,
    register_child_panel,
    register_child_visibility,
    register_person_panel,
)
from sigap.children.services import child_register, incident_create, person_create
from sigap.children.tests.factories import PersonFactory
from sigap.core.access import can

# Who sees a child registered by the home agency's intake officer (before any case exists).
SEES_REGISTERED_CHILD = {"intake_officer", "supervisor"}


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_visibility_by_role(persona, child, request):
    name = request.node.callspec.params["persona"]
    visible = children_visible_to(persona).filter(pk=child.pk).exists()
    assert visible == (name in SEES_REGISTERED_CHILD)
    assert can(persona, "children.view", child) == (name in SEES_REGISTERED_CHILD)


def test_anonymous_sees_nothing(child):
    from django.contrib.auth.models import AnonymousUser

    assert not children_visible_to(AnonymousUser()).exists()
    assert not can(AnonymousUser(), "children.view", child)


def test_registrant_case_worker_sees_own_registration(case_worker, outsider):
    own = child_register(actor=case_worker, full_name="Andi", sex="male")
    assert children_visible_to(case_worker).filter(pk=own.pk).exists()
    assert not children_visible_to(outsider).filter(pk=own.pk).exists()


def test_deactivated_membership_loses_visibility(child, intake_officer):
    intake_officer.memberships.update(is_active=False)
    intake_officer.__dict__.pop("active_memberships", None)
    assert not children_visible_to(intake_officer).exists()


def test_registered_rules_are_ored(child, case_worker, analyst):
    def everything_for_case_workers(user):
        return Q(pk__isnull=False) if user.has_role("case_worker") else None

    saved_rules = list(access._visibility_rules)
    register_child_visibility(everything_for_case_workers)
    try:
        assert children_visible_to(case_worker).filter(pk=child.pk).exists()
        # No rule can hand child identities to a user without a child-data role.
        register_child_visibility(lambda user: Q(pk__isnull=False))
        assert not children_visible_to(analyst).exists()
    finally:
        access._visibility_rules[:] = saved_rules


def test_panels_registry(child, supervisor):
    seen = []

    def ctx(obj, user):
        seen.append((obj, user))
        return {"hello": "world"} if user.has_role("supervisor") else None

    register_child_panel("test_b", "b.html", ctx, order=20)
    register_child_panel("test_a", "a.html", lambda c, u: None, order=10)
    register_person_panel("test_p", "p.html", lambda p, u: {"p": p})
    try:
        panels = [p for p in child_panels_for(child, supervisor) if p.key.startswith("test_")]
        assert [(p.key, p.template_name, p.context) for p in panels] == [
            ("test_b", "b.html", {"hello": "world"})
        ]
        assert seen == [(child, supervisor)]
        # A real person: other apps' person panels (cases lists the person's cases) run too.
        person = PersonFactory(agency=supervisor.primary_agency, created_by=supervisor)
        person_panels = person_panels_for(person, supervisor)  # type: ignore[arg-type]
        assert [p.key for p in person_panels if p.key == "test_p"] == ["test_p"]
    finally:
        for key in ("test_a", "test_b"):
            access._child_panels.pop(key, None)
        access._person_panels.pop("test_p", None)


# --- policies per role -----------------------------------------------------------------------

POLICY_EXPECTATIONS = {
    # action: personas allowed (obj None)
    "children.list": {
        "intake_officer", "case_worker", "supervisor", "psychologist", "police_officer",
        "lksa_staff", "outsider",
    },
    "children.register": {"intake_officer", "case_worker", "supervisor", "outsider"},
    "children.edit": {"intake_officer", "case_worker", "supervisor", "outsider"},
    "persons.view": {
        "intake_officer", "case_worker", "supervisor", "psychologist", "police_officer",
        "lksa_staff", "outsider",
    },
    "persons.manage": {"intake_officer", "case_worker", "supervisor", "outsider"},
    "incidents.manage": {"intake_officer", "case_worker", "supervisor", "outsider"},
}  # fmt: skip


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
@pytest.mark.parametrize("action", sorted(POLICY_EXPECTATIONS))
def test_policies_without_object(persona, action, request):
    name = request.node.callspec.params["persona"]
    assert can(persona, action) == (name in POLICY_EXPECTATIONS[action])


# On a child registered by the home agency (no case yet).
OBJECT_EXPECTATIONS = {
    "children.edit": {"intake_officer", "supervisor"},
    "children.view_sensitive": {"supervisor"},
}


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
@pytest.mark.parametrize("action", sorted(OBJECT_EXPECTATIONS))
def test_child_policies_on_object(persona, action, child, request):
    name = request.node.callspec.params["persona"]
    assert can(persona, action, child) == (name in OBJECT_EXPECTATIONS[action])


def test_seeing_the_child_is_not_enough_to_read_sensitive(child, case_worker):
    """A case worker who sees the child through some other rule (a referral, break-the-glass)
    is no default holder of the identity numbers: that needs the lead agency's case team or a
    per-case grant (#7 point 5; sigap/referrals/tests/test_section_grants.py)."""
    saved_rules = list(access._visibility_rules)
    register_child_visibility(lambda user: Q(pk=child.pk) if user == case_worker else None)
    try:
        assert can(case_worker, "children.view", child)
        assert not can(case_worker, "children.view_sensitive", child)
    finally:
        access._visibility_rules[:] = saved_rules


def test_supervisor_of_another_agency_may_not_read_sensitive(child, other_agency):
    from sigap.accounts.tests.factories import user_with_role

    boss = user_with_role("supervisor", other_agency)
    saved_rules = list(access._visibility_rules)
    register_child_visibility(lambda user: Q(pk=child.pk) if user == boss else None)
    try:
        assert can(boss, "children.view", child)
        assert not can(boss, "children.view_sensitive", child)
    finally:
        access._visibility_rules[:] = saved_rules


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_person_and_incident_policies_on_objects(persona, case_worker, request):
    from django.utils import timezone

    name = request.node.callspec.params["persona"]
    person = person_create(actor=case_worker, full_name="Bang Jali", role="organiser")
    incident = incident_create(actor=case_worker, occurred_at=timezone.now(), place="Pasar")
    home_readers = POLICY_EXPECTATIONS["persons.view"] - {"outsider"}
    home_editors = POLICY_EXPECTATIONS["persons.manage"] - {"outsider"}
    assert can(persona, "persons.view", person) == (name in home_readers)
    assert can(persona, "persons.manage", person) == (name in home_editors)
    assert can(persona, "incidents.manage", incident) == (name in home_editors)
