"""Benchmark the public report API on the real server against a one-row-insert baseline.

    .venv/bin/python bench/public_reports.py [--duration 15] [--clients 50] [--workers 4 --threads 4]

What it does, in one run:
1. creates a fresh PostgreSQL database (default `sigap_bench_reports` on 127.0.0.1), migrates it
   and loads the small region fixture;
2. starts gunicorn with `bench.settings_public_reports` (the real settings plus POST
   /api/v1/bench/baseline, a django-ninja operation like the report API, which parses the same
   JSON body and inserts one row in a transaction: see bench/urls_public_reports.py), and
   the task worker (`manage.py db_worker`, as `make run` does: it writes the reports' audit
   events, work the machine does for each report, so it runs during the measurement);
3. drives both endpoints from `--clients` concurrent keep-alive HTTP/1.1 clients on loopback, each
   sending its next request as soon as the last one is answered (closed loop, no think time), in
   alternating phases baseline / reports / baseline / reports of `--duration` seconds each after a
   warm-up, so that drift of the machine hits both alike; in each phase it also reads the CPU time
   used by the gunicorn processes, the PostgreSQL backends of the benchmark database, the task
   worker and the client (/proc/<pid>/stat), which, unlike throughput, barely depends on what
   else the machine is doing: CPU per request is the figure to compare on a shared machine;
4. stops the server, lets the worker finish the audit events, and checks that every 201 has its
   row (reports and baseline rows) and every report its audit event, then drops the database
   (unless --keep-db);
5. measures the CPU time and SQL statements per request of both endpoints in one process,
   without concurrency (bench/profile_public_reports.py, on a database of its own; --no-profile
   skips it);
6. prints the figures and rewrites its own section of docs/benchmarks.md (unless --no-docs).

Targets (issue 6): reports reach at least 70% of the baseline's throughput, p99 under 200 ms,
zero errors, every 201 has its row. The client runs on the same 2 cores as the server and the
database, as every benchmark in docs/benchmarks.md does.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- bench:public_reports:start -->", "<!-- bench:public_reports:end -->"
HEADING = "## Public reports (`bench/public_reports.py`)"
REPORT_PATH = "/api/v1/public/reports"
BASELINE_PATH = "/api/v1/bench/baseline"
VILLAGES = ["64.71.01.1001", "64.71.01.1004", "64.71.03.1001", "64.71.03.1002", ""]
WORDS = [
    "anak",
    "menjual",
    "tisu",
    "di",
    "lampu",
    "merah",
    "sampai",
    "larut",
    "malam",
    "bersama",
    "seorang",
    "pria",
    "dewasa",
    "terlihat",
    "lelah",
    "tidak",
    "memakai",
    "sandal",
    "mengamen",
    "meminta",
    "minta",
    "dekat",
    "pasar",
    "terminal",
]


# --- the database and the server ----------------------------------------------------------------


def psql(base_url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{base_url}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def query_one(db_url: str, sql: str, params: Any = None) -> Any:
    import psycopg

    with psycopg.connect(db_url) as conn:
        row = conn.execute(sql, params).fetchone()
        return row[0] if row else None


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not become ready")


# --- CPU time of the processes taking part ------------------------------------------------------

CLOCK_TICK = os.sysconf("SC_CLK_TCK")


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of a process (all its threads); 0 once it has exited."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICK


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat[1]) == pid:
                found.append(int(entry.name))
    return found


WORKER_APP = "sigap-bench-worker"  # application_name of the task worker's database connection


@dataclass
class CpuMeter:
    """Reads the CPU seconds of the server (gunicorn master and workers), the PostgreSQL backends
    serving it, the task worker with its own backend, and this client process."""

    db_url: str
    db_name: str
    server_pid: int
    worker_pid: int | None

    def backends(self) -> list[tuple[int, str]]:
        import psycopg

        with psycopg.connect(self.db_url, autocommit=True) as conn:
            rows = conn.execute(
                "SELECT pid, application_name FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                [self.db_name],
            ).fetchall()
        return [(int(pid), str(app)) for pid, app in rows]

    def read(self) -> dict[str, dict[int, float]]:
        server = [self.server_pid, *children(self.server_pid)]
        backends = self.backends()
        worker = [pid for pid, app in backends if app == WORKER_APP]
        if self.worker_pid:
            worker.append(self.worker_pid)
        return {
            "server": {pid: process_cpu(pid) for pid in server},
            "database": {pid: process_cpu(pid) for pid, app in backends if app != WORKER_APP},
            "worker": {pid: process_cpu(pid) for pid in worker},
            "client": {0: time.process_time()},
        }

    @staticmethod
    def spent(
        before: dict[str, dict[int, float]], after: dict[str, dict[int, float]]
    ) -> dict[str, float]:
        """CPU seconds per part between two readings; a process that started in between counts
        from zero (a database backend that ended in between is lost: Django keeps connections
        for 60 s, so few do)."""
        return {
            part: sum(max(0.0, cpu - before[part].get(pid, 0.0)) for pid, cpu in now.items())
            for part, now in after.items()
        }


# --- the load --------------------------------------------------------------------------------------


def make_bodies(n: int, seed: int = 6) -> list[bytes]:
    rng = random.Random(seed)
    now = datetime.now(UTC)
    bodies = []
    for _ in range(n):
        body: dict[str, Any] = {
            "category": rng.choice(["street", "street", "neglect", "violence", "other"]),
            "description": " ".join(rng.choices(WORDS, k=rng.randint(12, 30))).capitalize() + ".",
            "landmark": rng.choice(["Simpang Rapak", "Pasar Pandan Sari", "Terminal Batu Ampar"]),
            "seen_at": (now - timedelta(hours=rng.randint(1, 48))).isoformat(),
            "children_count": rng.randint(1, 4),
            "age_group": rng.choice(["5_12", "5_12", "13_17", "unknown"]),
            "kelurahan": rng.choice(VILLAGES),
        }
        if rng.random() < 0.3:
            body.update({"anonymous": False, "reporter_phone": f"0812{rng.randint(10**7, 10**8)}"})
        bodies.append(json.dumps(body).encode())
    return bodies


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)  # seconds, answered requests only
    statuses: dict[int, int] = field(default_factory=dict)
    errors: int = 0  # transport errors (no answer)
    codes: list[str] = field(default_factory=list)
    created: int = 0
    elapsed: float = 0.0
    cpu: dict[str, float] = field(default_factory=dict)  # seconds per part (CpuMeter)

    def merge(self, other: Result) -> None:
        self.latencies += other.latencies
        for k, v in other.statuses.items():
            self.statuses[k] = self.statuses.get(k, 0) + v
        self.errors += other.errors
        self.codes += other.codes
        self.created += other.created
        self.elapsed += other.elapsed
        for part, sec in other.cpu.items():
            self.cpu[part] = self.cpu.get(part, 0.0) + sec


class Client:
    """A minimal keep-alive HTTP/1.1 client (the standard library has no asyncio one)."""

    def __init__(self, port: int, source: str | None = None) -> None:
        self.port = port
        # Each client connects from its own loopback address (127.0.0.0/8 is all loopback on
        # Linux), as 50 reporters on 50 phones would, so the per-address rate-limit counter is
        # one row per client, not one row that every request of the run updates.
        self.source = source
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def _open(self) -> None:
        local = (self.source, 0) if self.source else None
        self.reader, self.writer = await asyncio.open_connection(
            "127.0.0.1", self.port, local_addr=local
        )

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None

    async def post(self, path: str, body: bytes) -> tuple[int, bytes]:
        fresh = self.writer is None
        if fresh:
            await self._open()
        assert self.reader is not None and self.writer is not None
        head = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: keep-alive\r\n\r\n"
        ).encode()
        self.writer.write(head + body)
        await self.writer.drain()
        status_line = await self.reader.readline()
        if not status_line:
            # The server closed an idle keep-alive connection before reading this request.
            await self.close()
            if fresh:
                raise ConnectionError("no answer")
            return await self.post(path, body)
        status = int(status_line.split()[1])
        length, close = 0, False
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value.strip())
            elif name.lower() == "connection" and value.strip().lower() == "close":
                close = True
        payload = await self.reader.readexactly(length) if length else b""
        if close:
            await self.close()
        return status, payload


async def run_phase(
    port: int,
    path: str,
    bodies: list[bytes],
    clients: int,
    seconds: float,
    meter: CpuMeter | None = None,
    one_address: bool = False,
) -> Result:
    cpu_before = meter.read() if meter else None
    stop_at = time.perf_counter() + seconds
    results = [Result() for _ in range(clients)]

    async def worker(i: int) -> None:
        source = None if one_address else f"127.0.{1 + i // 250}.{1 + i % 250}"
        client, result = Client(port, source), results[i]
        n = i
        while time.perf_counter() < stop_at:
            body = bodies[n % len(bodies)]
            n += clients
            started = time.perf_counter()
            try:
                status, payload = await client.post(path, body)
            except (OSError, ConnectionError, asyncio.IncompleteReadError, ValueError):
                result.errors += 1
                await client.close()
                continue
            result.latencies.append(time.perf_counter() - started)
            result.statuses[status] = result.statuses.get(status, 0) + 1
            if status == 201:
                result.created += 1
                if path == REPORT_PATH:
                    result.codes.append(json.loads(payload)["tracking_code"].replace("-", ""))
        await client.close()

    began = time.perf_counter()
    await asyncio.gather(*(worker(i) for i in range(clients)))
    total = Result()
    for r in results:
        total.merge(r)
    total.elapsed = time.perf_counter() - began
    if meter and cpu_before:
        total.cpu = meter.spent(cpu_before, meter.read())
    return total


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))
    return ordered[index]


# --- the report ------------------------------------------------------------------------------------


def summarise(name: str, r: Result) -> dict[str, Any]:
    answered = sum(r.statuses.values())
    return {
        "endpoint": name,
        "requests": answered + r.errors,
        "created": r.created,
        "errors": r.errors + answered - r.created,
        "throughput": r.created / r.elapsed if r.elapsed else 0.0,
        "p50": percentile(r.latencies, 50) * 1000,
        "p95": percentile(r.latencies, 95) * 1000,
        "p99": percentile(r.latencies, 99) * 1000,
        "mean": (statistics.fmean(r.latencies) * 1000) if r.latencies else float("nan"),
        "statuses": dict(sorted(r.statuses.items())),
        # CPU milliseconds per created row, per part and in all
        "cpu": {part: sec * 1000 / max(r.created, 1) for part, sec in sorted(r.cpu.items())},
        "cpu_total": sum(r.cpu.values()) * 1000 / max(r.created, 1),
    }


def render(
    rows: list[dict[str, Any]],
    checks: dict[str, Any],
    args: argparse.Namespace,
    command: str,
    profile: dict[str, Any] | None = None,
) -> str:
    base, rep = rows
    ratio = rep["throughput"] / base["throughput"] if base["throughput"] else 0.0
    lines = [
        f"Measured {date.today().isoformat()} on this machine ({os.cpu_count()} cores, "
        f"CPython {platform.python_version()}, PostgreSQL on 127.0.0.1), one run, with:",
        "",
        f"    {command}",
        "",
        f"gunicorn {args.workers} workers × {args.threads} threads (gthread), "
        f"{args.clients} concurrent keep-alive clients in one asyncio process on the same machine"
        + (
            " (all from 127.0.0.1), "
            if args.one_address
            else ", each from its own loopback address (as reporters on their own phones), "
        )
        + "closed loop (each client sends its next request when the last is answered), "
        f"phases baseline / reports / baseline / reports of {args.duration:g} s each after "
        f"{args.warmup:g} s of warm-up per endpoint. Reports are JSON bodies to "
        f"`POST {REPORT_PATH}` (JSON schema and form validation, the per-address counter upsert, "
        "one insert; the audit event is written by the task worker, which runs during the "
        "measurement); "
        f"the baseline `POST {BASELINE_PATH}` parses the same body and inserts one row in a "
        "transaction, behind the same middleware and, like the report, as a django-ninja "
        "operation.",
        "",
        "| endpoint | requests | 201 | errors | throughput (req/s) | p50 (ms) | p95 (ms) | p99 (ms) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        lines.append(
            f"| {row['endpoint']} | {row['requests']} | {row['created']} | {row['errors']} | "
            f"{row['throughput']:.0f} | {row['p50']:.1f} | {row['p95']:.1f} | {row['p99']:.1f} |"
        )
    parts = ["server", "database", "worker", "client"]
    lines += [
        "",
        "CPU time per request (ms), from /proc while the phases ran: the gunicorn processes, the "
        "PostgreSQL backends of the benchmark database, the task worker (the reports' audit "
        "events), and the load-generating client. Unlike throughput, it barely depends on what "
        "else the machine runs.",
        "",
        "| endpoint | " + " | ".join(parts) + " | total |",
        "| --- | " + " | ".join("---:" for _ in parts) + " | ---: |",
    ]
    for row in rows:
        cells = " | ".join(f"{row['cpu'].get(part, 0.0):.2f}" for part in parts)
        lines.append(f"| {row['endpoint']} | {cells} | {row['cpu_total']:.2f} |")
    cpu_ratio = base["cpu_total"] / rep["cpu_total"] if rep["cpu_total"] else 0.0
    lines += [
        "",
        f"With the cores saturated, throughput is inversely proportional to CPU per request: "
        f"these CPU figures put the reports at {cpu_ratio:.0%} of the baseline's throughput.",
    ]
    if profile:
        worker = profile.get("worker") or {}
        lines += [
            "",
            f"The same endpoints in one process, without concurrency "
            f"(`bench/profile_public_reports.py`, {profile['requests']} requests each through "
            "the WSGI application, with every middleware):",
            "",
            "| endpoint | Python CPU (ms) | PostgreSQL CPU (ms) | SQL statements |",
            "| --- | ---: | ---: | ---: |",
        ]
        for key, row in (("baseline", base), ("report", rep)):
            one = profile[key]
            lines.append(
                f"| {row['endpoint']} | {one['python_cpu_ms']:.2f} | {one['pg_cpu_ms']:.2f} | "
                f"{one['queries']} |"
            )
        if worker:
            lines += [
                "",
                f"Writing the reports' audit events afterwards (the task worker, in batches) "
                f"costs {worker['python_cpu_ms']:.2f} ms of Python and "
                f"{worker['pg_cpu_ms']:.2f} ms of PostgreSQL CPU per report.",
            ]
    met = {
        "ratio": ratio >= 0.7,
        "p99": rep["p99"] < 200,
        "errors": rep["errors"] == 0 and base["errors"] == 0,
        "rows": checks["rows_ok"],
    }

    def verdict(ok: bool) -> str:
        return "met" if ok else "**missed**"

    lines += [
        "",
        f"Rows after the run: {checks['reports']} reports for {checks['report_201s']} report 201s "
        f"(every returned tracking code found: {checks['codes_found']}/{checks['codes']}), "
        f"{checks['baseline']} baseline rows "
        f"for {checks['baseline_201s']} baseline 201s; {checks['audit']} audit events of public "
        f"reports ({checks['audit_pending']} still pending after the worker finished); the audit "
        f"chain verifies: {checks['chain_ok']}.",
        "",
        "Targets from issue 6, judged on this run:",
        "",
        f"- Throughput at least 70% of the baseline: {verdict(met['ratio'])} ({ratio:.0%}).",
        f"- p99 under 200 ms: {verdict(met['p99'])} ({rep['p99']:.0f} ms). In a closed loop "
        f"the mean latency is the number of clients over the throughput (Little's law: "
        f"{args.clients} / {rep['throughput']:.0f} req/s = "
        f"{args.clients / rep['throughput'] * 1000 if rep['throughput'] else float('nan'):.0f} "
        f"ms), so with {args.clients} clients this target needs well over "
        f"{args.clients / 0.2:.0f} reports/s.",
        f"- Zero errors: {verdict(met['errors'])} ({rep['errors']} report, {base['errors']} baseline).",
        f"- Every 201 has its row (and every report its audit event): {verdict(met['rows'])}.",
        "",
    ]
    if args.note:
        lines += [args.note, ""]
    return "\n".join(lines)


def run_profile(args: argparse.Namespace) -> dict[str, Any]:
    print("measuring CPU and statements per request in one process …", flush=True)
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run(
            [
                sys.executable,
                "bench/profile_public_reports.py",
                "--pg",
                args.pg,
                "--db",
                f"{args.db}_profile",
                "--requests",
                "300",
                "--profile",
                "0",
                "--json",
                out.name,
            ],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        result: dict[str, Any] = json.loads(Path(out.name).read_text())
    return result


def write_docs(section: str) -> None:
    text = DOCS.read_text() if DOCS.exists() else "# Benchmarks\n"
    block = f"{START}\n{section}\n{END}"
    if START in text and END in text:
        before, rest = text.split(START, 1)
        _, after = rest.split(END, 1)
        text = before + block + after
    else:
        text = text.rstrip("\n") + f"\n\n{HEADING}\n{block}\n"
    DOCS.write_text(text)


# --- main ------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--duration", type=float, default=15.0, help="seconds per measured phase")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of warm-up per endpoint")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument(
        "--one-address",
        action="store_true",
        help="every client from 127.0.0.1 (one rate-limit counter row for the whole run)",
    )
    parser.add_argument(
        "--pg", default=os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
    )
    parser.add_argument("--db", default="sigap_bench_reports")
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--no-docs", action="store_true")
    parser.add_argument("--note", default="", help="a sentence added under the figures")
    parser.add_argument(
        "--no-profile",
        action="store_true",
        help="skip the one-process measurement of CPU and statements per request",
    )
    parser.add_argument(
        "--no-worker",
        action="store_true",
        help="do not run the task worker during the phases (audit events are written afterwards)",
    )
    args = parser.parse_args()
    command = shlex.join([".venv/bin/python", "bench/public_reports.py", *sys.argv[1:]])

    db_url = f"{args.pg}/{args.db}"
    var_dir = tempfile.mkdtemp(prefix="sigap-bench-")
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "DJANGO_SETTINGS_MODULE": "bench.settings_public_reports",
        "SIGAP_VAR_DIR": var_dir,
        "SIGAP_TESTING": "0",
        "PYTHONPATH": str(ROOT),
    }
    print(f"creating database {args.db} …", flush=True)
    psql(args.pg, f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)')
    psql(args.pg, f'CREATE DATABASE "{args.db}"')
    server = worker = None
    try:
        manage(env, "migrate", "--noinput")
        manage(env, "load_regions", "--data-dir", str(ROOT / "sigap/geo/tests/data"))
        import psycopg

        with psycopg.connect(db_url, autocommit=True) as conn:
            conn.execute(
                "CREATE TABLE bench_baseline (id bigserial PRIMARY KEY, payload text NOT NULL)"
            )
        port = free_port()
        server = subprocess.Popen(
            [
                sys.executable, "-m", "gunicorn", "sigap.wsgi:application",
                "--bind", f"127.0.0.1:{port}",
                "--workers", str(args.workers),
                "--worker-class", "gthread",
                "--threads", str(args.threads),
                "--backlog", "2048",
                "--keep-alive", "5",
                "--log-level", "warning",
            ],
            cwd=ROOT,
            env=env,
        )  # fmt: skip
        wait_ready(port)
        worker_cmd = [sys.executable, "manage.py", "db_worker", "--interval", "1", "--no-reload"]
        worker_cmd += ["--verbosity", "0"]
        worker_env = {**env, "DATABASE_URL": f"{db_url}?application_name={WORKER_APP}"}
        if not args.no_worker:
            worker = subprocess.Popen(worker_cmd, cwd=ROOT, env=worker_env)
        meter = CpuMeter(db_url, args.db, server.pid, worker.pid if worker else None)
        bodies = make_bodies(2000)
        print(f"gunicorn on :{port}; warming up …", flush=True)

        def audited(timeout: float = 120) -> None:
            """Wait until the worker has written every pending audit event (or run it)."""
            deadline = time.monotonic() + timeout
            pending = "SELECT count(*) FROM intake_report WHERE audit_pending"
            while time.monotonic() < deadline and query_one(db_url, pending):
                if worker is None:
                    subprocess.run([*worker_cmd, "--batch"], cwd=ROOT, env=worker_env, check=True)
                time.sleep(1)

        worker_cpu: dict[str, dict[str, dict[int, float]]] = {}

        async def drive() -> tuple[Result, Result, Result]:
            warm = Result()
            warm.merge(
                await run_phase(
                    port,
                    BASELINE_PATH,
                    bodies,
                    args.clients,
                    args.warmup,
                    one_address=args.one_address,
                )
            )
            warm.merge(
                await run_phase(
                    port,
                    REPORT_PATH,
                    bodies,
                    args.clients,
                    args.warmup,
                    one_address=args.one_address,
                )
            )
            audited()
            worker_cpu["before"] = meter.read()
            base, rep = Result(), Result()
            for phase in range(2):
                print(f"phase {phase + 1}/2 …", flush=True)
                base.merge(
                    await run_phase(
                        port,
                        BASELINE_PATH,
                        bodies,
                        args.clients,
                        args.duration,
                        meter,
                        one_address=args.one_address,
                    )
                )
                rep.merge(
                    await run_phase(
                        port,
                        REPORT_PATH,
                        bodies,
                        args.clients,
                        args.duration,
                        meter,
                        one_address=args.one_address,
                    )
                )
            return warm, base, rep

        warm, base, rep = asyncio.run(drive())
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        server = None
        # The worker writes the audit events still pending (a few seconds' worth). Its CPU from
        # the first measured phase to here is all the reports' (the baseline queues nothing), so
        # it is charged to them, not to the phase it happened in.
        audited()
        base.cpu.pop("worker", None)
        rep.cpu.pop("worker", None)
        if worker is not None:
            rep.cpu["worker"] = meter.spent(worker_cpu["before"], meter.read())["worker"]
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=30)
            worker = None

        all_codes = warm.codes + rep.codes
        reports = query_one(db_url, "SELECT count(*) FROM intake_report")
        found = query_one(
            db_url,
            "SELECT count(*) FROM intake_report WHERE tracking_code = ANY(%s)",
            [all_codes],
        )
        audit = query_one(
            db_url, "SELECT count(*) FROM core_auditevent WHERE action = 'report.public_submit'"
        )
        audit_pending = query_one(db_url, "SELECT count(*) FROM intake_report WHERE audit_pending")
        baseline_rows = query_one(db_url, "SELECT count(*) FROM bench_baseline")
        verify = subprocess.run(
            [sys.executable, "manage.py", "verify_audit"], cwd=ROOT, env=env, capture_output=True
        )
        report_201s = len(all_codes)
        warm_baseline = warm.created - len(warm.codes)
        baseline_201s = base.created + warm_baseline
        checks = {
            "reports": reports,
            "report_201s": report_201s,
            "codes": len(all_codes),
            "codes_found": found,
            "audit": audit,
            "audit_pending": audit_pending,
            "baseline": baseline_rows,
            "baseline_201s": baseline_201s,
            "chain_ok": "yes" if verify.returncode == 0 else "no",
        }
        checks["rows_ok"] = (
            reports == report_201s == found == audit and baseline_rows == baseline_201s
        )
        rows = [summarise("baseline (one-row insert)", base), summarise("public report (API)", rep)]
        for row in rows:
            print(
                f"{row['endpoint']:28} {row['throughput']:7.1f} req/s  p50 {row['p50']:6.1f}  "
                f"p95 {row['p95']:6.1f}  p99 {row['p99']:6.1f} ms  errors {row['errors']}  "
                f"statuses {row['statuses']}"
            )
            cpu = "  ".join(f"{part} {ms:.2f}" for part, ms in row["cpu"].items())
            print(f"{'':28} CPU ms per request: {cpu}  total {row['cpu_total']:.2f}")
        print(json.dumps(dict(checks.items()), default=str))
        profile = None if args.no_profile else run_profile(args)
        section = render(rows, checks, args, command, profile)
        if not args.no_docs:
            write_docs(section)
            print(f"wrote {DOCS.relative_to(ROOT)}")
        ok = (
            checks["rows_ok"]
            and rows[1]["errors"] == 0
            and rows[0]["errors"] == 0
            and rows[1]["p99"] < 200
            and rows[1]["throughput"] >= 0.7 * rows[0]["throughput"]
        )
        return 0 if ok else 1
    finally:
        if server is not None:
            server.kill()
        if worker is not None:
            worker.kill()
        if not args.keep_db:
            psql(args.pg, f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)')


if __name__ == "__main__":
    sys.exit(main())
