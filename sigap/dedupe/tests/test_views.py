from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.urls import reverse

from conftest import PERSONAS
from sigap.core.models import AuditEvent
from sigap.dedupe.models import CandidateStatus, ChildMerge
from sigap.dedupe.tests.conftest import make_pair, register

pytestmark = pytest.mark.django_db

REGISTRARS = {"intake_officer", "case_worker", "supervisor", "outsider"}
REVIEWERS = {"case_worker", "supervisor", "outsider"}
SEES_THE_PAIR = {"case_worker", "supervisor"}


def _status(client, persona, method, url, data=None):
    if persona is not None:
        client.force_login(persona)
    return getattr(client, method)(url, data or {}).status_code


# --- suggestions while registering -------------------------------------------------------------


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"], indirect=True)
def test_suggest_access(client, persona, request):
    name = request.node.callspec.params["persona"]
    code = _status(client, persona, "get", reverse("dedupe:suggest"), {"full_name": "Rizki"})
    assert code == (302 if persona is None else 200 if name in REGISTRARS else 403)


def test_suggest_lists_visible_matches_with_the_reasons(client, case_worker, rizki, hidden_rizki):
    client.force_login(case_worker)
    response = client.get(
        reverse("dedupe:suggest"),
        {"full_name": "Muhamad Rizky Pratama", "sex": "male", "birth_date": "2015-03-14"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert reverse("children:child_detail", args=[rizki.pk]) in body
    assert str(hidden_rizki.pk) not in body  # an invisible child is not even hinted at
    assert body.count("list-group-item") == 1
    assert "likely the same" in body and "Birth date or age" in body and "same birth date" in body


def test_suggest_finds_a_child_by_its_nickname(client, case_worker, rizki):
    client.force_login(case_worker)
    body = client.get(reverse("dedupe:suggest"), {"aliases": "Kiki", "sex": "male"}).content
    assert str(rizki.pk) in body.decode()


def test_suggest_sees_nothing_of_another_agency(client, outsider, rizki):
    client.force_login(outsider)
    body = client.get(reverse("dedupe:suggest"), {"full_name": "Muhammad Rizki Pratama"})
    assert str(rizki.pk) not in body.content.decode()
    assert "No similar child found" in body.content.decode()


def test_suggest_ignores_bad_values(client, case_worker, rizki):
    client.force_login(case_worker)
    response = client.get(
        reverse("dedupe:suggest"),
        {"full_name": "Rizki Pratama", "birth_date": "14/99/2015", "estimated_age": "x",
         "kelurahan": "nowhere"},
    )  # fmt: skip
    assert response.status_code == 200 and str(rizki.pk) in response.content.decode()


def test_suggest_empty_name_says_nothing(client, case_worker):
    client.force_login(case_worker)
    response = client.get(reverse("dedupe:suggest"))
    assert response.status_code == 200 and response.content.decode().strip() == ""


def test_suggest_query_count_is_constant(client, case_worker, django_assert_max_num_queries):
    for i in range(15):
        register(case_worker, f"Rizki Pratama {['Adi', 'Budi', 'Cahya'][i % 3]}", estimated_age=9)
    client.force_login(case_worker)
    url = reverse("dedupe:suggest")
    client.get(url, {"full_name": "Rizki Pratama"})  # warm the vocabulary
    with django_assert_max_num_queries(20):
        response = client.get(url, {"full_name": "Rizki Pratama", "aliases": "Kiki"})
    assert response.content.decode().count("list-group-item") == 5


# --- review -------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"], indirect=True)
def test_review_list_access(client, persona, pair, request):
    name = request.node.callspec.params["persona"]
    if persona is not None:
        client.force_login(persona)
    response = client.get(reverse("dedupe:review_list"))
    if persona is None:
        assert response.status_code == 302
        return
    assert response.status_code == (200 if name in REVIEWERS else 403)
    if name in REVIEWERS:
        shown = reverse("dedupe:candidate_detail", args=[pair.pk]) in response.content.decode()
        assert shown is (name in SEES_THE_PAIR)


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"], indirect=True)
def test_detail_access(client, persona, pair, request):
    name = request.node.callspec.params["persona"]
    code = _status(client, persona, "get", reverse("dedupe:candidate_detail", args=[pair.pk]))
    assert code == (
        302 if persona is None else 200 if name in SEES_THE_PAIR else 404 if name in REVIEWERS
        else 403
    )  # fmt: skip


def test_pair_with_a_hidden_child_is_neither_listed_nor_shown(
    client, case_worker, rizki, hidden_rizki
):
    p = make_pair(rizki, hidden_rizki)
    client.force_login(case_worker)
    assert "No possible duplicates" in client.get(reverse("dedupe:review_list")).content.decode()
    assert client.get(reverse("dedupe:candidate_detail", args=[p.pk])).status_code == 404
    url = reverse("dedupe:candidate_decide", args=[p.pk])
    assert client.post(url, {"decision": "rejected", "version": 1}).status_code == 404


def test_review_list_filters_by_status(client, supervisor, pair):
    client.force_login(supervisor)
    url = reverse("dedupe:review_list")
    assert "Muhamad Rizky" in client.get(url).content.decode()
    body = client.get(url, {"status": "rejected"}).content.decode()
    assert "Muhamad Rizky" not in body and "No pairs with this status" in body


def test_review_list_query_count_is_constant(client, case_worker, django_assert_num_queries):
    def add_pairs(n):
        for _ in range(n):
            a = register(case_worker, "Budi Santoso", birth_date=date(2014, 1, 1))
            b = register(case_worker, "Budy Santoso", birth_date=date(2014, 1, 1))
            make_pair(a, b)

    add_pairs(1)
    client.force_login(case_worker)
    url = reverse("dedupe:review_list")
    client.get(url)
    queries = {"sqlite": 7, "postgresql": 7}[connection.vendor]
    with django_assert_num_queries(queries):
        client.get(url)
    add_pairs(4)
    with django_assert_num_queries(queries):
        assert client.get(url).content.decode().count("Budy Santoso") == 5


def test_confirm_merge_undo_through_the_pages(client, case_worker, pair, rizki, rizky):
    client.force_login(case_worker)
    detail = reverse("dedupe:candidate_detail", args=[pair.pk])
    page = client.get(detail).content.decode()
    assert "same birth date" in page and "Same child" in page
    decide = reverse("dedupe:candidate_decide", args=[pair.pk])
    assert "Confirm: same child" in client.get(decide, {"decision": "confirmed"}).content.decode()
    response = client.post(decide, {"decision": "confirmed", "version": 1})
    assert response.status_code == 302
    pair.refresh_from_db()
    assert pair.status == CandidateStatus.CONFIRMED
    merge = reverse("dedupe:merge", args=[pair.pk])
    assert client.post(merge, {"version": 2}).status_code == 422  # no record chosen
    response = client.post(merge, {"version": 2, "survivor": str(rizki.pk)})
    assert response.status_code == 302
    m = ChildMerge.objects.get()
    assert (m.survivor_id, m.merged_id) == (rizki.pk, rizky.pk)
    assert "Undo" in client.get(detail).content.decode()
    undo = reverse("dedupe:merge_undo", args=[m.pk])
    assert client.get(undo).status_code == 200
    assert client.post(undo).status_code == 302
    m.refresh_from_db()
    assert m.undone_at is not None
    assert client.post(undo).status_code == 422
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"dedupe.confirm", "dedupe.merge", "dedupe.merge_undo"} <= actions


def test_stale_decision_is_shown_not_applied(client, supervisor, pair):
    client.force_login(supervisor)
    url = reverse("dedupe:candidate_decide", args=[pair.pk])
    response = client.post(url, {"decision": "rejected", "version": 9})
    assert response.status_code == 422 and "Someone else changed" in response.content.decode()
    pair.refresh_from_db()
    assert pair.status == CandidateStatus.PROPOSED


def test_reject_is_final_on_the_page(client, supervisor, pair):
    client.force_login(supervisor)
    url = reverse("dedupe:candidate_decide", args=[pair.pk])
    assert client.post(url, {"decision": "rejected", "version": 1}).status_code == 302
    response = client.post(url, {"decision": "confirmed", "version": 2})
    assert response.status_code == 422 and "already been decided" in response.content.decode()


def test_decide_without_a_decision_goes_back_to_the_pair(client, supervisor, pair):
    client.force_login(supervisor)
    response = client.get(reverse("dedupe:candidate_decide", args=[pair.pk]))
    assert response.status_code == 302


def test_child_page_shows_the_merge_both_ways(client, case_worker, outsider, pair, rizki, rizky):
    from sigap.dedupe.services import candidate_decide, child_merge, merge_undo

    c = candidate_decide(actor=case_worker, candidate=pair, decision="confirmed", version=1)
    m = child_merge(actor=case_worker, candidate=c, survivor=rizki, version=2)
    client.force_login(case_worker)
    merged_page = client.get(reverse("children:child_detail", args=[rizky.pk])).content.decode()
    assert "has been merged into" in merged_page and str(rizki.pk) in merged_page
    kept_page = client.get(reverse("children:child_detail", args=[rizki.pk])).content.decode()
    assert "merged into this one" in kept_page and str(rizky.pk) in kept_page
    merge_undo(actor=case_worker, merge=m)
    kept_page = client.get(reverse("children:child_detail", args=[rizki.pk])).content.decode()
    assert "merged into this one" not in kept_page


def test_child_panel_hides_an_invisible_other_record(case_worker, supervisor, rizki, hidden_rizki):
    from sigap.dedupe.panels import child_merges_panel

    p = make_pair(rizki, hidden_rizki, status=CandidateStatus.CONFIRMED)
    ChildMerge.objects.create(
        candidate=p, survivor=rizki, merged=hidden_rizki, merged_by=supervisor
    )
    assert child_merges_panel(rizki, case_worker) is None
