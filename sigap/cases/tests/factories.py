"""Test data for cases: children and persons are created directly (the children app's services
are tested there), cases always through case_open so numbering and audit are real."""

from __future__ import annotations

from datetime import date
from typing import Any, cast

import factory

from sigap.accounts.models import Agency, User
from sigap.cases import services
from sigap.cases.models import Case
from sigap.children.models import Child, Person, Sex


class ChildFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Child

    full_name = factory.Sequence(lambda n: f"Anak Uji {n}")
    sex = Sex.MALE
    birth_date = date(2015, 5, 1)
    regency_code = "64.71"
    kelurahan_id = "64.71.01.1001"


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    full_name = factory.Sequence(lambda n: f"Oknum Uji {n}")
    regency_code = "64.71"


def make_child(agency: Agency, user: User, **kwargs: Any) -> Child:
    return cast(Child, ChildFactory(registered_by_agency=agency, created_by=user, **kwargs))


def make_person(agency: Agency, user: User, **kwargs: Any) -> Person:
    return cast(Person, PersonFactory(agency=agency, created_by=user, **kwargs))


def open_case(actor: User, agency: Agency, child: Child | None = None, **kwargs: Any) -> Case:
    child = child or make_child(agency, actor)
    return services.case_open(actor=actor, child=child, lead_agency=agency, **kwargs)


SCORES = {
    "safety_score": 3,
    "health_score": 1,
    "education_score": 2,
    "family_score": 2,
    "psychosocial_score": 1,
    "legal_score": 0,
}


def complete_assessment(case: Case, actor: User) -> Any:
    return services.assessment_create(actor=actor, case=case, complete=True, **SCORES)


def approved_plan(case: Case, worker: User, supervisor: User) -> Any:
    plan = services.plan_create(actor=worker, case=case, goals="Return home and back to school")
    services.plan_action_add(
        actor=worker,
        plan=plan,
        description="Home visit to the parents",
        responsible_agency=case.lead_agency,
        responsible_person="Dewi",
        due_on=date(2030, 1, 1),
    )
    plan.refresh_from_db()
    approval = services.plan_submit(actor=worker, plan=plan, version=plan.version)
    services.approval_decide(actor=supervisor, approval=approval, approve=True)
    plan.refresh_from_db()
    return plan


def advance(case: Case, to: str, worker: User, supervisor: User) -> Case:
    """Walk `case` forward through the gates until it reaches stage `to` (not closure)."""
    from sigap.cases.models import Stage

    path = ["assessment", "planning", "implementation", "review"]
    for stage in path[: path.index(to) + 1]:
        case.refresh_from_db()
        if case.stage == stage:
            continue
        if stage == Stage.PLANNING:
            complete_assessment(case, worker)
        if stage == Stage.IMPLEMENTATION:
            approved_plan(case, worker, supervisor)
        case = services.case_transition(actor=worker, case=case, to=stage)
    return case


def close(case: Case, worker: User, supervisor: User, reason: str = "reintegrated") -> Case:
    approval = services.closure_request(actor=worker, case=case, reason=reason)
    services.approval_decide(actor=supervisor, approval=approval, approve=True)
    case.refresh_from_db()
    return services.case_transition(actor=worker, case=case, to="closure", reason=reason)
