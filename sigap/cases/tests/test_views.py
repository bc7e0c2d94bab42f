from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.urls import reverse

from conftest import PERSONAS
from sigap.accounts.models import Role
from sigap.accounts.tests.factories import user_with_role
from sigap.cases import services
from sigap.cases.models import Approval, ApprovalStatus, Case, PlanStatus, Stage
from sigap.cases.tests.factories import (
    advance,
    close,
    make_child,
    make_person,
    open_case,
)
from sigap.children.search import invalidate_vocabulary, reindex_child
from sigap.core.models import AuditEvent

pytestmark = pytest.mark.django_db

# audit_log takes an advisory lock on PostgreSQL: one more query on pages that audit a view.
AUDIT_LOCK = int(connection.vendor == "postgresql")

# Expected status of the detail page of a case opened and led by the case worker.
DETAIL = {
    "intake_officer": 404,
    "case_worker": 200,
    "supervisor": 200,
    "psychologist": 404,
    "police_officer": 404,
    "lksa_staff": 404,
    "analyst": 403,
    "agency_admin": 403,
    "system_admin": 403,
    "outsider": 404,
    "anonymous": 302,
}


def _login(client, user):
    if user is not None:
        client.force_login(user)
    return client


def url(name, case, *args):
    return reverse(f"cases:{name}", args=[case.pk, *args])


# --- detail -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"], indirect=True)
def test_case_detail_per_persona(client, persona, request, case):
    name = request.node.callspec.params["persona"]
    response = _login(client, persona).get(url("case-detail", case))
    assert response.status_code == DETAIL[name]
    viewed = AuditEvent.objects.filter(action="case.view", object_id=str(case.pk))
    if DETAIL[name] == 200:
        assert case.number in response.content.decode()
        assert viewed.get().actor == persona
    else:
        assert not viewed.exists()
        assert case.number not in response.content.decode()


# The case page with the built-in timeline sources only (own_chrome_only): the signed-in user (5:
# session, user, two 2FA devices, memberships), the case with its categories and current team
# (3: the team also gives the header's lead workers and the user's own role for the policies),
# the sections (8: assessments, plans, their actions, approvals, people, risk and stage changes,
# the newest notes, which the timeline reuses), the read's audit event (4, +1 lock on
# PostgreSQL). The stage gates shown read the prefetched assessments and plans.
DETAIL_QUERIES = 20 + AUDIT_LOCK


def test_detail_query_count_does_not_grow_with_history(
    client, case, case_worker, supervisor, psychologist, django_assert_num_queries, own_chrome_only
):
    case = advance(case, Stage.REVIEW, case_worker, supervisor)
    client.force_login(case_worker)
    client.get(url("case-detail", case))  # warm the session
    with django_assert_num_queries(DETAIL_QUERIES) as small:
        assert client.get(url("case-detail", case)).status_code == 200
    # Grow every section: team, notes, people, approvals, risk history.
    services.team_member_add(actor=supervisor, case=case, user=psychologist, role="psychologist")
    for i in range(40):
        services.note_add(
            actor=case_worker,
            case=case,
            kind="home_visit",
            occurred_on=date(2026, 1, 1),
            text=f"n{i}",
        )
    for _ in range(3):
        services.case_person_link(
            actor=case_worker,
            case=case,
            person=make_person(case.lead_agency, case_worker),
            role="organiser",
        )
    for level in ("low", "critical", "high"):
        case.refresh_from_db()
        services.case_change_risk(
            actor=case_worker, case=case, version=case.version, risk_level=level, reason="r"
        )
    case.refresh_from_db()
    services.closure_request(actor=case_worker, case=case, reason="reintegrated")
    with django_assert_num_queries(len(small.captured_queries)):
        assert client.get(url("case-detail", case)).status_code == 200


@pytest.mark.parametrize("stage", [*Stage.values])
def test_detail_query_count_is_the_same_at_every_stage(
    client, case, case_worker, supervisor, django_assert_num_queries, own_chrome_only, stage
):
    if stage == Stage.CLOSURE:
        case = close(case, case_worker, supervisor)
    elif stage != Stage.INTAKE:
        case = advance(case, stage, case_worker, supervisor)
    assert case.stage == stage
    client.force_login(case_worker)
    client.get(url("case-detail", case))
    # Django skips the plan actions' query when the case has no plan yet (nothing to look up).
    no_plan = not case.plans.exists()
    with django_assert_num_queries(DETAIL_QUERIES - no_plan):
        assert client.get(url("case-detail", case)).status_code == 200


def test_detail_timeline_is_the_newest_of_the_whole_timeline(client, case, case_worker):
    """The page's timeline reuses the newest notes it loaded (selectors.NOTES_PREFETCHED):
    with more notes than that, it shows the same entries as the whole timeline's newest."""
    from sigap.cases import selectors
    from sigap.cases.timeline import case_timeline
    from sigap.cases.views import TIMELINE_ON_PAGE

    assert TIMELINE_ON_PAGE <= selectors.NOTES_PREFETCHED
    for i in range(selectors.NOTES_PREFETCHED + 5):
        services.note_add(
            actor=case_worker,
            case=case,
            kind="home_visit",
            occurred_on=date(2025, 1, 1 + i % 28),
            text=f"n{i}",
        )
    client.force_login(case_worker)
    shown = client.get(url("case-detail", case)).context["timeline"]
    whole = case_timeline(Case.objects.get(pk=case.pk))
    assert len(whole) > len(shown) == TIMELINE_ON_PAGE
    assert shown == whole[:TIMELINE_ON_PAGE]


def test_detail_shows_unmet_gates(client, case, case_worker):
    client.force_login(case_worker)
    case = services.case_transition(actor=case_worker, case=case, to=Stage.ASSESSMENT)
    page = client.get(url("case-detail", case)).content.decode()
    assert "Complete an assessment of the child first." in page
    assert "Request closure" in page or reverse("cases:closure-request", args=[case.pk]) in page


# --- list ---------------------------------------------------------------------------------------------


LIST = {**dict.fromkeys(PERSONAS, 200), "analyst": 403, "agency_admin": 403, "system_admin": 403}


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"], indirect=True)
def test_case_list_per_persona(client, persona, request, case):
    name = request.node.callspec.params["persona"]
    response = _login(client, persona).get(reverse("cases:case-list"))
    assert response.status_code == LIST.get(name, 302)
    if response.status_code == 200:
        assert (case.number in response.content.decode()) == (DETAIL[name] == 200)


def test_list_query_count_is_constant(
    client, case_worker, home_agency, django_assert_num_queries, own_chrome_only
):
    for _ in range(3):
        open_case(case_worker, home_agency, ampk_categories=["d"])
    client.force_login(case_worker)
    list_url = reverse("cases:case-list")
    client.get(list_url)
    filtered = list_url + "?stage=open&risk=medium&category=d&kelurahan=64.71.01.1001"
    with django_assert_num_queries(11) as few:
        assert client.get(list_url).status_code == 200
    # A filtered list is a search: +4 for its audit event (savepoint, chain head, insert, release;
    # PostgreSQL adds the chain's advisory lock)
    with django_assert_num_queries(16 + AUDIT_LOCK) as few_filtered:
        assert client.get(filtered).status_code == 200
    for _ in range(25):
        open_case(
            case_worker, home_agency, ampk_categories=["d", "h"], violence_types=["exploitation"]
        )
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(list_url)
    assert "26–" not in response.content.decode()  # paginated: 25 per page
    with django_assert_num_queries(len(few_filtered.captured_queries)):
        assert client.get(filtered).status_code == 200


def test_list_filters_are_in_the_url(client, case_worker, supervisor, home_agency):
    low = open_case(case_worker, home_agency, risk_level="low", ampk_categories=["d"])
    high = open_case(case_worker, home_agency, risk_level="high", ampk_categories=["i"])
    advance(high, Stage.ASSESSMENT, case_worker, supervisor)
    client.force_login(case_worker)

    def numbers(query):
        page = client.get(reverse("cases:case-list") + query).content.decode()
        return {n for n in (low.number, high.number) if n in page}

    assert numbers("") == {low.number, high.number}
    assert numbers("?risk=low") == {low.number}
    assert numbers("?category=i") == {high.number}
    assert numbers("?stage=assessment") == {high.number}
    assert numbers("?stage=intake") == {low.number}
    assert numbers(f"?q={high.number}") == {high.number}
    assert numbers(f"?q={low.sequence}") == {low.number}
    assert numbers(f"?worker={case_worker.pk}") == {low.number, high.number}
    assert numbers("?kelurahan=64.71.01.1001") == {low.number, high.number}
    assert numbers("?kelurahan=64.71.03.1001") == set()
    assert numbers("?origin=pendatang") == set()
    assert numbers("?opened_from=2000-01-01&opened_to=2000-12-31") == set()
    # Invalid filter values are ignored with a message, never a 500.
    response = client.get(reverse("cases:case-list") + "?stage=nope&opened_from=not-a-date")
    assert response.status_code == 200


def test_list_origin_filter_finds_pendatang(client, case_worker, home_agency):
    newcomer = make_child(home_agency, case_worker, origin_region_id="64.72")
    case = open_case(case_worker, home_agency, newcomer)
    other = open_case(case_worker, home_agency)
    client.force_login(case_worker)
    page = client.get(reverse("cases:case-list") + "?origin=pendatang").content.decode()
    assert case.number in page and other.number not in page


def test_name_search_tolerates_typos_and_is_scoped(
    client, case_worker, outsider, home_agency, other_agency
):
    mine = open_case(
        case_worker, home_agency, make_child(home_agency, case_worker, full_name="Rahmat Hidayat")
    )
    theirs = open_case(
        outsider, other_agency, make_child(other_agency, outsider, full_name="Rahmat Hidayat")
    )
    for c in (mine, theirs):
        reindex_child(c.child)
    invalidate_vocabulary()
    client.force_login(case_worker)
    page = client.get(reverse("cases:case-list") + "?q=Rahmad+Hidayat").content.decode()
    assert mine.number in page
    assert theirs.number not in page


def test_empty_states(client, case_worker):
    client.force_login(case_worker)
    page = client.get(reverse("cases:case-list")).content.decode()
    assert "You have no cases yet" in page or "Anda" in page
    page = client.get(reverse("cases:case-list") + "?risk=low").content.decode()
    assert "Clear the filters" in page or "?" in page


# --- open ---------------------------------------------------------------------------------------------


def test_open_a_case_from_a_child(client, intake_officer, case_worker, home_agency, child):
    client.force_login(intake_officer)
    open_url = reverse("cases:case-open", args=[child.pk])
    assert client.get(open_url).status_code == 200
    response = client.post(
        open_url,
        {
            "lead_agency": home_agency.pk,
            "lead_worker": case_worker.pk,
            "risk_level": "high",
            "ampk_categories": ["d", "h"],
            "root_causes": ["family_economy"],
        },
    )
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == case.get_absolute_url()
    assert case.ampk_codes == ["d", "h"]
    assert case.team.get().user == case_worker


def test_open_form_errors_keep_the_input(client, intake_officer, child):
    client.force_login(intake_officer)
    response = client.post(
        reverse("cases:case-open", args=[child.pk]), {"risk_level": "bad", "summary": "Kept text"}
    )
    assert response.status_code == 422
    assert "Kept text" in response.content.decode()
    assert not Case.objects.exists()


def test_cannot_open_for_an_invisible_child(client, outsider, child):
    client.force_login(outsider)
    assert client.get(reverse("cases:case-open", args=[child.pk])).status_code == 404


def test_analyst_cannot_open(client, analyst, child):
    client.force_login(analyst)
    assert client.get(reverse("cases:case-open", args=[child.pk])).status_code == 403


# --- edit and conflicts --------------------------------------------------------------------------------


def test_stale_edit_shows_both_versions_and_overwrites_nothing(client, case, case_worker):
    client.force_login(case_worker)
    form = {"version": case.version, "summary": "Mine", "review_interval_days": 90}
    services.case_update(actor=case_worker, case=case, version=case.version, summary="Theirs")
    response = client.post(url("case-edit", case), form)
    assert response.status_code == 409
    page = response.content.decode()
    assert "Mine" in page and "Theirs" in page
    case.refresh_from_db()
    assert case.summary == "Theirs"


def test_edit_saves_and_validates(client, case, case_worker):
    client.force_login(case_worker)
    response = client.post(
        url("case-edit", case),
        {
            "version": case.version,
            "exploitation_activity": "selling",
            "exploitation_hours_until": "02:00",
            "exploitation_places": "Simpang Rapak",
            "root_causes": ["family_economy", "faulty_parenting"],
            "review_interval_days": 30,
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.exploitation_activity, str(case.exploitation_hours_until)) == (
        "selling",
        "02:00:00",
    )
    assert case.root_causes == ["family_economy", "faulty_parenting"]
    bad = client.post(url("case-edit", case), {"version": case.version, "review_interval_days": 2})
    assert bad.status_code == 422


def test_psychologist_on_team_cannot_edit_but_can_note(client, case, psychologist, supervisor):
    services.team_member_add(actor=supervisor, case=case, user=psychologist, role="psychologist")
    client.force_login(psychologist)
    assert client.get(url("case-edit", case)).status_code == 403
    response = client.post(
        url("note-add", case), {"kind": "meeting", "occurred_on": "2026-01-02", "text": "Session"}
    )
    assert response.status_code == 302
    assert case.notes.get().author == psychologist


def test_risk_change_form(client, case, case_worker):
    client.force_login(case_worker)
    response = client.post(
        url("case-risk", case), {"version": case.version, "risk_level": "critical", "reason": ""}
    )
    assert response.status_code == 422
    response = client.post(
        url("case-risk", case),
        {"version": case.version, "risk_level": "critical", "reason": "Seen at 2am"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.risk_level == "critical"


# --- workflow -------------------------------------------------------------------------------------------


def test_transition_with_unmet_gate_explains_and_writes_nothing(client, case, case_worker):
    client.force_login(case_worker)
    case = services.case_transition(actor=case_worker, case=case, to=Stage.ASSESSMENT)
    response = client.post(
        url("case-transition", case), {"to": "planning", "version": case.version}
    )
    assert response.status_code == 409
    assert "completed assessment" in response.content.decode()
    case.refresh_from_db()
    assert case.stage == Stage.ASSESSMENT


def test_transition_confirm_and_apply(client, case, case_worker):
    client.force_login(case_worker)
    assert client.get(url("case-transition", case) + "?to=assessment").status_code == 200
    response = client.post(
        url("case-transition", case), {"to": "assessment", "version": case.version}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.stage == Stage.ASSESSMENT


def test_transition_outside_the_table_redirects_with_a_message(client, case, case_worker):
    client.force_login(case_worker)
    response = client.get(url("case-transition", case) + "?to=review")
    assert response.status_code == 302
    response = client.post(
        url("case-transition", case), {"to": "review", "version": case.version}, follow=True
    )
    assert "cannot go from" in response.content.decode() or response.status_code == 200
    case.refresh_from_db()
    assert case.stage == Stage.INTAKE


def test_whole_path_through_the_pages(client, case, case_worker, supervisor, home_agency):
    client.force_login(case_worker)
    client.post(url("case-transition", case), {"to": "assessment", "version": case.version})
    scores = {
        f"{k}_score": "1"
        for k in ("safety", "health", "education", "family", "psychosocial", "legal")
    }
    response = client.post(url("assessment-create", case), {"complete": "1", **scores})
    assert response.status_code == 302
    case.refresh_from_db()
    client.post(url("case-transition", case), {"to": "planning", "version": case.version})
    client.post(url("plan-create", case), {"goals": "Back to school"})
    plan = case.plans.get()
    no_owner = client.post(
        url("plan-action-add", case, plan.pk), {"description": "Visit", "due_on": "2030-01-01"}
    )
    assert no_owner.status_code == 422
    assert "needs an owner" in no_owner.content.decode()
    client.post(
        url("plan-action-add", case, plan.pk),
        {
            "description": "Visit",
            "responsible_agency": home_agency.pk,
            "responsible_person": "Dewi",
            "due_on": "2030-01-01",
        },
    )
    plan.refresh_from_db()
    assert (
        client.post(url("plan-submit", case, plan.pk), {"version": plan.version}).status_code == 302
    )
    approval = Approval.objects.get(kind="plan")
    # The requester sees the request but cannot decide; the supervisor decides in the queue.
    client.force_login(supervisor)
    queue = client.get(reverse("cases:approval-queue")).content.decode()
    assert case.number in queue
    response = client.post(
        reverse("cases:approval-decide", args=[approval.pk]), {"decision": "approve"}
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED
    client.force_login(case_worker)
    case.refresh_from_db()
    assert (
        client.post(
            url("case-transition", case), {"to": "implementation", "version": case.version}
        ).status_code
        == 302
    )
    case.refresh_from_db()
    assert case.stage == Stage.IMPLEMENTATION
    client.post(url("closure-request", case), {"reason": "reintegrated"})
    closure = Approval.objects.get(kind="closure")
    client.force_login(supervisor)
    client.post(reverse("cases:approval-decide", args=[closure.pk]), {"decision": "approve"})
    client.force_login(case_worker)
    case.refresh_from_db()
    response = client.post(
        url("case-transition", case),
        {"to": "closure", "closure_reason": "reintegrated", "version": case.version},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.stage == Stage.CLOSURE


def test_assessment_completion_errors_next_to_fields(client, case, case_worker):
    client.force_login(case_worker)
    response = client.post(
        url("assessment-create", case),
        {"complete": "1", "safety_score": "2", "safety_notes": "kept"},
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "Give a score for" in page and "kept" in page
    assert not case.assessments.exists()


# --- approvals --------------------------------------------------------------------------------------------


def test_approval_queue_rules(client, case, case_worker, supervisor, home_agency):
    other_supervisor = user_with_role(Role.SUPERVISOR, home_agency)
    approval = services.closure_request(actor=supervisor, case=case, reason="duplicate")
    client.force_login(case_worker)
    assert client.get(reverse("cases:approval-queue")).status_code == 403
    client.force_login(supervisor)
    decide = reverse("cases:approval-decide", args=[approval.pk])
    page = client.get(decide).content.decode()
    assert "another supervisor" in page.lower() or "Another supervisor" in page
    assert client.post(decide, {"decision": "approve"}).status_code == 403
    client.force_login(other_supervisor)
    assert client.post(decide, {"decision": "reject"}).status_code == 422  # needs a comment
    assert client.post(decide, {"decision": "reject", "comment": "Not yet"}).status_code == 302
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.REJECTED


def test_approval_of_another_agency_is_404(client, supervisor, outsider, other_agency):
    theirs = open_case(outsider, other_agency)
    approval = services.closure_request(actor=outsider, case=theirs, reason="duplicate")
    client.force_login(supervisor)
    assert client.get(reverse("cases:approval-decide", args=[approval.pk])).status_code == 404
    assert (
        theirs.number
        not in client.get(reverse("cases:approval-queue") + "?status=").content.decode()
    )


# --- notes, team, people ---------------------------------------------------------------------------------


def test_note_edit_is_for_the_author_and_detects_conflicts(client, case, case_worker, supervisor):
    note = services.note_add(
        actor=case_worker, case=case, kind="home_visit", occurred_on=date(2026, 1, 1), text="a"
    )
    client.force_login(supervisor)
    assert client.get(url("note-edit", case, note.pk)).status_code == 403
    client.force_login(case_worker)
    stale = {"version": 1, "kind": "home_visit", "occurred_on": "2026-01-01", "text": "mine"}
    services.note_update(
        actor=case_worker,
        note=note,
        version=1,
        kind="home_visit",
        occurred_on=date(2026, 1, 1),
        text="b",
    )
    response = client.post(url("note-edit", case, note.pk), stale)
    assert response.status_code == 409
    note.refresh_from_db()
    assert note.text == "b"


def test_note_in_the_future_is_refused(client, case, case_worker):
    client.force_login(case_worker)
    response = client.post(
        url("note-add", case), {"kind": "home_visit", "occurred_on": "2999-01-01", "text": "x"}
    )
    assert response.status_code == 422
    assert not case.notes.exists()


def test_team_and_people_pages(client, case, case_worker, psychologist):
    client.force_login(case_worker)
    response = client.post(url("team-add", case), {"user": psychologist.pk, "role": "psychologist"})
    assert response.status_code == 302
    member = case.team.get(user=psychologist)
    assert client.get(url("team-end", case, member.pk)).status_code == 200  # confirmation
    assert client.post(url("team-end", case, member.pk)).status_code == 302
    person = make_person(case.lead_agency, case_worker)
    response = client.post(url("person-link", case), {"person": person.pk, "role": "organiser"})
    assert response.status_code == 302
    link = case.people.get()
    assert client.get(url("person-unlink", case, link.pk)).status_code == 200
    assert client.post(url("person-unlink", case, link.pk)).status_code == 302
    assert not case.people.exists()


def test_post_only_view_rejects_get(client, case, case_worker, supervisor):
    client.force_login(case_worker)
    assert client.get(url("plan-action-status", case, 1)).status_code == 405


def test_closed_case_page_offers_reopening(client, case, case_worker, supervisor):
    close(case, case_worker, supervisor)
    client.force_login(case_worker)
    page = client.get(url("case-detail", case)).content.decode()
    assert "Reopen the case" in page or "?to=assessment" in page
    response = client.post(url("case-transition", case), {"to": "assessment", "reason": ""})
    assert response.status_code == 409
    case.refresh_from_db()
    assert case.stage == Stage.CLOSURE
