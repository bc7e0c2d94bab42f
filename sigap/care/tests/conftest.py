from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from sigap.care import services
from sigap.care.models import AgeGroup, ShelterCapacity
from sigap.cases import services as case_services
from sigap.cases.models import Case
from sigap.cases.tests.factories import make_child, open_case


@pytest.fixture
def child(home_agency: Any, intake_officer: Any) -> Any:
    return make_child(home_agency, intake_officer)


@pytest.fixture
def capacity(home_agency: Any) -> None:
    for sex in ("male", "female"):
        for group in AgeGroup.values:
            ShelterCapacity.objects.create(agency=home_agency, sex=sex, age_group=group, places=2)


@pytest.fixture
def case(case_worker: Any, home_agency: Any, child: Any, psychologist: Any, capacity: None) -> Case:
    """A case led by the persona case worker, with the persona psychologist on its team."""
    case = open_case(case_worker, home_agency, child, risk_level="medium")
    case_services.team_member_add(
        actor=case_worker, case=case, user=psychologist, role="psychologist"
    )
    case.refresh_from_db()
    return case


@pytest.fixture
def stay(case: Case, case_worker: Any) -> Any:
    return services.shelter_admit(
        actor=case_worker,
        case=case,
        admitted_at=timezone.now() - timedelta(days=4),
        reason="Found selling tissues at 01:00",
        brought_by="Satpol PP night outreach",
        belongings="A bag, a phone",
    )


@pytest.fixture
def approved_recommendation(case: Case, psychologist: Any, supervisor: Any) -> Any:
    rec = services.recommendation_request(
        actor=psychologist, case=case, grounds="Stable for two weeks"
    )
    return services.recommendation_decide(actor=supervisor, recommendation=rec, approve=True)
