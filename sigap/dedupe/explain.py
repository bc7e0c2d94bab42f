"""The engine's explanations as stored JSON and as sentences a case worker can read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from sigap.matching import Explanation

FIELD_LABELS: dict[str, Promise] = {
    "name": _("Name"),
    "sex": _("Sex"),
    "birth": _("Birth date or age"),
    "nik": _("NIK"),
    "parents": _("Parents' names"),
    "birthplace_origin": _("Place of birth and origin"),
    "residence": _("Address and kelurahan"),
    "marga": _("Family name (marga)"),
    "birth_order": _("Birth-order name"),
    "household": _("Same household"),
    "linked": _("Through another record"),
}

LEVEL_LABELS: dict[str, Promise] = {
    "exact_unique": _("same name, a rare one"),
    "exact_rare": _("same name, a rare one"),
    "exact_uncommon": _("same name"),
    "exact_common": _("same name, a common one"),
    "exact_frequent": _("same name, a frequent one"),
    "exact_very_common": _("same name, a very common one"),
    "phonetic": _("names sound the same"),
    "one_edit": _("names one letter apart"),
    "fuzzy_high": _("names almost the same"),
    "fuzzy": _("names similar"),
    "subset": _("one name contains the other"),
    "alias": _("a name matches an alias"),
    "nickname": _("a nickname matches"),
    "share_token": _("one name in common"),
    "fuzzy_low": _("names a little similar"),
    "different_short": _("different one-word names (perhaps a nickname)"),
    "different": _("different"),
    "one_edit_short": _("short names one letter apart"),
    "fuzzy_short": _("short names similar"),
    "different_given": _("different given names (not a nickname)"),
    "same": _("same"),
    "same_date": _("same birth date"),
    "near_date": _("birth dates close"),
    "same_year": _("same birth year"),
    "ranges_overlap": _("estimated ages overlap"),
    "within_2y": _("within two years"),
    "one_digit_off": _("one digit different"),
    "serial_differs": _("same region and birth date, another child's serial number"),
    "through_other_record": _("both match a third record of the same child"),
    "both_same": _("both parents the same"),
    "both_same_common": _("both parents the same, common names"),
    "one_same_rare": _("one parent the same, a rare name"),
    "one_same": _("one parent the same"),
    "one_same_common": _("one parent the same, a common name"),
    "one_same_one_different": _("one parent the same, the other different"),
    "similar": _("similar"),
    "mixed": _("one the same, one different"),
    "same_address": _("same address"),
    "similar_address_same_kelurahan": _("similar address, same kelurahan"),
    "same_kelurahan": _("same kelurahan"),
    "similar_address": _("similar address"),
}

STATUS_LABELS: dict[str, Promise] = {
    "agree": _("agrees"),
    "partial": _("partly agrees"),
    "disagree": _("disagrees"),
    "missing": _("missing on one side"),
}


def to_json(explanation: Explanation) -> list[dict[str, Any]]:
    """Field names, levels and weights only: never a value of either record."""
    return [
        {"field": c.field, "status": c.status, "level": c.level, "weight": round(c.weight, 2)}
        for c in explanation.contributions
    ]


@dataclass(frozen=True)
class Line:
    field: str
    label: Any
    status: str
    status_label: Any
    level_label: Any
    weight: float

    @property
    def percent_bar(self) -> int:
        """Width of the weight bar, 0-100 (10 bits or more fill it)."""
        return min(100, round(abs(self.weight) * 10))


def lines(explanation: list[dict[str, Any]]) -> list[Line]:
    """Readable lines, strongest evidence first; missing fields last."""
    out = [
        Line(
            field=str(e.get("field", "")),
            label=FIELD_LABELS.get(str(e.get("field", "")), str(e.get("field", ""))),
            status=str(e.get("status", "")),
            status_label=STATUS_LABELS.get(str(e.get("status", "")), ""),
            level_label=LEVEL_LABELS.get(str(e.get("level", "")), ""),
            weight=float(e.get("weight", 0.0)),
        )
        for e in explanation
    ]
    out.sort(key=lambda ln: (ln.status == "missing", -abs(ln.weight)))
    return out
