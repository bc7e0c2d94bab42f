from __future__ import annotations

from typing import Any

import pytest

from sigap.cases.tests.factories import make_child, open_case
from sigap.children.models import FamilyMember, Relation
from sigap.referrals.tests.factories import accepted_referral, draft_referral, sent_referral


@pytest.fixture
def child(home_agency: Any, intake_officer: Any) -> Any:
    return make_child(home_agency, intake_officer, full_name="Budi Santoso Uji")


@pytest.fixture
def guardian(child: Any) -> FamilyMember:
    return FamilyMember.objects.create(
        child=child, full_name="Siti Aminah Uji", relation=Relation.MOTHER, is_guardian=True
    )


@pytest.fixture
def case(case_worker: Any, home_agency: Any, child: Any) -> Any:
    """A case of the home agency; the persona case worker is its lead worker."""
    return open_case(
        case_worker,
        home_agency,
        child,
        risk_level="high",
        risk_reason="On the street at night",
        summary="Sells tissues at the Rapak crossroads until 02:00.",
    )


@pytest.fixture
def draft(case: Any, case_worker: Any, police_agency: Any, guardian: Any) -> Any:
    return draft_referral(case, case_worker, police_agency, guardian=guardian)


@pytest.fixture
def sent(draft: Any, case_worker: Any) -> Any:
    return sent_referral(draft, case_worker)


@pytest.fixture
def accepted(sent: Any, police_officer: Any) -> Any:
    return accepted_referral(sent, police_officer)
