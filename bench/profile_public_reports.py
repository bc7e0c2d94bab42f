"""CPU time and SQL per request of the public report API and of the benchmark's baseline.

    .venv/bin/python bench/profile_public_reports.py [--requests 300] [--profile 25]

Wall-clock throughput is meaningless while other people use the machine; CPU time and queries are
not. This script creates a fresh PostgreSQL database (default `intake_prof`), migrates it, loads the
small region fixture and the baseline table exactly as bench/public_reports.py does, then, in this
one process with `bench.settings_public_reports` (DEBUG off, the real middleware):

1. sends --requests bodies of bench/public_reports.py to each endpoint through the WSGI application
   (the callable gunicorn calls, so every middleware, signal and connection handling runs),
   interleaved, and measures per request: this process's CPU time (time.process_time), the CPU time
   of the PostgreSQL backend serving the connection (/proc/<pid>/stat, 10 ms ticks, so only the
   mean over many requests means anything) and the wall time (noisy);
2. lists the SQL of one request of each (django.test.utils.CaptureQueriesContext);
3. prints the top functions of a cProfile of --profile requests of each, by cumulative time;
4. runs the queued background tasks (the audit event of each report) with the database worker's
   own code and measures their CPU per task the same way: work the machine still does per report,
   only later and off the request.

The database is dropped at the end unless --keep-db. bench/public_reports.py runs it (--profile 0
--json) and puts its figures in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.public_reports import (  # noqa: E402
    BASELINE_PATH,
    REPORT_PATH,
    make_bodies,
    manage,
    psql,
)

CLOCK_TICK = os.sysconf("SC_CLK_TCK")


def backend_cpu(pid: int) -> float:
    """User + system CPU seconds of a local PostgreSQL backend process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICK


def wsgi_post(app: Any, path: str, body: bytes) -> tuple[int, bytes]:
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_CONNECTION": "keep-alive",
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }
    status: list[str] = []

    def start_response(s: str, headers: Any, exc_info: Any = None) -> Any:
        status.append(s)
        return lambda data: None

    result = app(environ, start_response)
    try:
        payload = b"".join(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    return int(status[0].split()[0]), payload


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--requests", type=int, default=300, help="measured requests per endpoint")
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--profile", type=int, default=25, help="profiled requests per endpoint")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--sort", default="cumulative", help="pstats sort key, e.g. tottime")
    parser.add_argument("--filter", default="", help="a regular expression on the function names")
    parser.add_argument("--sql", action="store_true", help="print the SQL text in full")
    parser.add_argument(
        "--pg", default=os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
    )
    parser.add_argument("--db", default="intake_prof")
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--json", default="", help="also write the figures to this JSON file")
    args = parser.parse_args()

    db_url = f"{args.pg}/{args.db}"
    os.environ.update(
        {
            "DATABASE_URL": db_url,
            "DJANGO_SETTINGS_MODULE": "bench.settings_public_reports",
            "SIGAP_TESTING": "0",
            "SIGAP_VAR_DIR": f"/tmp/{args.db}-var",
            "PYTHONPATH": str(ROOT),
        }
    )
    psql(args.pg, f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)')
    psql(args.pg, f'CREATE DATABASE "{args.db}"')
    try:
        env = dict(os.environ)
        manage(env, "migrate", "--noinput")
        manage(env, "load_regions", "--data-dir", str(ROOT / "sigap/geo/tests/data"))
        psql_db(
            db_url, "CREATE TABLE bench_baseline (id bigserial PRIMARY KEY, payload text NOT NULL)"
        )
        return measure(args)
    finally:
        if not args.keep_db:
            from django.db import connections

            connections.close_all()
            psql(args.pg, f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)')


def psql_db(db_url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute(sql)


def measure(args: argparse.Namespace) -> int:
    from django.core.wsgi import get_wsgi_application
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    app = get_wsgi_application()
    bodies = make_bodies(args.warmup + args.requests + args.profile + 10)
    endpoints = {"baseline": BASELINE_PATH, "report": REPORT_PATH}
    n = 0

    def post(path: str) -> int:
        nonlocal n
        status, payload = wsgi_post(app, path, bodies[n % len(bodies)])
        n += 1
        if status != 201:
            raise SystemExit(f"{path} answered {status}: {payload[:500]!r}")
        return status

    for _ in range(args.warmup):
        for path in endpoints.values():
            post(path)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()

    # 1. CPU per request, interleaved so that drift of the machine hits both alike.
    totals = {name: [0.0, 0.0, 0.0] for name in endpoints}  # python cpu, pg cpu, wall
    for _ in range(args.requests):
        for name, path in endpoints.items():
            cpu0, pg0, wall0 = time.process_time(), backend_cpu(pid), time.perf_counter()
            post(path)
            t = totals[name]
            t[0] += time.process_time() - cpu0
            t[1] += backend_cpu(pid) - pg0
            t[2] += time.perf_counter() - wall0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid_after,) = cursor.fetchone()
    print(f"\n== per request, mean of {args.requests} (PostgreSQL backend pid {pid}) ==")
    if pid_after != pid:
        print("   (the connection changed during the run: the PostgreSQL figure is incomplete)")
    print(f"{'endpoint':10} {'python cpu ms':>14} {'pg cpu ms':>10} {'wall ms':>9} {'queries':>8}")

    # 2. The SQL of one request of each.
    listings = {}
    for name, path in endpoints.items():
        with CaptureQueriesContext(connection) as ctx:
            post(path)
        listings[name] = [q["sql"] for q in ctx.captured_queries]
    for name, (cpu, pg, wall) in totals.items():
        k = args.requests
        print(
            f"{name:10} {cpu / k * 1000:14.2f} {pg / k * 1000:10.2f} {wall / k * 1000:9.2f} "
            f"{len(listings[name]):8d}"
        )
    for name, sqls in listings.items():
        print(f"\n-- SQL of one {name} request ({len(sqls)} queries)")
        for sql in sqls:
            print("   ", sql if args.sql else (sql[:150] + ("…" if len(sql) > 150 else "")))

    figures: dict[str, Any] = {
        name: {
            "python_cpu_ms": cpu / args.requests * 1000,
            "pg_cpu_ms": pg / args.requests * 1000,
            "queries": len(listings[name]),
        }
        for name, (cpu, pg, _wall) in totals.items()
    }

    # 3. cProfile.
    for name, path in endpoints.items() if args.profile else ():
        # CPU time, not wall time: waiting for the database must not hide the Python cost.
        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
        for _ in range(args.profile):
            post(path)
        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(args.sort)
        stats.print_stats(*([args.filter] if args.filter else []), args.top)
        print(f"\n== cProfile (CPU time) of {args.profile} {name} requests, by {args.sort} ==")
        print(out.getvalue().split("\n", 4)[-1].rstrip())

    # 4. The deferred work: the queued tasks (audit events of the reports), run by the worker code.
    figures["worker"] = drain_tasks(pid_of=lambda: _backend_pid(connection))
    if args.json:
        Path(args.json).write_text(json.dumps({"requests": args.requests, **figures}))
    return 0


def _backend_pid(connection: Any) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return int(cursor.fetchone()[0])


def drain_tasks(pid_of: Any) -> dict[str, float]:
    """Run every queued task with the database worker's code, as `manage.py db_worker` would,
    and report its CPU per audit event written (tasks may be deferred a few seconds: wait)."""
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult

    from sigap.core.models import AuditEvent

    queued = DBTaskResult.objects.filter(status="READY").count()
    if not queued:
        print("\n== no queued tasks ==")
        return {}
    time.sleep(3)
    before = AuditEvent.objects.count()
    worker = Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="profile",
        excluded_queue_names=[],
    )
    pid = pid_of()
    cpu0, pg0, wall0 = time.process_time(), backend_cpu(pid), time.perf_counter()
    worker.run()
    cpu, pg, wall = (
        time.process_time() - cpu0,
        backend_cpu(pid) - pg0,
        time.perf_counter() - wall0,
    )
    written = AuditEvent.objects.count() - before
    failed = DBTaskResult.objects.filter(status="FAILED").count()
    per = max(written, 1)
    print(
        f"\n== background worker: {queued} queued tasks ({failed} failed) wrote {written} audit "
        f"events ==\nper event: python cpu {cpu / per * 1000:.2f} ms, pg cpu {pg / per * 1000:.2f} ms, "
        f"wall {wall / per * 1000:.2f} ms"
    )
    return {"python_cpu_ms": cpu / per * 1000, "pg_cpu_ms": pg / per * 1000, "events": written}


if __name__ == "__main__":
    sys.exit(main())
