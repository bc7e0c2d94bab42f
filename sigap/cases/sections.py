"""The sensitive sections that the case decides (issue #7 point 5; registry in
sigap.children.sections, grants by the referrals app).

Details of sexual violence. A case is one of sexual violence when its SIMFONI violence types
include "sexual" or its AMPK categories include j (victim of a sexual crime) or f (victim of
pornography). Its *details* are the narrative that says what happened: the case summary and the
reason for the risk level, the text of the case notes and of the assessment. The categories stay
visible to whoever sees the case: the fact that a child is a victim of sexual violence decides
the services, the SIMFONI report and who should be on the team (a psychologist), and it is
already implied by who works the case; the narrative is what harms the child if it spreads.
Default holders: the supervisors of the lead agency and the lead worker, co-workers and
psychologist of the lead agency's case team (the people who work with the child). Everyone
else who sees the case (the intake officer who opened it, outreach and other team roles,
break-the-glass) or a part of it (a referral that shares the summary or the notes) needs a grant.

Identity numbers (NIK, family card, photo) belong to the child; their default holders include
the lead agency's case worker on the team of one of the child's cases and the supervisors of its
lead agency, a rule children cannot express without importing cases: registered here.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.db.models import Q

from sigap.accounts.models import Role, User
from sigap.cases.models import Case, CaseRole, CategoryKind
from sigap.cases.policies import case_access
from sigap.children.sections import (
    SEXUAL_VIOLENCE,
    has_section_grant,
    register_identity_numbers_holder,
)
from sigap.core.access import policy

SEXUAL_VIOLENCE_CODES = {
    CategoryKind.VIOLENCE: frozenset({"sexual"}),
    CategoryKind.AMPK: frozenset({"j", "f"}),
}
# Case-team roles that see the details of sexual violence by default (with the lead agency's
# supervisors); the same people who see the psychologist's notes.
DETAIL_TEAM_ROLES = frozenset({CaseRole.LEAD_WORKER, CaseRole.CO_WORKER, CaseRole.PSYCHOLOGIST})
# Case-team roles whose members (case workers of the lead agency) read the identity numbers.
IDENTITY_TEAM_ROLES = frozenset({CaseRole.LEAD_WORKER, CaseRole.CO_WORKER})


def is_sexual_violence_case(case: Case) -> bool:
    return any(set(case.codes(kind)) & codes for kind, codes in SEXUAL_VIOLENCE_CODES.items())


def sees_sexual_violence_details(user: User, case: Case) -> bool:
    """Default holder (lead supervisor, working team) or holder of a grant on `case`. Says
    nothing about seeing the case itself: callers have fetched it through a selector."""
    access = case_access(user, case)
    if access.is_supervisor or access.team_role in DETAIL_TEAM_ROLES:
        return True
    return has_section_grant(user, SEXUAL_VIOLENCE, case_id=case.pk)


def sexual_violence_details_hidden(user: User, case: Case) -> bool:
    """Whether the narrative of `case` must be hidden from `user`."""
    return is_sexual_violence_case(case) and not sees_sexual_violence_details(user, case)


@policy("case.sexual_violence")
def can_see_sexual_violence_details(user: User, obj: Any) -> bool:
    if obj is None:
        return user.sees_child_data
    return isinstance(obj, Case) and sees_sexual_violence_details(user, obj)


def identity_numbers_through_cases(user: Any, child: Any) -> bool:
    """A case worker on the lead agency's team of one of the child's cases, or a supervisor of
    the lead agency of one of them. Remembered on the (per-request) user object."""
    memo: dict[Any, bool] = user.__dict__.setdefault("_sigap_identity_holder", {})
    if child.pk in memo:
        return memo[child.pk]
    supervised = sorted(user.agency_ids_with_role(Role.SUPERVISOR))
    workers_at = sorted(user.agency_ids_with_role(Role.CASE_WORKER, Role.SUPERVISOR))
    held = False
    if supervised or workers_at:
        held = (
            Case.objects.filter(child_id=child.pk)
            .filter(
                Q(lead_agency_id__in=supervised)
                | Q(
                    lead_agency_id__in=workers_at,
                    team__user=user,
                    team__ended_at__isnull=True,
                    team__role__in=sorted(IDENTITY_TEAM_ROLES),
                )
            )
            .exists()
        )
    memo[child.pk] = held
    return held


register_identity_numbers_holder(identity_numbers_through_cases)


def without_details(entries: list[Any]) -> list[Any]:
    """Timeline entries with their detail text left out (a note's text, a risk change's reason:
    the narrative), for a viewer from whom the details are hidden."""
    return [replace(e, detail="") for e in entries]
