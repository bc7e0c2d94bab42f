"""A merge follows every part of the merged record's history (care arrangements, education
records, reports, incident links, besides cases and names), and its undo puts each back; a
merged record takes no new history; a search by its NIK finds the survivor."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from sigap.care import services as care_services
from sigap.care.models import AgeGroup, CareArrangement, EducationRecord, ShelterCapacity
from sigap.cases import services as case_services
from sigap.cases.models import Case
from sigap.cases.selectors import CaseFilters, case_list_for
from sigap.cases.tests.factories import close, open_case
from sigap.children import services as children_services
from sigap.children.models import Child, IncidentChild
from sigap.children.selectors import ChildFilters, child_list_for
from sigap.core.models import AuditEvent
from sigap.dedupe import services
from sigap.dedupe.models import CandidateStatus, ChildMerge, MergedRecord, RecordKind
from sigap.dedupe.tests.conftest import make_pair, register
from sigap.intake import services as intake_services
from sigap.intake.models import Report
from sigap.intake.tests.factories import public_report

pytestmark = pytest.mark.django_db

NIK = "6472011403150001"


def _merge(actor: Any, survivor: Child, merged: Child) -> ChildMerge:
    pair = make_pair(survivor, merged, status=CandidateStatus.CONFIRMED)
    return services.child_merge(actor=actor, candidate=pair, survivor=survivor, version=1)


@pytest.fixture
def capacity(home_agency: Any) -> None:
    for sex in ("male", "female"):
        for group in AgeGroup.values:
            ShelterCapacity.objects.create(agency=home_agency, sex=sex, age_group=group, places=3)


@pytest.fixture
def history(case_worker, supervisor, psychologist, home_agency, rizki, rizky, capacity):
    """The merged record (rizky) with a case opened from a report, a stay in the shelter, a
    school record and two incidents, one of which the survivor (rizki) is in too. The
    survivor's own case is closed (one open case per child and agency)."""
    close(open_case(case_worker, home_agency, rizki), case_worker, supervisor)
    report = intake_services.report_open_case(
        actor=case_worker, report=public_report(), child=rizky, summary="Found at night"
    )
    assert report.case_id is not None
    case = Case.objects.get(pk=report.case_id)
    case_services.team_member_add(
        actor=case_worker, case=case, user=psychologist, role="psychologist"
    )
    stay = care_services.shelter_admit(
        actor=case_worker,
        case=case,
        admitted_at=timezone.now() - timedelta(days=3),
        reason="Found selling tissues at 01:00",
        brought_by="Satpol PP night outreach",
    )
    rec = care_services.recommendation_request(actor=psychologist, case=case, grounds="Stable")
    care_services.recommendation_decide(actor=supervisor, recommendation=rec, approve=True)
    school = care_services.education_open(
        actor=case_worker,
        case=case,
        school_name="SDN 1",
        grade="4",
        started_on=timezone.localdate(),
    )
    now = timezone.now() - timedelta(days=1)
    alone = children_services.incident_create(
        actor=case_worker, occurred_at=now, place="Pasar Pagi", children=[rizky]
    )
    both = children_services.incident_create(
        actor=case_worker, occurred_at=now, place="Simpang Empat", children=[rizki, rizky]
    )
    return {
        "case": case,
        "report": report,
        "stay": stay,
        "school": school,
        "alone": alone,
        "both": both,
    }


def _owners() -> dict[str, Any]:
    """Which record each part of the history belongs to."""
    return {
        "cases": dict(Case.objects.values_list("pk", "child_id")),
        "stays": dict(CareArrangement.objects.values_list("pk", "child_id")),
        "schools": dict(EducationRecord.objects.values_list("pk", "child_id")),
        "reports": dict(Report.objects.exclude(child=None).values_list("pk", "child_id")),
        "incidents": sorted(IncidentChild.objects.values_list("incident_id", "child_id")),
    }


def test_merge_moves_the_whole_history_and_undo_puts_each_back(case_worker, rizki, rizky, history):
    before = _owners()

    merge = _merge(case_worker, rizki, rizky)

    assert set(rizki.care_arrangements.values_list("pk", flat=True)) == {history["stay"].pk}
    assert set(rizki.education_records.values_list("pk", flat=True)) == {history["school"].pk}
    assert Report.objects.get(pk=history["report"].pk).child_id == rizki.pk
    assert set(IncidentChild.objects.filter(child=rizki).values_list("incident_id", flat=True)) == {
        history["alone"].pk,
        history["both"].pk,
    }
    # The survivor was in that incident already: the merged record's link stays, unrecorded.
    assert IncidentChild.objects.filter(incident=history["both"], child=rizky).exists()
    assert sorted(MergedRecord.objects.values_list("kind", "object_id")) == sorted(
        [
            (RecordKind.CARE_ARRANGEMENT, str(history["stay"].pk)),
            (RecordKind.EDUCATION_RECORD, str(history["school"].pk)),
            (RecordKind.REPORT, str(history["report"].pk)),
            (
                RecordKind.INCIDENT_LINK,
                str(IncidentChild.objects.get(incident=history["alone"]).pk),
            ),
        ]
    )
    event = AuditEvent.objects.get(action="dedupe.merge")
    assert event.summary["cases_moved"] == 1
    assert event.summary["care_arrangements_moved"] == 1
    assert event.summary["education_records_moved"] == 1
    assert event.summary["reports_moved"] == 1
    assert event.summary["incident_links_moved"] == 1
    for action in (
        "care.arrangement.child_moved",
        "care.education.child_moved",
        "report.child_moved",
        "incident.child_moved",
    ):
        assert AuditEvent.objects.filter(action=action).count() == 1, action
    # The survivor's page shows the stay and the school now (care's panel reads by child).
    page = _page(case_worker, rizki)
    assert "SDN 1" in page

    services.merge_undo(actor=case_worker, merge=merge)

    assert _owners() == before
    assert not MergedRecord.objects.filter(moved_back_at=None).exists()
    undo = AuditEvent.objects.get(action="dedupe.merge_undo")
    assert undo.summary["cases_moved_back"] == 1
    assert undo.summary["care_arrangements_moved_back"] == 1
    assert undo.summary["education_records_moved_back"] == 1
    assert undo.summary["reports_moved_back"] == 1
    assert undo.summary["incident_links_moved_back"] == 1


def _page(user: Any, child: Child) -> str:
    from django.test import Client

    client = Client()
    client.force_login(user)
    response = client.get(child.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def test_undo_leaves_a_record_moved_on_since(case_worker, home_agency, rizki, rizky, history):
    merge = _merge(case_worker, rizki, rizky)
    other = register(case_worker, "Budi Santoso")
    link = IncidentChild.objects.get(incident=history["alone"], child=rizki)
    children_services.incident_link_move_to_child(
        actor=case_worker, link=link, child=other, reason="recorded on the wrong child"
    )

    services.merge_undo(actor=case_worker, merge=merge)

    assert IncidentChild.objects.get(pk=link.pk).child_id == other.pk
    row = MergedRecord.objects.get(kind=RecordKind.INCIDENT_LINK)
    assert row.moved_back_at is None
    assert CareArrangement.objects.get(pk=history["stay"].pk).child_id == rizky.pk
    undo = AuditEvent.objects.get(action="dedupe.merge_undo")
    assert undo.summary["incident_links_moved_back"] == 0


def test_a_merge_of_two_children_staying_somewhere_is_refused_whole(
    case_worker, supervisor, home_agency, rizki, rizky, history
):
    # The survivor stays somewhere too (written directly: only the stay rule matters here).
    CareArrangement.objects.create(
        case=Case.objects.get(child=rizki),
        child=rizki,
        agency=home_agency,
        regency_code=home_agency.regency_code,
        started_at=timezone.now() - timedelta(days=1),
        reason="Found at the terminal",
        brought_by="Police",
        sex="male",
        age_group=AgeGroup.FROM_6,
        started_by=case_worker,
    )
    before = _owners()
    pair = make_pair(rizki, rizky, status=CandidateStatus.CONFIRMED)
    with pytest.raises(ValidationError) as exc:
        services.child_merge(actor=case_worker, candidate=pair, survivor=rizki, version=1)
    assert "discharge one of the two stays" in " ".join(exc.value.messages)
    assert _owners() == before
    assert not ChildMerge.objects.exists() and not MergedRecord.objects.exists()


# --- a merged record takes no new history --------------------------------------------------


def test_the_merged_record_page_offers_no_action_and_points_to_the_survivor(
    client, case_worker, rizki, rizky
):
    client.force_login(case_worker)
    page = client.get(rizky.get_absolute_url()).content.decode()
    assert reverse("cases:case-open", args=[rizky.pk]) in page
    assert reverse("children:alias_add", args=[rizky.pk]) in page

    _merge(case_worker, rizki, rizky)

    page = client.get(rizky.get_absolute_url()).content.decode()
    assert reverse("cases:case-open", args=[rizky.pk]) not in page
    assert reverse("children:alias_add", args=[rizky.pk]) not in page
    assert reverse("children:family_add", args=[rizky.pk]) not in page
    assert reverse("children:child_edit", args=[rizky.pk]) not in page
    assert "This record has been merged into Muhammad Rizki Pratama." in page
    assert f'class="btn btn-primary" href="{rizki.get_absolute_url()}"' in page
    survivor = client.get(rizki.get_absolute_url()).content.decode()
    assert reverse("cases:case-open", args=[rizki.pk]) in survivor


def test_opening_a_case_on_a_merged_record_is_refused(
    client, case_worker, home_agency, rizki, rizky
):
    _merge(case_worker, rizki, rizky)
    with pytest.raises(ValidationError, match="merged into Muhammad Rizki Pratama"):
        open_case(case_worker, home_agency, rizky)
    client.force_login(case_worker)
    url = reverse("cases:case-open", args=[rizky.pk])
    for response in (client.get(url), client.post(url, {"summary": "x", "risk_level": "low"})):
        assert response.status_code == 302 and response.url == rizky.get_absolute_url()
    page = client.get(rizky.get_absolute_url()).content.decode()
    assert "open the case there" in page
    response = client.post(
        "/api/v1/cases",
        {"child_id": str(rizky.pk), "lead_agency_id": home_agency.pk},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert "merged into Muhammad Rizki Pratama" in response.content.decode()
    assert not Case.objects.exists()
    # The survivor takes the case.
    assert open_case(case_worker, home_agency, rizki).child_id == rizki.pk


def test_adding_history_to_a_merged_record_is_refused(client, case_worker, rizki, rizky):
    _merge(case_worker, rizki, rizky)
    client.force_login(case_worker)
    response = client.post(
        reverse("children:alias_add", args=[rizky.pk]), {"alias": "Iki", "kind": "nickname"}
    )
    assert response.status_code == 403
    assert client.get(reverse("children:family_add", args=[rizky.pk])).status_code == 403
    assert not rizky.aliases.filter(alias="Iki").exists()


def test_undo_gives_the_record_its_actions_back(client, case_worker, home_agency, rizki, rizky):
    merge = _merge(case_worker, rizki, rizky)
    services.merge_undo(actor=case_worker, merge=merge)
    client.force_login(case_worker)
    page = client.get(rizky.get_absolute_url()).content.decode()
    assert reverse("cases:case-open", args=[rizky.pk]) in page
    assert "This record has been merged" not in page
    assert open_case(case_worker, home_agency, rizky).child_id == rizky.pk


# --- the merged record's NIK finds the survivor -----------------------------------------------


@pytest.fixture
def rizky_with_nik(case_worker: Any) -> Child:
    return register(case_worker, "Muhamad Rizky Pratama", nik=NIK)


def test_the_merged_records_nik_finds_the_survivor_until_undone(
    client, case_worker, home_agency, rizki, rizky_with_nik
):
    rizky = rizky_with_nik
    case = open_case(case_worker, home_agency, rizky)

    def children() -> set[Any]:
        return {c.pk for c in child_list_for(user=case_worker, filters=ChildFilters(q=NIK))}

    def cases() -> set[Any]:
        return set(
            case_list_for(user=case_worker, filters=CaseFilters(q=NIK)).values_list(
                "child_id", flat=True
            )
        )

    assert children() == {rizky.pk} and cases() == {rizky.pk}
    merge = _merge(case_worker, rizki, rizky)
    assert children() == {rizki.pk}
    assert cases() == {rizki.pk}
    client.force_login(case_worker)
    page = client.get(reverse("children:child_list"), {"q": NIK}).content.decode()
    assert rizki.get_absolute_url() in page and rizky.get_absolute_url() not in page
    api = client.get("/api/v1/children", {"q": NIK}).json()
    assert [item["id"] for item in api["items"]] == [str(rizki.pk)]
    api = client.get("/api/v1/cases", {"q": NIK}).json()
    assert [item["number"] for item in api["items"]] == [case.number]
    page = client.get(reverse("cases:case-list"), {"q": NIK}).content.decode()
    assert case.number in page
    # Nothing was copied: the survivor holds no NIK of its own.
    assert Child.objects.get(pk=rizki.pk).nik_index == ""

    services.merge_undo(actor=case_worker, merge=merge)
    assert children() == {rizky.pk} and cases() == {rizky.pk}


def test_the_survivor_found_by_nik_is_still_scoped(outsider, case_worker, rizki, rizky_with_nik):
    _merge(case_worker, rizki, rizky_with_nik)
    found = child_list_for(user=outsider, filters=ChildFilters(q=NIK))
    assert list(found) == []
