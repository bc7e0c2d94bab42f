"""`python -m sigap.matching dedupe INPUT.csv --out PAIRS.csv [--threshold T]`."""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

from .dedupe import dedupe
from .model import FSModel
from .records import Record, RecordError, prepare

REQUIRED = ("id", "full_name")
EXIT_INPUT = 2


class InputError(Exception):
    """Input the user must fix: reported on stderr, exit status 2."""


def read_records(path: Path) -> list[Record]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            header = [h.strip() for h in (reader.fieldnames or [])]
            missing = [c for c in REQUIRED if c not in header]
            if missing:
                raise InputError(
                    f"{path}: missing required column(s): {', '.join(missing)} "
                    f"(found: {', '.join(header) or 'no header'})"
                )
            reader.fieldnames = header
            records = []
            for line, row in enumerate(reader, start=2):
                r = Record.from_mapping(row)
                if not r.id or not r.full_name:
                    raise InputError(f"{path}, line {line}: id and full_name must not be empty")
                records.append(r)
            return records
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"cannot read {path}: {exc}") from None


def _progress(start: float) -> Callable[[str], None]:
    def report(message: str) -> None:
        print(f"[{time.monotonic() - start:7.1f}s] {message}", file=sys.stderr, flush=True)

    return report


def cmd_dedupe(args: argparse.Namespace) -> int:
    report = _progress(time.monotonic())
    records = read_records(Path(args.input))
    report(f"read {len(records):,} records from {args.input}")
    try:
        prepared = prepare(records, as_of=args.as_of)
    except RecordError as exc:
        raise InputError(f"{args.input}: {exc}") from None
    model = FSModel.default() if args.weights == "default" else None
    result = dedupe(prepared, threshold=args.threshold, model=model, progress=report)
    try:
        with open(args.out, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["id_a", "id_b", "score", "explanation"])
            for id_a, id_b, score, explanation in result.rows():
                w.writerow([id_a, id_b, f"{score:.4f}", explanation])
    except OSError as exc:
        raise InputError(f"cannot write {args.out}: {exc}") from None
    report(f"wrote {len(result):,} pairs to {args.out}")
    return 0


def _threshold(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError("must be between 0 and 1")
    return value


def _as_of(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m sigap.matching", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("dedupe", help="list likely duplicate pairs in a CSV of child records")
    d.add_argument("input", help="CSV with at least the columns id and full_name")
    d.add_argument("--out", required=True, help="where to write id_a,id_b,score,explanation")
    d.add_argument("--threshold", type=_threshold, default=0.5, help="minimum score, 0-1")
    d.add_argument(
        "--weights", choices=("default", "em"), default="default",
        help="shipped weights, or estimate them on this file by EM (no labels)",
    )  # fmt: skip
    d.add_argument(
        "--as-of", type=_as_of, default=None,
        help="date at which the 'age' column was estimated (default: today)",
    )  # fmt: skip
    d.set_defaults(func=cmd_dedupe)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INPUT
