import pytest
from django.db import IntegrityError, transaction

from sigap.geo.models import ANCESTORS, Region, search_key

pytestmark = pytest.mark.django_db


@pytest.mark.usefixtures("regions")
@pytest.mark.parametrize(
    ("code", "full_name"),
    [
        ("64", "Kalimantan Timur"),
        ("64.71", "Kota Balikpapan"),
        ("64.71.03", "Balikpapan Utara, Kota Balikpapan"),
        ("64.71.03.1002", "Gunung Samarinda, Balikpapan Utara, Kota Balikpapan"),
    ],
)
def test_full_name_goes_up_to_the_regency(code, full_name):
    region = Region.objects.select_related(ANCESTORS).get(code=code)

    assert region.full_name == full_name
    assert str(region) == full_name.split(", ")[0]


def test_save_keeps_the_search_key_in_step_with_the_name():
    region = Region.objects.create(code="64", name="Kalimantan  TIMUR", level="province")
    assert region.name_search == "kalimantan timur"


def test_search_key():
    assert search_key("  Bu Nuapu’u ") == "bu nuapu'u"


def test_only_a_province_has_no_parent():
    province = Region.objects.create(code="64", name="Kalimantan Timur", level="province")
    with pytest.raises(IntegrityError), transaction.atomic():
        Region.objects.create(code="64.71", name="Kota Balikpapan", level="regency")
    with pytest.raises(IntegrityError), transaction.atomic():
        Region.objects.create(code="65", name="Kalimantan Utara", level="province", parent=province)
