import csv
import subprocess
import sys
from dataclasses import astuple
from pathlib import Path

from sigap.matching.cli import main
from sigap.matching.records import FIELDS
from sigap.matching.synth import generate

ROOT = Path(__file__).resolve().parents[3]


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def test_dedupe_writes_pairs_with_explanations(tmp_path: Path) -> None:
    s = generate(400, seed=3)
    src = write_csv(
        tmp_path / "in.csv", [*FIELDS, "extra"], [[*astuple(r), "x"] for r in s.records]
    )
    out = tmp_path / "out.csv"
    assert (
        main(["dedupe", str(src), "--out", str(out), "--threshold", "0.5", "--as-of", "2026-01-01"])
        == 0
    )
    rows = list(csv.DictReader(out.open()))
    assert rows and list(rows[0]) == ["id_a", "id_b", "score", "explanation"]
    assert all(0.5 <= float(r["score"]) <= 1 for r in rows)
    assert "name:" in rows[0]["explanation"]
    ids = {r.id: c for r, c in zip(s.records, s.cluster, strict=True)}
    correct = sum(ids[r["id_a"]] == ids[r["id_b"]] for r in rows)
    assert correct / len(rows) > 0.8


def test_only_id_and_full_name_are_required(tmp_path: Path) -> None:
    src = write_csv(
        tmp_path / "in.csv",
        ["full_name", "id"],
        [["Budi Santoso", "1"], ["Budi Santoso", "2"], ["Sri Wahyuni", "3"]],
    )
    out = tmp_path / "out.csv"
    assert main(["dedupe", str(src), "--out", str(out), "--threshold", "0"]) == 0
    rows = list(csv.DictReader(out.open()))
    assert {(r["id_a"], r["id_b"]) for r in rows} >= {("1", "2")}


def test_missing_required_column_exits_2(tmp_path: Path, capsys) -> None:
    src = write_csv(tmp_path / "in.csv", ["id", "name"], [["1", "Budi"]])
    assert main(["dedupe", str(src), "--out", str(tmp_path / "o.csv")]) == 2
    assert "missing required column(s): full_name" in capsys.readouterr().err


def test_bad_date_exits_2(tmp_path: Path, capsys) -> None:
    src = write_csv(
        tmp_path / "in.csv", ["id", "full_name", "birth_date"], [["7", "Budi", "2014-13-45"]]
    )
    assert main(["dedupe", str(src), "--out", str(tmp_path / "o.csv")]) == 2
    err = capsys.readouterr().err
    assert "record '7'" in err and "2014-13-45" in err


def test_unreadable_file_exits_2(tmp_path: Path, capsys) -> None:
    assert main(["dedupe", str(tmp_path / "nope.csv"), "--out", str(tmp_path / "o.csv")]) == 2
    assert "cannot read" in capsys.readouterr().err
    binary = tmp_path / "bin.csv"
    binary.write_bytes(b"\xff\xfe\x00\x81garbage")
    assert main(["dedupe", str(binary), "--out", str(tmp_path / "o.csv")]) == 2


def test_module_entry_point_reports_on_stderr(tmp_path: Path) -> None:
    src = write_csv(tmp_path / "in.csv", ["id"], [["1"]])
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "sigap.matching",
            "dedupe",
            str(src),
            "--out",
            str(tmp_path / "o.csv"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("error:") and not result.stdout
