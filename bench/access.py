"""What access control and read auditing cost on the case pages at 1,000,000 cases.

    .venv/bin/python bench/access.py [--requests 300] [--warmup 20] [--no-docs]

Uses the database bench/cases.py loaded (`sigap_bench_cases`, 1,000,000 children with a case
each; load it with `bench/cases.py --load-only`). This script never loads, drops or changes it:
the only rows it writes are the audit events the audited pages themselves write.

In one process pointed at that database (DATABASE_URL), it requests the real pages through
django.test.Client, logged in as the demo supervisor (`supervisor`, sees every case of the UPTD
PPA) and the demo case worker (`pekerja`, sees the cases they are on the team of):

- case detail `/kasus/<id>/` of a random case the user may see;
- case list `/kasus/` (page 1, or a page between 2 and 10).

Each page is requested in each mode, in the same run, in a shuffled order within every round
(same URL for every mode of a round), so the modes share the machine's noise:

- `on`: the application as shipped. Detail: `selectors.case_get_for` (the case filtered by
  `case_visibility_q`, which includes the break-the-glass extension of referrals), the object
  policy `require(user, "case.view", case)`, and `services.case_record_view` writing the
  `case.view` audit event (`sigap.core.audit.audit_log`: advisory lock on the chain, last-hash
  lookup, insert, commit). List: `selectors.case_list_for` (scoped by `case_visibility_q`); the
  list writes no audit event today.
- `no-audit` (detail only, to split the cost): as `on`, with every `audit_log` in the process
  replaced by a no-op, so the page writes nothing.
- `off`: no read audit and no scoped selector. `audit_log` is a no-op as above, and the
  selector is replaced by an unscoped queryset that returns the same rows: detail
  `Case.objects.filter(pk=...)`; list `Case.objects.filter(lead_agency_id__in=<agencies the user
  supervises>)` for the supervisor and `Case.objects.filter(pk__in=<the user's team rows>)` for
  the case worker, i.e. the simplest filter that gives the same cases, without the policy's OR
  of rules (checked at start: same count as the scoped queryset). Joins, prefetches, ordering,
  pagination and the template are the selector's own. The object policy (`require`) stays:
  the page needs its answer (`case_access`) to draw its buttons anyway, and it is cached on the
  case, so dropping the check would not remove its query.

- `fix`: the changes proposed (see `Modes.__init__`), patched in: `case_visibility_q` rewritten
  so the list can use its index (the same rules, the same rows), and the read event's commit not
  waiting for the WAL flush (`SET LOCAL synchronous_commit = off` in audit_log's transaction).
  Added after the run of 2026-11-23 in docs/benchmarks.md, which has it for the list only.

The patches are applied by this process around each request (module attributes swapped and
restored); the application's code is not changed.

After the timed rounds, an attribution pass repeats each page and mode with every SQL statement
timed (connection.execute_wrapper) and `audit_log` timed as a whole (lock, last hash, insert,
hashing and the commit), to show where a difference goes.

As in bench/cases.py, the navigation badges are switched off (same in every mode) and the case
and child tables are prewarmed into the OS page cache. Client, server and database share the
machine's cores. Target (issue 7): overhead of `on` over `off` at most 10% at p50 and p95.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.cases import (  # noqa: E402  (bench/cases.py puts the source tree on sys.path)
    DEFAULT_BASE,
    DEFAULT_DB,
    child_env,
    db_case_count,
    log,
    pct,
    source_commit,
)

DOCS = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- bench:access:start -->", "<!-- bench:access:end -->"
HEADING = "## Access control and read auditing at 1,000,000 cases (`bench/access.py`)"
AFTER = "<!-- bench:cases:end -->"
SCALE = 1_000_000
SEED = 2027
TARGET = 10.0  # % overhead of `on` over `off`, at p50 and at p95
MODES = {"detail": ("on", "no-audit", "fix", "off"), "list": ("on", "fix", "off")}
USERS = ("supervisor", "pekerja")


# --- the modes -----------------------------------------------------------------------------------


def _noop_audit(**kwargs: Any) -> None:
    return None


class Modes:
    """Swaps module attributes for a mode around one request, and back."""

    def __init__(self) -> None:
        from django.db.models import Q
        from django.urls import get_resolver

        _ = get_resolver().url_patterns  # import every view, hence every service module, now
        from sigap.accounts.models import CHILD_DATA_ROLES, Role
        from sigap.cases import selectors
        from sigap.cases.models import Case, CaseTeamMember
        from sigap.core import audit

        self.selectors = selectors
        real = audit.audit_log
        # Every module that imported audit_log (services of every app), and audit itself.
        self.audit_modules = [
            m
            for name, m in sorted(sys.modules.items())
            if name.startswith("sigap.") and m is not None and getattr(m, "audit_log", None) is real
        ]
        self.real_audit = real

        def plain_scope(user: Any) -> Q:
            supervised = user.agency_ids_with_role(Role.SUPERVISOR)
            if supervised:
                return Q(lead_agency_id__in=supervised)
            return Q(
                pk__in=CaseTeamMember.objects.filter(user=user, ended_at__isnull=True).values(
                    "case_id"
                )
            )

        self.plain_scope = plain_scope

        def unscoped_list(*, user: Any, filters: Any = None) -> Any:
            qs = selectors._filtered(
                Case.objects.filter(plain_scope(user)), filters or selectors.CaseFilters()
            )
            return (
                qs.select_related("child", "child__kelurahan", "lead_agency")
                .prefetch_related("categories", selectors.lead_workers_prefetch())
                .order_by("-opened_at", "-pk")
            )

        def unscoped_get(*, user: Any, case_id: Any) -> Any:
            case = (
                Case.objects.filter(pk=case_id)
                .select_related(
                    "child", "child__kelurahan", "child__origin_region", "lead_agency", "created_by"
                )
                .prefetch_related("categories", selectors.lead_workers_prefetch())
                .first()
            )
            assert case is not None
            return case

        self.unscoped: dict[str, Any] = {
            "case_list_for": unscoped_list,
            "case_get_for": unscoped_get,
        }

        # The change proposed for the list (mode `fix`): the same rules, written so that
        # PostgreSQL can walk the (lead_agency_id, opened_at DESC) index. A supervisor's team and
        # intake branches for an agency they supervise add nothing; and the break-the-glass
        # grants are a handful of ids read once per request (current_emergency_case_ids, already
        # memoised on the user) instead of a subquery OR-ed into the filter.
        from sigap.cases import extensions, policies
        from sigap.referrals import policies as referral_policies

        def fixed_visibility_q(user: Any) -> Q:
            supervised = user.agency_ids_with_role(Role.SUPERVISOR)
            team_agencies = user.agency_ids_with_role(*CHILD_DATA_ROLES) - supervised
            intake_agencies = user.agency_ids_with_role(Role.INTAKE_OFFICER) - supervised
            q = Q(pk__in=[])
            if supervised:
                q |= Q(lead_agency_id__in=supervised)
            if team_agencies:
                mine = CaseTeamMember.objects.filter(user=user, ended_at__isnull=True)
                q |= Q(lead_agency_id__in=team_agencies, pk__in=mine.values("case_id"))
            if intake_agencies:
                q |= Q(lead_agency_id__in=intake_agencies, created_by=user)
            return q | extensions.extra_visibility_q(user)

        def fixed_emergency(user: Any) -> Q:
            if not getattr(user, "is_authenticated", False):
                return Q(pk__in=[])
            if not referral_policies.break_glass_regencies(user):
                return Q(pk__in=[])
            return Q(pk__in=sorted(referral_policies.current_emergency_case_ids(user)))

        self.extensions = extensions
        self.real_emergency = referral_policies.emergency_case_visibility
        self.fixed: list[tuple[Any, str, Any]] = [
            (selectors, "case_visibility_q", fixed_visibility_q),
            (policies, "case_visibility_q", fixed_visibility_q),
        ]
        self.fixed_emergency = fixed_emergency

        # And for the detail page: a read event's commit does not wait for the WAL flush
        # (SET LOCAL synchronous_commit = off inside audit_log's transaction). Proposed for read
        # events only (case.view, *.search); a crash may lose the last fraction of a second of
        # them, never a change's event (those commit with the change) and never the chain's order.
        from django.db import connection

        from sigap.core import audit

        def fixed_lock() -> None:
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit = off")
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [audit._ADVISORY_LOCK_KEY])

        self.fixed.append((audit, "_lock_chain", fixed_lock))

    def patches(
        self, mode: str, audit: Callable[..., Any] | None = None
    ) -> list[tuple[Any, str, Any]]:
        out: list[tuple[Any, str, Any]] = []
        if mode in ("no-audit", "off"):
            out += [(m, "audit_log", _noop_audit) for m in self.audit_modules]
        elif audit is not None:
            out += [(m, "audit_log", audit) for m in self.audit_modules]
        if mode == "off":
            out += [(self.selectors, name, fn) for name, fn in self.unscoped.items()]
        if mode == "fix":
            out += self.fixed
        return out

    @contextmanager
    def use(self, mode: str, audit: Callable[..., Any] | None = None) -> Iterator[None]:
        saved = []
        for obj, attr, value in self.patches(mode, audit):
            saved.append((obj, attr, getattr(obj, attr)))
            setattr(obj, attr, value)
        rules = self.extensions._visibility
        if mode == "fix":
            rules[rules.index(self.real_emergency)] = self.fixed_emergency
        try:
            yield
        finally:
            if mode == "fix":
                rules[rules.index(self.fixed_emergency)] = self.real_emergency
            for obj, attr, value in reversed(saved):
                setattr(obj, attr, value)


# --- measuring -------------------------------------------------------------------------------------


def prewarm() -> None:
    """Copied from bench/cases.py's measure(): the case and child tables into the page cache."""
    from django.db import connection

    t = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
        cur.execute(
            "SELECT sum(pg_prewarm(c.oid, 'read')) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i') "
            "AND (c.relname LIKE 'cases_%%' OR c.relname LIKE 'children_%%' "
            "OR c.relname LIKE 'child_%%' OR c.relname LIKE 'case_%%')"
        )
    log(f"prewarmed the case and child tables in {time.perf_counter() - t:.0f} s")


def sql_kind(sql: str) -> str:
    s = sql.lstrip()
    if "pg_advisory_xact_lock" in s:
        return "audit: advisory lock"
    if s.startswith("INSERT") and '"core_auditevent"' in s:
        return "audit: insert"
    if s.startswith("SELECT") and 'FROM "core_auditevent"' in s and "DESC" in s:
        return "audit: last hash"
    if s.startswith("SELECT") and 'FROM "cases_case"' in s.split("WHERE")[0]:
        return "cases_case query (the scoped/unscoped selector)"
    return "other"


def measure(requests: int, warmup: int, attribution: int) -> dict[str, Any]:
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from sigap.accounts.models import User
    from sigap.cases.models import Case
    from sigap.cases.policies import case_visibility_q
    from sigap.core import navigation
    from sigap.core.models import AuditEvent

    for e in navigation._entries:  # as bench/cases.py: badges off, the same in every mode
        if getattr(e, "badge", None) is not None:
            object.__setattr__(e, "badge", None)
    prewarm()
    modes = Modes()
    rng = random.Random(SEED)
    users = {name: User.objects.get(username=name) for name in USERS}
    clients: dict[str, Any] = {}
    pools: dict[str, list[Any]] = {}
    visible: dict[str, int] = {}
    for name, user in users.items():
        c = Client(HTTP_HOST="localhost")
        c.force_login(user)
        clients[name] = c
        scoped = Case.objects.filter(case_visibility_q(user))
        visible[name] = scoped.count()
        plain = Case.objects.filter(modes.plain_scope(user)).count()
        if plain != visible[name]:
            raise SystemExit(
                f"{name}: the unscoped baseline has {plain} cases, not {visible[name]}"
            )
        with modes.use("fix"):
            fixed = Case.objects.filter(modes.selectors.case_visibility_q(user)).count()
        if fixed != visible[name]:
            raise SystemExit(f"{name}: the proposed rule gives {fixed} cases, not {visible[name]}")
        pools[name] = list(scoped.order_by("?").values_list("pk", flat=True)[:3000])
    log(f"visible cases: {visible}")

    def url_for(page: str, who: str) -> str:
        if page == "detail":
            return f"/kasus/{rng.choice(pools[who])}/"
        return "/kasus/" + (f"?page={rng.randint(2, 10)}" if rng.random() < 0.3 else "")

    def get(who: str, url: str) -> float:
        t = time.perf_counter()
        r = clients[who].get(url)
        dt = (time.perf_counter() - t) * 1000
        if r.status_code != 200:
            raise SystemExit(f"GET {url} as {who}: {r.status_code}")
        return dt

    plan = [(page, who) for page in MODES for who in USERS]

    def one_round(times: dict[str, list[float]] | None) -> None:
        for page, who in plan:
            url = url_for(page, who)
            order = list(MODES[page])
            rng.shuffle(order)
            got: dict[str, float] = {}
            for mode in order:
                with modes.use(mode):
                    got[mode] = get(who, url)
            if times is not None:
                for mode, ms in got.items():
                    times[f"{page}:{who}:{mode}"].append(ms)
                # the round's own ratio, on/off: a paired estimate of the overhead
                times[f"{page}:{who}:ratio"].append(got["on"] / got["off"])

    events_before = AuditEvent.objects.count()
    for _n in range(warmup):
        one_round(None)
    times: dict[str, list[float]] = defaultdict(list)
    load_before = os.getloadavg()
    t_run = time.perf_counter()
    for _n in range(requests):
        one_round(times)
    run_s = time.perf_counter() - t_run
    load_after = os.getloadavg()
    log(f"timed run: {run_s:.0f} s")

    # Attribution: every SQL statement timed, and audit_log as a whole.
    sql_ms: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    sql_n: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    audit_ms: list[float] = []
    current = [""]

    def timed_audit(**kwargs: Any) -> Any:
        t = time.perf_counter()
        try:
            return modes.real_audit(**kwargs)
        finally:
            audit_ms.append((time.perf_counter() - t) * 1000)

    def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        t = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            kind = sql_kind(sql)
            sql_ms[current[0]][kind] += (time.perf_counter() - t) * 1000
            sql_n[current[0]][kind] += 1

    with connection.execute_wrapper(wrapper):
        for _n in range(attribution):
            for page, who in plan:
                url = url_for(page, who)
                for mode in MODES[page]:
                    current[0] = f"{page}:{who}:{mode}"
                    with modes.use(mode, audit=timed_audit if mode == "on" else None):
                        get(who, url)
    per_request = {
        key: {kind: (sql_ms[key][kind] / attribution, sql_n[key][kind] / attribution)
              for kind in sorted(sql_ms[key])}
        for key in sql_ms
    }  # fmt: skip
    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        server = cur.fetchone()[0].split()[0]
        found = []
        for name in ("shared_buffers", "synchronous_commit", "work_mem"):
            cur.execute(f"SHOW {name}")
            found.append(f"{name}={cur.fetchone()[0]}")
    figures = {
        key: {"n": len(v), "p50": pct(v, 50), "p95": pct(v, 95), "p99": pct(v, 99)}
        for key, v in times.items()
    }
    return {
        "figures": figures,
        "visible": visible,
        "run_s": run_s,
        "load_before": load_before,
        "load_after": load_after,
        "sql": per_request,
        "audit_ms": {
            "n": len(audit_ms),
            "mean": sum(audit_ms) / max(len(audit_ms), 1),
            "p50": pct(audit_ms, 50),
            "p95": pct(audit_ms, 95),
        },
        "audit_events_written": AuditEvent.objects.count() - events_before,
        "server": server,
        "settings": ", ".join(found),
    }


# --- report ----------------------------------------------------------------------------------------

PAGES = {"detail": "case detail `/kasus/<id>/`", "list": "case list `/kasus/` (page 1, or 2–10)"}


def overhead(a: float, b: float) -> float:
    return (a / b - 1) * 100


def report(m: dict[str, Any], command: str, requests: int, warmup: int) -> tuple[list[str], bool]:
    f = m["figures"]
    lines = [
        f"Measured {date.today().isoformat()} on this machine ({os.cpu_count()} cores, shared; "
        f"{platform.python_implementation()} {platform.python_version()}, PostgreSQL "
        f"{m['server']}, {m['settings']}), code at commit {m['commit']}, one run, with:",
        "",
        f"    {command}",
        "",
        f"Data: the `sigap_bench_cases` database of bench/cases.py, {SCALE:,} children with a case "
        f"each (100 agencies). The supervisor sees {m['visible']['supervisor']:,} cases (the UPTD "
        f"PPA's), the case worker {m['visible']['pekerja']:,} (their team's). Requests go through "
        "django.test.Client to the real views (sessions, middleware, templates), client and "
        f"database on the same machine; {requests} rounds after {warmup} warm-up rounds; in each "
        "round every page and user is requested once in each mode, in a shuffled order, with the "
        "same URL (a random visible case; list page 1, or 2–10 three times in ten). Load average "
        f"{m['load_before'][0]:.1f} before and {m['load_after'][0]:.1f} after the timed run "
        f"({m['run_s']:.0f} s). The audited requests wrote {m['audit_events_written']:,} audit "
        "events.",
        "",
        "Modes (patched inside the benchmark process, the application unchanged; see the "
        "script's docstring): **on** = as shipped (scoped selector `case_visibility_q`, object "
        "policy, `case.view` audit event on the detail page; the list writes no audit event); "
        "**no-audit** = on, with `audit_log` a no-op; **off** = `audit_log` a no-op and the "
        "selector replaced by an unscoped queryset returning the same rows (`Case.objects."
        "filter(pk=...)`; the list by `lead_agency_id__in` / the team rows), same joins, "
        "template and object policy; **fix** = on, with the changes proposed in the script "
        "(visibility rule rewritten, same rows, checked at start; the read event's commit not "
        "waiting for the WAL flush).",
        "",
        "| page | user | mode | p50 ms | p95 ms | p99 ms | overhead on/off p50 | p95 | median of round on/off |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    met = True
    verdicts = []
    for page in MODES:
        for who in USERS:
            off = f[f"{page}:{who}:off"]
            on = f[f"{page}:{who}:on"]
            o50, o95 = overhead(on["p50"], off["p50"]), overhead(on["p95"], off["p95"])
            ratio = (f[f"{page}:{who}:ratio"]["p50"] - 1) * 100
            ok = o50 <= TARGET and o95 <= TARGET
            met &= ok
            verdicts.append(
                f"- {PAGES[page]}, {who}: {'met' if ok else '**missed**'} "
                f"({o50:+.1f}% at p50, {o95:+.1f}% at p95)."
            )
            for mode in MODES[page]:
                x = f[f"{page}:{who}:{mode}"]
                extra = ["", "", ""]
                if mode != "off":
                    extra = [
                        f"{overhead(x['p50'], off['p50']):+.1f}%",
                        f"{overhead(x['p95'], off['p95']):+.1f}%",
                        f"{ratio:+.1f}%" if mode == "on" else "",
                    ]
                lines.append(
                    f"| {PAGES[page]} | {who} | {mode} | {x['p50']:.1f} | {x['p95']:.1f} | "
                    f"{x['p99']:.1f} | " + " | ".join(extra) + " |"
                )
    lines += [
        "",
        "Overhead: p50 (p95) of `on` over p50 (p95) of `off`; the last column is the median over "
        "the rounds of each round's own on/off ratio (the two requests of a round share the same "
        "URL and the same moment).",
        "",
        f"Where the time goes (attribution pass, {m['attribution']} more requests per page, user "
        "and mode, every SQL statement timed; ms per request, statements per request):",
        "",
        "| page | user | mode | all SQL ms | statements | `cases_case` selector ms | audit: lock + last hash + insert ms |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for page in MODES:
        for who in USERS:
            for mode in MODES[page]:
                s = m["sql"].get(f"{page}:{who}:{mode}", {})
                total = sum(v[0] for v in s.values())
                count = sum(v[1] for v in s.values())
                sel = s.get("cases_case query (the scoped/unscoped selector)", (0.0, 0))[0]
                aud = sum(v[0] for k, v in s.items() if k.startswith("audit:"))
                lines.append(
                    f"| {PAGES[page]} | {who} | {mode} | {total:.1f} | {count:.0f} | {sel:.1f} | "
                    f"{aud:.1f} |"
                )
    a = m["audit_ms"]
    parts: dict[str, float] = defaultdict(float)
    for who in USERS:
        for kind, (ms, _n) in m["sql"].get(f"detail:{who}:on", {}).items():
            if kind.startswith("audit:"):
                parts[kind.removeprefix("audit: ")] += ms / len(USERS)
    rest = a["mean"] - sum(parts.values())
    lines += [
        "",
        f"`audit_log` as a whole, timed around each call of the attribution pass: p50 "
        f"{a['p50']:.1f} ms, p95 {a['p95']:.1f} ms, mean {a['mean']:.1f} ms ({a['n']} calls); "
        "of the mean, its statements: "
        + ", ".join(f"{k} {v:.1f} ms" for k, v in sorted(parts.items()))
        + f"; the rest, {rest:.1f} ms, is the commit (a WAL flush: synchronous_commit=on) and "
        "the hashing in Python.",
        "",
        f"Target from issue 7 (overhead of on over off at most {TARGET:.0f}% at p50 and p95):",
        "",
        *verdicts,
    ]
    return lines, met


def write_docs(body: list[str]) -> None:
    text = DOCS.read_text()
    if START not in text:
        if AFTER not in text:
            raise SystemExit(f"{DOCS}: no {AFTER} to put the section after")
        text = text.replace(AFTER, f"{AFTER}\n\n{HEADING}\n{START}\n{END}", 1)
    head, rest = text.split(START, 1)
    _old, tail = rest.split(END, 1)
    DOCS.write_text(head + START + "\n" + "\n".join(body) + "\n" + END + tail)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--base-url", default=DEFAULT_BASE, help="PostgreSQL server, no database")
    parser.add_argument("--db", default=DEFAULT_DB, help="database loaded by bench/cases.py")
    parser.add_argument(
        "--requests", type=int, default=300, help="timed rounds (per page, user, mode)"
    )
    parser.add_argument("--warmup", type=int, default=20, help="warm-up rounds")
    parser.add_argument("--attribution", type=int, default=30, help="requests per row, SQL timed")
    parser.add_argument("--pages", default="detail,list", help="e.g. detail (default: both)")
    parser.add_argument("--no-docs", action="store_true")
    args = parser.parse_args()  # fmt: skip
    for page in list(MODES):
        if page not in args.pages.split(","):
            del MODES[page]
    count = db_case_count(args.base_url, args.db)
    if count != SCALE:
        raise SystemExit(f"{args.db} has {count} cases, not {SCALE:,}: load it with bench/cases.py")
    os.environ.update(child_env(args.base_url, args.db))
    commit = source_commit()  # before the run: others may commit meanwhile
    m = measure(args.requests, args.warmup, args.attribution)
    m["attribution"] = args.attribution
    m["commit"] = commit
    command = (".venv/bin/python bench/access.py " + " ".join(sys.argv[1:])).strip()
    body, met = report(m, command, args.requests, args.warmup)
    print("\n".join(body))
    if not args.no_docs:
        write_docs(body)
    log("target " + ("met" if met else "missed"))


if __name__ == "__main__":
    main()
