"""Merges on the case timeline (cases owns the registry): a case that a merge moved from one
record of the child to another, and back when the merge was undone. One query per case page."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

from sigap.cases.timeline import TimelineEntry, register_timeline_source
from sigap.dedupe.models import MergedCase


@register_timeline_source
def merge_events(case: Any) -> Iterable[TimelineEntry]:
    rows = MergedCase.objects.filter(case=case).select_related(
        "merge__merged", "merge__survivor", "merge__merged_by", "merge__undone_by"
    )
    for row in rows:
        m = row.merge
        names = {"merged": m.merged.full_name, "survivor": m.survivor.full_name}
        yield TimelineEntry(
            at=m.created_at,
            kind="dedupe.merged",
            title=_("Records of the child merged: moved from %(merged)s to %(survivor)s") % names,
            actor=m.merged_by.display_name,
            icon="bi-people",
        )
        if row.moved_back_at is not None:
            yield TimelineEntry(
                at=row.moved_back_at,
                kind="dedupe.merge_undone",
                title=_("Merge undone: moved back to %(merged)s") % names,
                actor=m.undone_by.display_name if m.undone_by else "",
                icon="bi-arrow-counterclockwise",
            )
