"""The Indonesian catalogue is complete and the committed .mo matches the .po (make run needs no
gettext, so a stale .mo would silently show English)."""

import ast
import gettext
import re
from pathlib import Path

LC = Path(__file__).resolve().parents[2] / "locale" / "id" / "LC_MESSAGES"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")


def _entries() -> list[dict]:
    """A small .po reader: msgid, msgid_plural, msgstr / msgstr[0] and flags of each entry."""
    entries: list[dict] = []
    current: dict[str, str] = {"flags": ""}
    key = ""
    for raw in (LC / "django.po").read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            if "msgid" in current:
                entries.append(current)
            current, key = {"flags": ""}, ""
        elif line.startswith("#,"):
            current["flags"] += line[2:]
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            current[key] += ast.literal_eval(line)
        else:
            key, _sep, value = line.partition(" ")
            key = {"msgstr[0]": "msgstr"}.get(key, key)
            current[key] = ast.literal_eval(value)
    if "msgid" in current:
        entries.append(current)
    return [e for e in entries if e["msgid"]]  # the header has an empty msgid


def test_every_entry_is_translated_and_keeps_its_placeholders():
    entries = _entries()
    assert len(entries) > 1500
    untranslated = [e["msgid"] for e in entries if not e.get("msgstr")]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert untranslated == []
    assert fuzzy == []
    for e in entries:
        assert sorted(PLACEHOLDER.findall(e["msgid"])) == sorted(
            PLACEHOLDER.findall(e["msgstr"])
        ), e["msgid"]


def test_compiled_catalogue_matches_the_source():
    with (LC / "django.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for e in _entries():
        if "msgid_plural" in e:
            assert compiled.ngettext(e["msgid"], e["msgid_plural"], 1) == e["msgstr"]
        else:
            assert compiled.gettext(e["msgid"]) == e["msgstr"], e["msgid"]
