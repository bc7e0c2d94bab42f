from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sigap.geo.services import DEFAULT_DATA_DIR, RegionDataError, regions_load


class Command(BaseCommand):
    help = (
        "Load Indonesia's administrative regions (provinces, regencies, districts, villages) "
        "from the vendored idn-area-data CSV files. Safe to run again: only new or changed rows "
        "are written."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--data-dir",
            type=Path,
            default=DEFAULT_DATA_DIR,
            help="Folder with provinces.csv, regencies.csv, districts.csv and villages.csv "
            "(default: the vendored idn-area-data).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = regions_load(data_dir=options["data_dir"])
        except RegionDataError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(result.summary())
