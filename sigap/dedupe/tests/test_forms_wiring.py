"""The registration forms ask for possible duplicates as the name is typed (htmx)."""

from django.urls import reverse


def test_child_registration_form_asks_for_suggestions(client, intake_officer):
    client.force_login(intake_officer)
    html = client.get(reverse("children:child_create")).content.decode()
    assert 'id="dedupe-suggestions"' in html
    assert f'hx-get="{reverse("dedupe:suggest")}"' in html
    # The sensitive identifiers never travel in the suggestion request's URL.
    include = html.split('hx-include="', 1)[1].split('"', 1)[0]
    assert "nik" not in include and "family_card" not in include
