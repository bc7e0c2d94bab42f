"""The case page's extension points: links into other domains, shown by their own policy."""

from django.urls import reverse

from sigap.cases.extensions import case_links_for


def test_care_and_referral_links_follow_their_policies(client, case, case_worker, analyst):
    links = {link["url"] for link in case_links_for(case_worker, case)}
    assert reverse("care:case", kwargs={"case_id": case.pk}) in links
    assert reverse("referrals:case-referrals", kwargs={"case_id": case.pk}) in links
    # Someone who may not see the case gets no link at all.
    assert case_links_for(analyst, case) == []

    client.force_login(case_worker)
    html = client.get(reverse("cases:case-detail", kwargs={"pk": case.pk})).content.decode()
    assert reverse("care:case", kwargs={"case_id": case.pk}) in html
