from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

DATA_DIR = Path(__file__).resolve().parent / "data"


@pytest.fixture
def regions(db):
    """The tiny region set in tests/data: 3 provinces, 4 regencies, 6 districts, 9 villages."""
    call_command("load_regions", data_dir=DATA_DIR, stdout=StringIO())
