"""Who may review possible duplicate children and merge them.

- dedupe.review: case workers and supervisors; on a candidate pair, both children must be visible
  to the user (children_visible_to): a pair with one hidden child is not shown at all.
- dedupe.decide (confirm / reject): as dedupe.review, on a pair still open to that decision.
- dedupe.merge (merge a confirmed pair, undo a merge): as dedupe.review.
The registration suggestions use the children app's "children.register".
"""

from __future__ import annotations

from typing import Any

from sigap.accounts.models import Role, User
from sigap.children.access import child_is_visible
from sigap.core.access import policy
from sigap.dedupe.models import ChildMerge, DuplicateCandidate

REVIEWER_ROLES = (Role.CASE_WORKER, Role.SUPERVISOR)


def _both_visible(user: User, candidate: DuplicateCandidate) -> bool:
    return child_is_visible(user, candidate.child_a) and child_is_visible(user, candidate.child_b)


@policy("dedupe.review")
def dedupe_review(user: User, obj: Any) -> bool:
    if not user.has_role(*REVIEWER_ROLES):
        return False
    if obj is None:
        return True
    if isinstance(obj, ChildMerge):
        return child_is_visible(user, obj.survivor) and child_is_visible(user, obj.merged)
    return isinstance(obj, DuplicateCandidate) and _both_visible(user, obj)


@policy("dedupe.decide")
def dedupe_decide(user: User, obj: Any) -> bool:
    return dedupe_review(user, obj)


@policy("dedupe.merge")
def dedupe_merge(user: User, obj: Any) -> bool:
    return dedupe_review(user, obj)
