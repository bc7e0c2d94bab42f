"""A merge brings the merged record's history to the survivor (cases, names), leaves the merged
record out of lists and searches, and its undo puts back exactly the state before."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from sigap.cases import services as case_services
from sigap.cases.models import Case
from sigap.cases.tests.factories import close, open_case
from sigap.cases.timeline import case_timeline
from sigap.children.access import child_is_visible, children_visible_to
from sigap.children.models import ChildAlias
from sigap.children.selectors import ChildFilters, child_list_for, child_search
from sigap.core.models import AuditEvent
from sigap.dedupe import selectors, services
from sigap.dedupe.models import CandidateStatus, ChildMerge, MergedAlias, MergedCase
from sigap.dedupe.tests.conftest import make_pair, register

pytestmark = pytest.mark.django_db


def _confirmed(actor: Any, a: Any, b: Any) -> Any:
    return make_pair(a, b, status=CandidateStatus.CONFIRMED)


def _merge(actor: Any, survivor: Any, merged: Any) -> ChildMerge:
    pair = _confirmed(actor, survivor, merged)
    return services.child_merge(actor=actor, candidate=pair, survivor=survivor, version=1)


def _state(*children: Any) -> dict[str, Any]:
    """What a merge may change: which record each case belongs to, and the aliases."""
    return {
        "cases": dict(Case.objects.values_list("number", "child_id")),
        "aliases": {
            c.pk: sorted(ChildAlias.objects.filter(child=c).values_list("alias", "kind"))
            for c in children
        },
    }


@pytest.fixture
def two_cases(case_worker, supervisor, home_agency, rizki, rizky):
    """A case on each record; the survivor's is closed (one open case per child and agency)."""
    kept = open_case(case_worker, home_agency, rizki, summary="kept")
    return close(kept, case_worker, supervisor), open_case(case_worker, home_agency, rizky)


def test_merge_moves_cases_and_names_and_undo_restores_exactly(
    case_worker, rizki, rizky, two_cases
):
    kept_case, merged_case = two_cases
    ChildAlias.objects.create(child=rizky, alias="Iki", kind="street_name")
    ChildAlias.objects.create(child=rizky, alias="Kiki", kind="nickname")  # rizki has it already
    before = _state(rizki, rizky)

    merge = _merge(case_worker, rizki, rizky)

    assert set(rizki.cases.values_list("pk", flat=True)) == {kept_case.pk, merged_case.pk}
    assert not rizky.cases.exists()
    assert sorted(ChildAlias.objects.filter(child=rizki).values_list("alias", "kind")) == [
        ("Iki", "street_name"),
        ("Kiki", "nickname"),
        ("Muhamad Rizky Pratama", "other"),
    ]
    assert list(MergedCase.objects.values_list("case_id", flat=True)) == [merged_case.pk]
    assert MergedAlias.objects.filter(merge=merge).count() == 2
    event = AuditEvent.objects.get(action="dedupe.merge")
    assert event.summary["cases_moved"] == 1 and event.summary["aliases_added"] == 2
    assert AuditEvent.objects.filter(action="case.child_moved").count() == 1
    assert AuditEvent.objects.filter(action="child.alias_add").count() == 2

    services.merge_undo(actor=case_worker, merge=merge)

    assert _state(rizki, rizky) == before
    assert MergedCase.objects.get().moved_back_at is not None
    assert AuditEvent.objects.filter(action="case.child_moved").count() == 2
    undo = AuditEvent.objects.get(action="dedupe.merge_undo")
    assert undo.summary["cases_moved_back"] == 1 and undo.summary["aliases_removed"] == 2


def test_undo_keeps_what_happened_on_the_survivor_since(
    case_worker, home_agency, rizki, rizky, two_cases
):
    merge = _merge(case_worker, rizki, rizky)
    added = MergedAlias.objects.filter(merge=merge).select_related("alias").first()
    assert added is not None and added.alias is not None
    added.alias.delete()  # a user removed one of the added aliases meanwhile
    ChildAlias.objects.create(child=rizki, alias="Rizkiyan", kind="nickname")  # and added one
    services.merge_undo(actor=case_worker, merge=merge)
    assert list(ChildAlias.objects.filter(child=rizki).values_list("alias", flat=True)) == [
        "Kiki",
        "Rizkiyan",
    ]
    assert rizky.cases.count() == 1 and rizki.cases.count() == 1


def test_a_merge_that_would_make_two_open_cases_at_one_agency_is_refused(
    case_worker, home_agency, rizki, rizky
):
    open_case(case_worker, home_agency, rizki)
    theirs = open_case(case_worker, home_agency, rizky)
    pair = _confirmed(case_worker, rizki, rizky)
    before = _state(rizki, rizky)
    with pytest.raises(ValidationError) as exc:
        services.child_merge(actor=case_worker, candidate=pair, survivor=rizki, version=1)
    assert theirs.number in " ".join(exc.value.messages)
    assert not ChildMerge.objects.exists() and not MergedCase.objects.exists()
    assert _state(rizki, rizky) == before
    assert not AuditEvent.objects.filter(action__in=["dedupe.merge", "case.child_moved"]).exists()


def test_undo_is_refused_when_the_merged_record_got_a_clashing_case(
    case_worker, home_agency, rizki, rizky
):
    moved = open_case(case_worker, home_agency, rizky)
    merge = _merge(case_worker, rizki, rizky)
    # No case can be opened on the merged record any more, but one can still be moved there.
    other = open_case(case_worker, home_agency, register(case_worker, "Budi Santoso"))
    case_services.case_move_to_child(
        actor=case_worker, case=other, child=rizky, version=other.version, reason="test"
    )
    with pytest.raises(ValidationError) as exc:
        services.merge_undo(actor=case_worker, merge=merge)
    assert moved.number in " ".join(exc.value.messages)
    merge.refresh_from_db()
    assert merge.undone_at is None and Case.objects.get(pk=moved.pk).child_id == rizki.pk


def test_the_merged_record_leaves_lists_and_searches_but_not_its_page(
    case_worker, rizki, rizky, two_cases
):
    def listed(q: str = "") -> set[Any]:
        return {c.pk for c in child_list_for(user=case_worker, filters=ChildFilters(q=q))}

    assert listed() == {rizki.pk, rizky.pk}
    merge = _merge(case_worker, rizki, rizky)
    assert listed() == {rizki.pk}
    assert listed("Muhamad Rizky Pratama") == {rizki.pk}  # found under the survivor
    found, count, _capped = child_search(user=case_worker, q="Rizky")
    assert [c.pk for c in found] == [rizki.pk] and count == 1
    assert child_is_visible(case_worker, rizky)  # its page still opens
    services.merge_undo(actor=case_worker, merge=merge)
    assert listed() == {rizki.pk, rizky.pk}


def test_the_merged_record_is_not_suggested_while_registering(case_worker, rizki, rizky):
    query = selectors.SuggestQuery(full_name="Muhamad Rizky Pratama", birth_date=date(2015, 3, 14))
    before = {s.child.pk for s in selectors.suggestions_for(user=case_worker, query=query)}
    assert before == {rizki.pk, rizky.pk}
    _merge(case_worker, rizki, rizky)
    after = [s.child.pk for s in selectors.suggestions_for(user=case_worker, query=query)]
    assert after == [rizki.pk]


def test_open_proposals_naming_a_merged_record_leave_the_review_list(case_worker, rizki, rizky):
    third = register(case_worker, "Rizky Pratama", birth_date=date(2015, 3, 14))
    stale = make_pair(rizky, third)
    assert stale in selectors.candidate_list_for(user=case_worker)
    _merge(case_worker, rizki, rizky)
    assert stale not in selectors.candidate_list_for(user=case_worker)
    merged_pair = ChildMerge.objects.get().candidate
    assert merged_pair in selectors.candidate_list_for(user=case_worker, status="confirmed")


def test_whoever_saw_the_merged_record_through_its_case_still_sees_it(
    case_worker, home_agency, outsider, rizki, hidden_rizki
):
    """hidden_rizki was registered by another agency; the case worker sees it only through the
    case she leads on it. The merge moves that case to rizki: she must not lose hidden_rizki."""
    case = open_case(case_worker, home_agency, hidden_rizki)
    assert child_is_visible(case_worker, hidden_rizki)
    merge = _merge(case_worker, rizki, hidden_rizki)
    case_worker.__dict__.pop("_sigap_visible_children", None)
    assert children_visible_to(case_worker).filter(pk=hidden_rizki.pk).exists()
    assert Case.objects.get(pk=case.pk).child_id == rizki.pk
    # The registering agency learns nothing of the survivor: the case is not theirs.
    assert not children_visible_to(outsider).filter(pk=rizki.pk).exists()
    services.merge_undo(actor=case_worker, merge=merge)
    assert children_visible_to(case_worker).filter(pk=hidden_rizki.pk).exists()


def test_the_case_timeline_tells_the_move_and_the_way_back(case_worker, rizki, rizky, two_cases):
    _kept, moved = two_cases
    merge = _merge(case_worker, rizki, rizky)
    kinds = [e.kind for e in case_timeline(moved)]
    assert "dedupe.merged" in kinds and "dedupe.merge_undone" not in kinds
    entry = next(e for e in case_timeline(moved) if e.kind == "dedupe.merged")
    assert "Muhamad Rizky Pratama" in entry.title and "Muhammad Rizki Pratama" in entry.title
    services.merge_undo(actor=case_worker, merge=merge)
    assert "dedupe.merge_undone" in [e.kind for e in case_timeline(moved)]


# --- pages -------------------------------------------------------------------------------------


def test_pages_show_both_histories_under_the_survivor(
    client, case_worker, supervisor, rizki, rizky, two_cases
):
    from sigap.children.models import FamilyMember, Relation

    kept_case, merged_case = two_cases
    FamilyMember.objects.create(child=rizky, full_name="Siti Aminah", relation=Relation.MOTHER)
    client.force_login(supervisor)
    pair = _confirmed(supervisor, rizki, rizky)
    response = client.post(
        reverse("dedupe:merge", args=[pair.pk]), {"version": 1, "survivor": str(rizki.pk)}
    )
    assert response.status_code == 302
    kept = client.get(reverse("children:child_detail", args=[rizki.pk])).content.decode()
    assert kept_case.number in kept and merged_case.number in kept
    assert "merged into this one" in kept and "Siti Aminah" in kept and "Muhamad Rizky" in kept
    gone = client.get(reverse("children:child_detail", args=[rizky.pk])).content.decode()
    assert "has been merged into" in gone and rizki.get_absolute_url() in gone
    assert merged_case.number not in gone
    listing = client.get(reverse("children:child_list")).content.decode()
    assert rizki.get_absolute_url() in listing and rizky.get_absolute_url() not in listing
    case_page = client.get(merged_case.get_absolute_url()).content.decode()
    assert "Records of the child merged" in case_page

    merge = ChildMerge.objects.get()
    assert client.post(reverse("dedupe:merge_undo", args=[merge.pk])).status_code == 302
    kept = client.get(reverse("children:child_detail", args=[rizki.pk])).content.decode()
    assert merged_case.number not in kept and "merged into this one" not in kept
    gone = client.get(reverse("children:child_detail", args=[rizky.pk])).content.decode()
    assert merged_case.number in gone and "has been merged into" not in gone


def test_a_refused_merge_says_why_on_the_page(client, case_worker, home_agency, rizki, rizky):
    open_case(case_worker, home_agency, rizki)
    theirs = open_case(case_worker, home_agency, rizky)
    pair = _confirmed(case_worker, rizki, rizky)
    client.force_login(case_worker)
    response = client.post(
        reverse("dedupe:merge", args=[pair.pk]), {"version": 1, "survivor": str(rizki.pk)}
    )
    assert response.status_code == 422 and theirs.number in response.content.decode()
    assert not ChildMerge.objects.exists()
