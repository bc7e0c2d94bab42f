from django.urls import reverse


def test_region_options_lists_matching_regions(client, case_worker):
    client.force_login(case_worker)
    response = client.get(
        reverse("geo:region_options"), {"field": "region", "region": "balikpapan"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="64.71"' in html
    assert "Kota Balikpapan" in html


def test_region_options_narrowed_to_a_parent(client, case_worker):
    client.force_login(case_worker)
    response = client.get(reverse("geo:region_options"), {"q": "", "parent": "64.71"})
    html = response.content.decode()
    assert 'value="64.71.01"' in html
    assert 'value="64.72"' not in html


def test_region_options_need_a_login(client, db):
    response = client.get(reverse("geo:region_options"), {"q": "a"})
    assert response.status_code == 302
