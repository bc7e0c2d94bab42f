"""The care pathway on the child page (the children app's panel registry): where the child stays,
school, and a link to the care page of each of the child's cases the user may see."""

from __future__ import annotations

from typing import Any

from sigap.accounts.models import User
from sigap.care.models import CareArrangement, EducationRecord, EducationStatus
from sigap.care.policies import sees_psych_section
from sigap.care.selectors import notes_section_for
from sigap.care.services import progress_notes_record_view
from sigap.cases.models import Case
from sigap.cases.policies import case_visibility_q
from sigap.children.access import register_child_panel


def child_care_panel(child: Any, user: User) -> dict[str, Any] | None:
    if not user.sees_child_data:
        return None
    cases = list(
        Case.objects.filter(case_visibility_q(user), child=child)
        .only("pk", "number", "stage", "lead_agency_id", "created_by_id")
        .order_by("-opened_at")
    )
    if not cases:
        return None
    visible = [c.pk for c in cases]
    stay = (
        CareArrangement.objects.filter(child=child, ended_at__isnull=True, case_id__in=visible)
        .select_related("agency")
        .first()
    )
    school = (
        EducationRecord.objects.filter(
            child=child, status=EducationStatus.ATTENDING, case_id__in=visible
        )
        .select_related("school")
        .first()
    )
    # The chart of the sensitive section, for its readers only; the read is audited.
    section = None
    psych_case = next((c for c in cases if sees_psych_section(user, c)), None)
    if psych_case is not None:
        section = notes_section_for(case=psych_case)
        progress_notes_record_view(actor=user, case=psych_case, via="child_page")
    return {
        "child": child,
        "cases": cases,
        "stay": stay,
        "school": school,
        "section": section,
        "psych_case": psych_case,
    }


register_child_panel("care", "care/panels/child_care.html", child_care_panel, order=20)
