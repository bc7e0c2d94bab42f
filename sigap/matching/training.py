"""Fit the shipped weights (default_model.json) on labelled synthetic pairs.

    python -m sigap.matching.training [--records 40000] [--seed 1]

The seed differs from the benchmark's (2026) and the tests' (7), so neither is scored with
weights learnt on its own truth.
"""

from __future__ import annotations

import argparse
import json

import numpy as np

from .blocking import candidate_pairs
from .compare import compare
from .dedupe import random_pairs
from .model import _DEFAULTS, FSModel
from .records import prepare
from .synth import generate

TRAINING_SEED = 1


def fit_default(records: int = 40_000, seed: int = TRAINING_SEED) -> FSModel:
    s = generate(records, seed=seed)
    p = prepare(s.records, as_of=s.as_of)
    ia, ib = candidate_pairs(p)
    cluster = np.array(s.cluster)
    ra, rb = random_pairs(len(p), seed=seed)
    random_levels = compare(p, p, ra, rb)[cluster[ra] != cluster[rb]]
    model = FSModel.uninformed().fit_labelled(
        compare(p, p, ia, ib),
        cluster[ia] == cluster[ib],
        random_levels,
        records=len(p),
        true_pairs=len(s.true_pairs()),
    )
    _, counts = np.unique(p.codes("name"), return_counts=True)
    return model.set_name_frequencies(counts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=40_000)
    parser.add_argument("--seed", type=int, default=TRAINING_SEED)
    args = parser.parse_args()
    model = fit_default(args.records, args.seed)
    _DEFAULTS.write_text(json.dumps(model.to_dict(), indent=1) + "\n")
    print(
        f"wrote {_DEFAULTS}: {model.dup_rate:.3f} duplicates, {model.house_rate:.3f} siblings per record"
    )


if __name__ == "__main__":
    main()
