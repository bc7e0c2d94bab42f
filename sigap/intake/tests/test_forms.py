import pytest

from sigap.geo.models import Region
from sigap.intake import forms

pytestmark = pytest.mark.django_db


def test_villages_load_on_a_machine_booted_a_minute_ago(regions, monkeypatch):
    # time.monotonic() counts from boot: on a fresh CI machine it is smaller than the cache's
    # ten minutes, and the first look-up must still read the table.
    monkeypatch.setattr(forms.time, "monotonic", lambda: 60.0)
    village = forms.home_village("64.71.03.1001")
    assert village is not None and village.code == "64.71.03.1001"
    assert forms.home_village("64.71.99.9999") is None


def test_a_new_village_is_seen_after_ten_minutes(regions, monkeypatch):
    clock = [60.0]
    monkeypatch.setattr(forms.time, "monotonic", lambda: clock[0])
    assert forms.home_village("64.71.03.1001") is not None
    Region.objects.create(
        code="64.71.03.1099",
        name="Kelurahan Baru",
        level=Region.Level.VILLAGE,
        parent_id="64.71.03",
    )
    clock[0] += 60
    assert forms.home_village("64.71.03.1099") is None
    clock[0] += forms.VILLAGE_CACHE_SECONDS
    assert forms.home_village("64.71.03.1099") is not None
