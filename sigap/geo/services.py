"""Writes to the region table: loading the vendored idn-area-data files.

Regions are reference data that only this loader writes (no user edits them), so there is no
audit event: the vendored files and their commit history are the record of what changed.
"""

from __future__ import annotations

import csv
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection, transaction
from django.utils.translation import gettext as _

from sigap.geo.models import Region, search_key

DEFAULT_DATA_DIR = Path(__file__).resolve().parent / "vendor" / "idn-area-data"

_NAME_MAX_LENGTH = Region._meta.get_field("name").max_length or 100


@dataclass(frozen=True)
class _LevelFile:
    level: str
    filename: str
    parent_column: str | None
    code_pattern: re.Pattern[str]


# Parents before children: each file's parent codes must be in the file before it.
LEVEL_FILES = (
    _LevelFile(Region.Level.PROVINCE, "provinces.csv", None, re.compile(r"\d{2}")),
    _LevelFile(Region.Level.REGENCY, "regencies.csv", "province_code", re.compile(r"\d{2}\.\d{2}")),
    _LevelFile(
        Region.Level.DISTRICT, "districts.csv", "regency_code", re.compile(r"\d{2}\.\d{2}\.\d{2}")
    ),
    _LevelFile(
        Region.Level.VILLAGE,
        "villages.csv",
        "district_code",
        re.compile(r"\d{2}\.\d{2}\.\d{2}\.\d{4}"),
    ),
)


class RegionDataError(Exception):
    """A region file is missing or malformed; the message names the file and line."""


@dataclass(frozen=True)
class RegionRow:
    code: str
    name: str
    level: str
    parent_code: str | None


@dataclass
class RegionLoadResult:
    counts: dict[str, int] = field(default_factory=dict)  # rows in the data, by level
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    not_in_data: int = 0  # rows in the table that the data no longer has (kept)
    seconds: float = 0.0

    def summary(self) -> str:
        text = _(
            "Regions: %(provinces)d provinces, %(regencies)d regencies, %(districts)d districts, "
            "%(villages)d villages (created %(created)d, updated %(updated)d, "
            "unchanged %(unchanged)d) in %(seconds).1f s"
        ) % {
            "provinces": self.counts.get(Region.Level.PROVINCE, 0),
            "regencies": self.counts.get(Region.Level.REGENCY, 0),
            "districts": self.counts.get(Region.Level.DISTRICT, 0),
            "villages": self.counts.get(Region.Level.VILLAGE, 0),
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "seconds": self.seconds,
        }
        if self.not_in_data:
            text += "; " + _("%(count)d regions no longer in the data were kept") % {
                "count": self.not_in_data
            }
        return text


def read_region_files(data_dir: Path) -> list[RegionRow]:
    """Read and check the four CSV files of `data_dir`, parents first.

    Raises RegionDataError for a missing file or column, a malformed or duplicate code, an empty
    or over-long name, or a parent code that the level above does not have.
    """
    rows: list[RegionRow] = []
    known_parents: set[str] = set()
    for spec in LEVEL_FILES:
        path = data_dir / spec.filename
        codes: set[str] = set()
        try:
            handle = path.open(encoding="utf-8-sig", newline="")
        except OSError as exc:
            raise RegionDataError(f"{path}: cannot be read ({exc.strerror})") from exc
        with handle:
            reader = csv.DictReader(handle)
            needed = {"code", "name"} | ({spec.parent_column} if spec.parent_column else set())
            missing = needed - set(reader.fieldnames or ())
            if missing:
                raise RegionDataError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
            for record in reader:
                where = f"{path}:{reader.line_num}"
                code = (record["code"] or "").strip()
                name = " ".join((record["name"] or "").split())
                if not spec.code_pattern.fullmatch(code):
                    raise RegionDataError(f"{where}: {code!r} is not a {spec.level} code")
                if code in codes:
                    raise RegionDataError(f"{where}: code {code} appears twice")
                if not name or len(name) > _NAME_MAX_LENGTH:
                    raise RegionDataError(f"{where}: name of {code} is empty or too long")
                parent_code: str | None = None
                if spec.parent_column:
                    parent_code = (record[spec.parent_column] or "").strip()
                    if parent_code != code.rpartition(".")[0]:
                        raise RegionDataError(
                            f"{where}: parent {parent_code!r} does not match code {code}"
                        )
                    if parent_code not in known_parents:
                        raise RegionDataError(f"{where}: parent {parent_code} of {code} is unknown")
                codes.add(code)
                rows.append(RegionRow(code, name, spec.level, parent_code))
        known_parents = codes
    return rows


def _update_rows(regions: list[Region]) -> None:
    """UPDATE each region's name, search key, level and parent by code.

    One parameterised statement run with executemany: Django's bulk_update builds a CASE WHEN
    per field and batch, which took 13-17 s for 21k renamed villages; this takes about a second.
    """
    if not regions:
        return
    sql = (
        "UPDATE geo_region SET name = %s, name_search = %s, level = %s, parent_id = %s "
        "WHERE code = %s"
    )
    params = [(r.name, r.name_search, r.level, r.parent_id, r.code) for r in regions]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


@transaction.atomic
def regions_load(*, data_dir: Path | None = None, batch_size: int = 2000) -> RegionLoadResult:
    """Bring the region table in line with the region files: create new codes, update changed ones.

    Idempotent: it compares each row with the table and writes only what differs, so a second run
    writes nothing. It never deletes a region (records may still point at one); those the data no
    longer has are counted. All or nothing: it runs in one transaction.
    """
    started = time.monotonic()
    rows = read_region_files(data_dir or DEFAULT_DATA_DIR)
    existing = {
        code: (name, name_search, level, parent_id)
        for code, name, name_search, level, parent_id in Region.objects.order_by().values_list(
            "code", "name", "name_search", "level", "parent_id"
        )
    }
    result = RegionLoadResult()
    to_create: list[Region] = []
    to_update: list[Region] = []
    for row in rows:
        result.counts[row.level] = result.counts.get(row.level, 0) + 1
        key = search_key(row.name)
        current = existing.pop(row.code, None)
        if current == (row.name, key, row.level, row.parent_code):
            result.unchanged += 1
            continue
        region = Region(
            code=row.code,
            name=row.name,
            name_search=key,
            level=row.level,
            parent_id=row.parent_code,
        )
        (to_create if current is None else to_update).append(region)
    # Rows are in level order, so every batch's parents are already written (PostgreSQL checks
    # the foreign keys at commit anyway; Django declares them deferrable).
    Region.objects.bulk_create(to_create, batch_size=batch_size)
    _update_rows(to_update)
    result.created = len(to_create)
    result.updated = len(to_update)
    result.not_in_data = len(existing)
    result.seconds = time.monotonic() - started
    return result
