"""Merges on the child page (the children app's panel registry): "this record is merged into X"
or "records merged into this one", each linking to its pair, with the family recorded on the
merged record (the merge moves its cases and names, not its family). Other records are named only
when the user may see them."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Q

from sigap.accounts.models import User
from sigap.children.access import children_visible_to, register_child_panel
from sigap.children.models import FamilyMember
from sigap.dedupe.models import ChildMerge


def child_merges_panel(child: Any, user: User) -> dict[str, Any] | None:
    """One query for a child without merges; one more to scope the other records, and one for
    the family of the records merged into this one."""
    if not user.sees_child_data:
        return None
    merges = list(
        ChildMerge.objects.filter(Q(survivor=child) | Q(merged=child), undone_at__isnull=True)
        .select_related("survivor", "merged")
        .order_by("-created_at", "-pk")
    )
    if not merges:
        return None
    others = {m.merged_id if m.survivor_id == child.pk else m.survivor_id for m in merges}
    visible = set(children_visible_to(user).filter(pk__in=others).values_list("pk", flat=True))
    merged_into = next(
        (m for m in merges if m.merged_id == child.pk and m.survivor_id in visible), None
    )
    absorbed = [m for m in merges if m.survivor_id == child.pk and m.merged_id in visible]
    if merged_into is None and not absorbed:
        return None
    family: dict[Any, list[FamilyMember]] = defaultdict(list)
    if absorbed:
        rows = FamilyMember.objects.filter(child_id__in=[m.merged_id for m in absorbed])
        for member in rows.order_by("relation", "full_name", "pk"):
            family[member.child_id].append(member)
    return {
        "child": child,
        "merged_into": merged_into,
        "absorbed": [{"merge": m, "family": family[m.merged_id]} for m in absorbed],
    }


register_child_panel("dedupe", "dedupe/panels/child_merges.html", child_merges_panel, order=5)
