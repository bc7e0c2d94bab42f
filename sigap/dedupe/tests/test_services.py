from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction

from sigap.core.models import AuditEvent
from sigap.dedupe import services
from sigap.dedupe.models import (
    CandidateStatus,
    ChildMerge,
    DuplicateCandidate,
    TransitionError,
    apply_transition,
)
from sigap.dedupe.records import child_records, nik_stand_in
from sigap.dedupe.tasks import find_duplicates_nightly
from sigap.dedupe.tests.conftest import make_pair, register

pytestmark = pytest.mark.django_db


def test_records_carry_aliases_parents_and_no_clear_nik(case_worker, rizki):
    from sigap.children.models import Child, FamilyMember, Relation

    FamilyMember.objects.create(child=rizki, full_name="Siti Aminah", relation=Relation.MOTHER)
    nik = "6471010101150001"
    other = register(case_worker, "Budi Santoso", nik=nik, estimated_age=10)
    records = {r.id: r for r in child_records(Child.objects.all())}
    r = records[str(rizki.pk)]
    assert (r.alias, r.mother_name, r.birth_date) == ("Kiki", "Siti Aminah", "2015-03-14")
    o = records[str(other.pk)]
    assert o.age == "10" and o.birth_date == ""
    assert o.nik != nik and len(o.nik) == 16 and o.nik == nik_stand_in(other.nik_index)


def test_find_duplicates_proposes_the_pair_in_order(rizki, rizky):
    register(rizki.created_by, "Dewi Lestari", sex="female", birth_date=date(2012, 1, 2))
    result = services.find_duplicates()
    assert result.children == 3 and result.proposed == 1
    c = DuplicateCandidate.objects.get()
    assert {c.child_a_id, c.child_b_id} == {rizki.pk, rizky.pk}
    assert c.child_a_id.hex < c.child_b_id.hex
    assert c.status == CandidateStatus.PROPOSED and c.score > 0.5
    assert {e["field"] for e in c.explanation} >= {"name", "birth"}
    event = AuditEvent.objects.filter(action="dedupe.run").get()
    assert event.actor is None and event.summary  # counts only, no names
    assert "Rizki" not in str(event.summary)


def test_a_rejected_pair_is_never_proposed_again(case_worker, rizki, rizky):
    services.find_duplicates()
    c = DuplicateCandidate.objects.get()
    services.candidate_decide(
        actor=case_worker, candidate=c, decision=CandidateStatus.REJECTED, version=c.version
    )
    again = services.find_duplicates()
    assert again.pairs_found == 1 and again.proposed == 0
    assert DuplicateCandidate.objects.get().status == CandidateStatus.REJECTED


def test_merged_children_are_left_out_of_the_nightly_run(case_worker, rizki, rizky):
    third = register(case_worker, "Muhammad Rizki Pratama", birth_date=date(2015, 3, 14))
    services.find_duplicates()
    assert DuplicateCandidate.objects.count() == 3
    DuplicateCandidate.objects.all().delete()
    c = make_pair(rizki, third, status=CandidateStatus.CONFIRMED)
    services.child_merge(actor=case_worker, candidate=c, survivor=rizki, version=c.version)
    result = services.find_duplicates()
    assert result.children == 2 and result.proposed == 1


def test_command_and_task(rizki, rizky, capsys):
    call_command("find_duplicates")
    assert "1 new proposals" in capsys.readouterr().out
    assert find_duplicates_nightly.call() == 0  # nothing new on the second run


def test_command_refuses_a_bad_threshold():
    with pytest.raises(SystemExit) as exc:
        call_command("find_duplicates", "--threshold", "3")
    assert exc.value.code == 2


def test_the_pair_is_unique_and_ordered(pair, rizki, rizky):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_pair(rizki, rizky)
    hi, lo = services.ordered(rizki.pk, rizky.pk)[::-1]
    with pytest.raises(IntegrityError), transaction.atomic():
        DuplicateCandidate.objects.create(
            child_a_id=hi, child_b_id=lo, score=1, regency_code="64.71"
        )


def test_transitions_table():
    c = DuplicateCandidate(status=CandidateStatus.REJECTED)
    with pytest.raises(TransitionError):
        apply_transition(c, CandidateStatus.PROPOSED)
    c = DuplicateCandidate(status=CandidateStatus.PROPOSED)
    apply_transition(c, CandidateStatus.CONFIRMED)
    assert c.status == CandidateStatus.CONFIRMED


def test_confirm_is_audited(case_worker, pair):
    c = services.candidate_decide(
        actor=case_worker, candidate=pair, decision=CandidateStatus.CONFIRMED, version=1
    )
    assert (c.status, c.decided_by, c.version) == (CandidateStatus.CONFIRMED, case_worker, 2)
    assert c.decided_at is not None
    assert AuditEvent.objects.filter(action="dedupe.confirm", object_id=str(c.pk)).exists()


def test_decide_refuses_a_stale_version(case_worker, pair):
    with pytest.raises(ValidationError):
        services.candidate_decide(
            actor=case_worker, candidate=pair, decision=CandidateStatus.CONFIRMED, version=7
        )
    pair.refresh_from_db()
    assert pair.status == CandidateStatus.PROPOSED


def test_rejected_is_final(case_worker, pair):
    services.candidate_decide(
        actor=case_worker, candidate=pair, decision=CandidateStatus.REJECTED, version=1
    )
    with pytest.raises(ValidationError) as exc:
        services.candidate_decide(
            actor=case_worker, candidate=pair, decision=CandidateStatus.CONFIRMED, version=2
        )
    assert "decision" in exc.value.error_dict


def test_merge_needs_a_confirmed_pair(case_worker, pair, rizki):
    with pytest.raises(ValidationError):
        services.child_merge(actor=case_worker, candidate=pair, survivor=rizki, version=1)
    assert not ChildMerge.objects.exists()


def _confirmed(case_worker, pair):
    return services.candidate_decide(
        actor=case_worker, candidate=pair, decision=CandidateStatus.CONFIRMED, version=pair.version
    )


def test_merge_and_undo_keep_both_records(case_worker, pair, rizki, rizky):
    c = _confirmed(case_worker, pair)
    m = services.child_merge(actor=case_worker, candidate=c, survivor=rizki, version=c.version)
    assert (m.survivor_id, m.merged_id, m.is_active) == (rizki.pk, rizky.pk, True)
    rizky.refresh_from_db()  # still there, untouched
    assert AuditEvent.objects.filter(action="dedupe.merge", object_id=str(m.pk)).exists()
    with pytest.raises(ValidationError):  # not twice
        services.child_merge(actor=case_worker, candidate=c, survivor=rizki, version=c.version + 1)
    with pytest.raises(ValidationError):  # not rejected while merged
        services.candidate_decide(
            actor=case_worker,
            candidate=c,
            decision=CandidateStatus.REJECTED,
            version=c.version + 1,
        )
    services.merge_undo(actor=case_worker, merge=m)
    m.refresh_from_db()
    assert m.undone_at is not None and m.undone_by == case_worker
    assert AuditEvent.objects.filter(action="dedupe.merge_undo").exists()
    with pytest.raises(ValidationError):
        services.merge_undo(actor=case_worker, merge=m)
    c.refresh_from_db()
    again = services.child_merge(actor=case_worker, candidate=c, survivor=rizky, version=c.version)
    assert again.merged_id == rizki.pk


def test_merge_survivor_must_be_in_the_pair(case_worker, pair):
    c = _confirmed(case_worker, pair)
    stranger = register(case_worker, "Dewi Lestari", sex="female")
    with pytest.raises(ValidationError) as exc:
        services.child_merge(actor=case_worker, candidate=c, survivor=stranger, version=c.version)
    assert "survivor" in exc.value.error_dict


def test_no_merge_chains(case_worker, pair, rizki, rizky):
    third = register(case_worker, "Rizki Pratama")
    c = _confirmed(case_worker, pair)
    services.child_merge(actor=case_worker, candidate=c, survivor=rizki, version=c.version)
    other = _confirmed(case_worker, make_pair(rizky, third))
    with pytest.raises(ValidationError):  # rizky is already merged away
        services.child_merge(actor=case_worker, candidate=other, survivor=third, version=2)
    p3 = _confirmed(case_worker, make_pair(rizki, third))
    with pytest.raises(ValidationError) as exc:  # rizki absorbed rizky: keep rizki instead
        services.child_merge(actor=case_worker, candidate=p3, survivor=third, version=2)
    assert "survivor" in exc.value.error_dict
    services.child_merge(actor=case_worker, candidate=p3, survivor=rizki, version=2)
