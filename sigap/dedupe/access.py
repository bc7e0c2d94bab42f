"""What a merge changes in who sees and lists which child record (the children app's registries).

- A record merged into another is left out of child lists, searches and pickers while the merge
  is active: the survivor stands for the child (and carries the merged record's names as aliases).
- The merge moves the merged record's cases to the survivor, and the cases rule of visibility
  ("whoever may see a case may see its child") follows the cases. So that nobody loses the
  merged record itself (its page says where the child is now; the reviewer can still undo), the
  merged record stays visible to whoever may see one of the cases the merge moved away from it.
- The survivor stands for the merged record (children's successor registry): the merged
  record takes no new history (no new case, alias or family member), and a search by its NIK
  or family-card number finds the survivor.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from sigap.accounts.models import User
from sigap.cases.models import Case
from sigap.cases.policies import case_visibility_q
from sigap.children.access import (
    register_child_listing_exclusion,
    register_child_successors,
    register_child_visibility,
)
from sigap.dedupe.models import ChildMerge, MergedCase


def merged_records() -> Q:
    return Q(pk__in=ChildMerge.objects.filter(undone_at__isnull=True).values("merged_id"))


def merged_record_visible_through_moved_cases(user: User) -> Q | None:
    if not user.sees_child_data:
        return None
    moved = MergedCase.objects.filter(
        merge__undone_at__isnull=True,
        case__in=Case.objects.filter(case_visibility_q(user)).values("pk"),
    )
    return Q(pk__in=moved.values("merge__merged_id"))


def survivors_of(ids: Any) -> QuerySet[Any]:
    """The survivors of the active merges of the records `ids`: they stand for those records
    (a new case goes there, a search by the merged record's NIK finds them)."""
    return ChildMerge.objects.filter(undone_at__isnull=True, merged_id__in=ids).values(
        "survivor_id"
    )


register_child_listing_exclusion(merged_records)
register_child_successors(survivors_of)
register_child_visibility(merged_record_visible_through_moved_cases)
