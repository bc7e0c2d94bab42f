from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from sigap.accounts.models import User
from sigap.care import deadlines, selectors
from sigap.care.models import CareArrangement, ProgressNote


@pytest.mark.django_db
def test_demo_psychologist_sees_children_in_shelter_with_notes_and_chart(regions, client):
    call_command("seed_demo", scale=60, stdout=io.StringIO())
    psikolog = User.objects.get(username="psikolog")
    stays = list(selectors.shelter_list_for(user=psikolog))
    assert len(stays) >= 3
    assert ProgressNote.objects.filter(case=stays[0].case).count() >= 3
    assert deadlines.tasks_for(psikolog)  # note deadlines
    client.force_login(psikolog)
    page = client.get(reverse("care:notes", kwargs={"case_id": stays[0].case_id}))
    assert page.status_code == 200 and "data-progress-chart" in page.content.decode()
    # Running it again adds nothing.
    before = CareArrangement.objects.count()
    call_command("seed_demo", scale=60, stdout=io.StringIO())
    assert CareArrangement.objects.count() == before
