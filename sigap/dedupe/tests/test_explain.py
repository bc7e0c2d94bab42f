"""Every comparison level the matching engine can report has a label for the case worker."""

import json
from pathlib import Path

import sigap.matching
from sigap.dedupe.explain import LEVEL_LABELS


def test_every_level_of_the_shipped_model_has_a_label():
    model = json.loads(
        (Path(sigap.matching.__file__).parent / "default_model.json").read_text(encoding="utf-8")
    )
    levels = {level for field in model["fields"].values() for level in field}
    assert levels, "the model lists no levels"
    assert sorted(levels - LEVEL_LABELS.keys()) == []
    assert all(str(LEVEL_LABELS[level]) for level in levels)
