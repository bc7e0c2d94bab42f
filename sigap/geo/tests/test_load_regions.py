import shutil
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from sigap.geo.models import Region
from sigap.geo.services import regions_load
from sigap.geo.tests.conftest import DATA_DIR

pytestmark = pytest.mark.django_db


@pytest.fixture
def data_dir(tmp_path):
    """A writable copy of the fixture files, for tests that change them."""
    copy = tmp_path / "regions"
    shutil.copytree(DATA_DIR, copy)
    return copy


def run(data_dir) -> str:
    out = StringIO()
    with translation.override("en"):
        call_command("load_regions", data_dir=data_dir, stdout=out)
    return out.getvalue()


def test_first_run_creates_the_tree_and_prints_a_summary():
    output = run(DATA_DIR)

    assert output.startswith(
        "Regions: 3 provinces, 4 regencies, 6 districts, 9 villages "
        "(created 22, updated 0, unchanged 0) in "
    )
    assert output.count("\n") == 1
    assert Region.objects.count() == 22
    village = Region.objects.get(code="64.71.03.1002")
    assert village.name == "Gunung Samarinda"
    assert village.name_search == "gunung samarinda"
    assert village.level == Region.Level.VILLAGE
    codes = []
    region: Region | None = village
    while region is not None:
        codes.append(region.code)
        region = region.parent
    assert codes == ["64.71.03.1002", "64.71.03", "64.71", "64"]
    assert [r.level for r in Region.objects.filter(code__in=codes).order_by("code")] == [
        "province",
        "regency",
        "district",
        "village",
    ]
    province = Region.objects.get(code="64")
    assert province.level == Region.Level.PROVINCE
    assert province.parent is None
    assert {r.code for r in province.children.all()} == {"64.71", "64.72"}


def test_second_run_writes_nothing(django_assert_max_num_queries):
    run(DATA_DIR)

    with django_assert_max_num_queries(3):  # one read of the table, plus savepoint bookkeeping
        result = regions_load(data_dir=DATA_DIR)

    assert (result.created, result.updated, result.unchanged) == (0, 0, 22)
    assert "(created 0, updated 0, unchanged 22)" in run(DATA_DIR)


def test_renamed_and_new_rows_are_written(data_dir):
    run(data_dir)
    villages = data_dir / "villages.csv"
    text = villages.read_text(encoding="utf-8").replace(",Jawa\n", ",Jawa Baru\n")
    villages.write_text(text + "64.72.03.1004,64.72.03,Air Putih\n", encoding="utf-8")

    result = regions_load(data_dir=data_dir)

    assert (result.created, result.updated, result.unchanged) == (1, 1, 21)
    renamed = Region.objects.get(code="64.72.03.1002")
    assert (renamed.name, renamed.name_search) == ("Jawa Baru", "jawa baru")
    assert Region.objects.get(code="64.72.03.1004").parent_id == "64.72.03"


def test_a_region_the_data_no_longer_has_is_kept(data_dir):
    run(data_dir)
    villages = data_dir / "villages.csv"
    villages.write_text(
        villages.read_text(encoding="utf-8").replace("64.72.03.1002,64.72.03,Jawa\n", ""),
        encoding="utf-8",
    )

    result = regions_load(data_dir=data_dir)

    assert result.not_in_data == 1
    assert "1 regions no longer in the data were kept" in run(data_dir)
    assert Region.objects.filter(code="64.72.03.1002").exists()


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("64.72.09.1001,64.72.09,Nowhere\n", "parent 64.72.09 of 64.72.09.1001 is unknown"),
        ("64.72.03.1003,64.72.02,Misfiled\n", "parent '64.72.02' does not match"),
        ("6472031003,64.72.03,Undotted\n", "'6472031003' is not a village code"),
        ("64.72.03.1002,64.72.03,Twice\n", "code 64.72.03.1002 appears twice"),
        ("64.72.03.1003,64.72.03,\n", "name of 64.72.03.1003 is empty"),
    ],
)
def test_bad_data_is_refused_and_changes_nothing(data_dir, line, message):
    run(data_dir)
    villages = data_dir / "villages.csv"
    text = villages.read_text(encoding="utf-8").replace(",Jawa\n", ",Jawa Baru\n")
    villages.write_text(text + line, encoding="utf-8")

    with pytest.raises(CommandError, match=message) as excinfo:
        run(data_dir)

    assert "villages.csv:11:" in str(excinfo.value)
    assert Region.objects.get(code="64.72.03.1002").name == "Jawa"
    assert Region.objects.count() == 22


def test_missing_file_is_a_clear_error(data_dir):
    (data_dir / "districts.csv").unlink()

    with pytest.raises(CommandError, match=r"districts\.csv: cannot be read"):
        run(data_dir)

    assert not Region.objects.exists()


def test_missing_column_is_a_clear_error(data_dir):
    (data_dir / "regencies.csv").write_text("code,name\n64.71,Kota Balikpapan\n", encoding="utf-8")

    with pytest.raises(CommandError, match=r"regencies\.csv: missing column\(s\) province_code"):
        run(data_dir)
