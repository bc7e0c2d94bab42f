"""Referrals for tests, always through the services so consent, audit and states are real."""

from __future__ import annotations

from typing import Any

from sigap.referrals import services
from sigap.referrals.models import ChildView, ConsentBasis, Referral, Section, Service


def draft_referral(
    case: Any, actor: Any, to_agency: Any, *, guardian: Any = None, **kwargs: Any
) -> Referral:
    data: dict[str, Any] = {
        "to_agency": to_agency,
        "services": [Service.LEGAL_ACTION_ORGANISER, Service.TRAFFICKING_ONLINE],
        "sections": [Section.IDENTITY, Section.SUMMARY],
        "reason": "An organiser brings the child to the crossroads every night.",
        "urgency": "urgent",
    }
    if guardian is not None:
        data.update(
            consent_basis=ConsentBasis.CONSENT, child_view=ChildView.AGREED, guardian=guardian
        )
    data.update(kwargs)
    return services.referral_create(actor=actor, case=case, **data)


def sent_referral(referral: Referral, actor: Any) -> Referral:
    return services.referral_send(actor=actor, referral=referral)


def accepted_referral(referral: Referral, actor: Any) -> Referral:
    return services.referral_accept(actor=actor, referral=referral)
