#!/usr/bin/env python
"""Benchmark of the organizational-life compliance overview over a whole city, and the same by DuckDB.

    .venv/bin/python bench/orglife.py [--size city] [--per-branch N] [--quarter 3]

Builds the demo city tree (≈8,600 orgs) and a year of meetings for every branch (default ≈100 per branch,
≈700,000 records, of every kind and status, with plain executemany), then times the compliance overview
of the city's organization department for one quarter: `orglife.rollup.drill_down` (the page's own
computation: scope, cadences, committees, exemptions, the set-based aggregate and the roll-up to the
city's children). Target on SQLite: ≤ 300 ms. Attendance rows are not generated: the overview does not
read them.

The same computation (required periods per branch from the default cadences, distinct months/quarters of
counted meetings per branch and kind, gaps summed per child of the city) is then run by DuckDB over the
same two tables, loaded from the database into DuckDB in memory (load time printed apart), and our time
is printed as a ratio to DuckDB's. Both results are checked to be equal.

Without DATABASE_URL it runs on a throwaway SQLite file in a fresh temp dir (removed at the end). With
DATABASE_URL the database must be a throwaway one (use --size province there for the ≤ 1 s target).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta

TARGET_MS = {"sqlite": 300.0, "postgresql": 1000.0}
TODAY = date(2026, 11, 26)
KINDS = ["general_assembly", "committee_meeting", "party_lecture", "theme_day", "life_meeting",
         "democratic_appraisal", "group_meeting", "heart_to_heart"]  # fmt: skip
WEIGHTS = [6, 14, 6, 16, 1, 1, 40, 16]
STATUSES = ["approved", "approved", "approved", "submitted", "held", "returned", "planned"]


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--size", choices=["county", "city", "province"], default="city")
    p.add_argument("--per-branch", type=int, default=100, help="meetings per branch in the year (default 100)")
    p.add_argument("--quarter", type=int, default=3, choices=[1, 2, 3, 4])
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument(
        "--keep", metavar="DIR", help="SQLite only: keep the database in DIR and reuse it on the next run (no rebuild)"
    )
    return p.parse_args()


def main() -> int:
    args = parse_args()
    tmpdir = args.keep or tempfile.mkdtemp(prefix="dangjian-bench-")
    if args.keep:
        os.makedirs(tmpdir, exist_ok=True)
    os.environ["DANGJIAN_DATA_DIR"] = tmpdir
    os.environ["DJANGO_SETTINGS_MODULE"] = "dangjian.settings"
    try:
        return run(args, tmpdir)
    finally:
        try:
            from django.db import connections

            for conn in connections.all(initialized_only=True):
                conn.close()
        except Exception:
            pass
        if not args.keep:
            shutil.rmtree(tmpdir, ignore_errors=True)


def build(args) -> tuple[int, int]:
    from django.db import connection, transaction
    from django.utils import timezone

    from dangjian.demo.generator import build as build_tree
    from dangjian.orglife.models import Meeting
    from dangjian.orgs.actions import bulk_create_tree
    from dangjian.orgs.models import BRANCH_KINDS, Org

    specs = [s.as_dict() for s in build_tree(args.size).specs]
    bulk_create_tree(specs, actor=None)
    rng = random.Random(5)
    branches = list(Org.objects.filter(kind__in=BRANCH_KINDS).values_list("pk", flat=True))
    with transaction.atomic():
        Org.objects.filter(pk__in=rng.sample(branches, len(branches) // 2)).update(full_member_count=9)
    ops = connection.ops
    stamp = timezone.now() if connection.vendor == "postgresql" else ops.adapt_datetimefield_value(timezone.now())
    start = date(TODAY.year, 1, 1)
    rows = []
    next_id = 1
    cols = "id, org_id, kind, topic, held_on, place, host, recorder, lecturer, minutes, status, version, " \
           "created_at, updated_at, resolutions, review_note"  # fmt: skip
    sql = f"INSERT INTO {Meeting._meta.db_table} ({cols}) VALUES ({', '.join(['%s'] * 16)})"
    total = 0
    copy = connection.vendor == "postgresql"  # COPY there: millions of rows for a province

    def flush(cur, rows):
        if copy:
            with cur.cursor.copy(f"COPY {Meeting._meta.db_table} ({cols}) FROM STDIN") as cp:
                for row in rows:
                    cp.write_row(row)
        else:
            cur.executemany(sql, rows)

    with transaction.atomic(), connection.cursor() as cur:
        for org_id in branches:
            activity = rng.choice([1.0, 1.0, 1.0, 0.7, 0.2])
            for _ in range(int(args.per_branch * activity)):
                day = start + timedelta(days=rng.randrange(365))
                status = "planned" if day > TODAY else rng.choice(STATUSES[:-1])
                kind = rng.choices(KINDS, WEIGHTS)[0]
                held_on = day if copy else ops.adapt_datefield_value(day)
                rows.append((next_id, org_id, kind, "会议", held_on, "", "", "", "", "",
                             status, 1, stamp, stamp, "", ""))  # fmt: skip
                next_id += 1
            if len(rows) >= 50_000:
                flush(cur, rows)
                total += len(rows)
                rows = []
        flush(cur, rows)
        total += len(rows)
        if copy:
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{Meeting._meta.db_table}', 'id'), %s)", [next_id])
        cur.execute("ANALYZE")
    return len(branches), total


def ensure_groups() -> int:
    """Party groups (LIFE-03) in every fourth branch: one since 2025, one set up in May; their branch's group
    meetings are shared between the two (set-based, also on a reused database). Returns the group count."""
    from django.db import connection, transaction
    from django.utils import timezone

    from dangjian.orglife.models import Meeting, PartyGroup
    from dangjian.orgs.models import Org

    if PartyGroup.objects.exists():
        return PartyGroup.objects.count()
    g, m, o = PartyGroup._meta.db_table, Meeting._meta.db_table, Org._meta.db_table
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cur:
        for name, since in (("第一党小组", date(2025, 1, 1)), ("第二党小组", date(2026, 5, 1))):
            cur.execute(
                f"INSERT INTO {g} (org_id, name, established_on, version, created_at) SELECT id, %s, %s, 1, %s "
                f"FROM {o} WHERE kind IN ('branch', 'joint_branch') AND id %% 4 = 0",
                [name, since, now],
            )
        cur.execute(
            f"UPDATE {m} SET party_group_id = (SELECT g.id FROM {g} g WHERE g.org_id = {m}.org_id AND g.name = "
            f"CASE WHEN {m}.id % 2 = 0 THEN '第一党小组' ELSE '第二党小组' END) "
            f"WHERE kind = 'group_meeting' AND org_id % 4 = 0"
        )
    return PartyGroup.objects.count()


def _server_cpu_reader(connection):
    """Seconds of CPU used so far by this connection's PostgreSQL backend (from /proc, when the server runs
    on this machine and is readable); 0 on SQLite, whose work is in this process's own CPU time."""
    if connection.vendor != "postgresql":
        return lambda: 0.0
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        pid = cur.fetchone()[0]
    tick = os.sysconf("SC_CLK_TCK")

    def read() -> float:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / tick
        except OSError:
            return 0.0

    return read


def ours(args, user, city):
    from dangjian.orglife import rollup

    return rollup.drill_down(user, city, TODAY.year, args.quarter, TODAY)


def duck(args, city, load_rows):
    """The same roll-up in DuckDB: returns (child path → gaps, seconds of the query)."""
    import duckdb

    from dangjian.core.tree import LABEL_WIDTH
    from dangjian.orglife import rollup, rules

    start, through = rules.window(TODAY.year, args.quarter, TODAY)
    db = duckdb.connect()
    db.execute(
        f"CREATE TABLE org AS SELECT * FROM read_csv('{load_rows['org']}', header=true, "
        "columns={'id': 'BIGINT', 'path': 'VARCHAR', 'kind': 'VARCHAR', 'full_member_count': 'INT', "
        "'dissolved': 'BOOLEAN'})"
    )
    db.execute(
        f"CREATE TABLE meeting AS SELECT * FROM read_csv('{load_rows['meeting']}', header=true, "
        "columns={'org_id': 'BIGINT', 'kind': 'VARCHAR', 'held_on': 'DATE', 'status': 'VARCHAR', "
        "'party_group_id': 'BIGINT'})"
    )
    db.execute(
        f"CREATE TABLE grp AS SELECT * FROM read_csv('{load_rows['grp']}', header=true, "
        "columns={'id': 'BIGINT', 'org_id': 'BIGINT', 'est': 'DATE', 'dis': 'DATE'})"
    )
    mon = [
        (f.month, f, last) for _l, f, last in rules.group_periods(TODAY.year, start, through, "monthly", date.min, None)
    ]
    db.execute("CREATE TABLE mon (mo INT, first DATE, last DATE)")
    if mon:
        db.executemany("INSERT INTO mon VALUES (?, ?, ?)", mon)
    m_end, q_end = rollup._month_end_before(through), rollup._quarter_end_before(through)
    required = {}
    for has in (False, True):
        req = rules.required_in_window(TODAY.year, start, through, rules.DEFAULT_CADENCE, has_committee=has)
        required[has] = {k: len(v) for k, v in req.items()}
    req_rows = [(has, k, n, rules.DEFAULT_CADENCE[k]) for has in (False, True) for k, n in required[has].items()]
    db.execute("CREATE TABLE req (has_committee BOOLEAN, kind VARCHAR, n INT, cadence VARCHAR)")
    if req_rows:
        db.executemany("INSERT INTO req VALUES (?, ?, ?, ?)", req_rows)
    width = len(city.path) + LABEL_WIDTH
    query = f"""
        WITH b AS (
            SELECT id, path, full_member_count >= 7 AS has_committee FROM org
            WHERE kind IN ('branch', 'joint_branch') AND NOT dissolved AND path >= ? AND path < ?
        ), held AS (
            SELECT org_id, kind,
                   count(DISTINCT month(held_on)) FILTER (WHERE held_on BETWEEN ? AND ?) AS months,
                   count(DISTINCT quarter(held_on)) FILTER (WHERE held_on BETWEEN ? AND ?) AS quarters,
                   count(*) FILTER (WHERE held_on <= ?) AS year_any
            FROM meeting
            WHERE status IN ('held', 'submitted', 'approved') AND held_on BETWEEN ? AND ?
            GROUP BY org_id, kind
        ), gm AS (
            SELECT DISTINCT party_group_id AS gid, month(held_on) AS mo FROM meeting
            WHERE kind = 'group_meeting' AND party_group_id IS NOT NULL
              AND status IN ('held', 'submitted', 'approved') AND year(held_on) = {TODAY.year}
        ), gg AS (
            SELECT g.org_id, count(*) FILTER (WHERE gm.gid IS NULL) AS gaps
            FROM grp g JOIN mon ON g.est <= mon.last AND (g.dis IS NULL OR g.dis >= mon.first)
            LEFT JOIN gm ON gm.gid = g.id AND gm.mo = mon.mo
            GROUP BY g.org_id
        ), own AS (
            SELECT b.id, b.path,
                   sum(greatest(req.n - CASE req.cadence WHEN 'monthly' THEN coalesce(h.months, 0)
                                                   WHEN 'quarterly' THEN coalesce(h.quarters, 0)
                                                   ELSE least(coalesce(h.year_any, 0), 1) END, 0)) AS gaps
            FROM b JOIN req ON req.has_committee = b.has_committee
            LEFT JOIN held h ON h.org_id = b.id AND h.kind = req.kind
            GROUP BY b.id, b.path
        )
        SELECT substr(own.path, 1, {width}) AS child, sum(own.gaps + coalesce(gg.gaps, 0)) AS gaps
        FROM own LEFT JOIN gg ON gg.org_id = own.id
        GROUP BY 1
    """
    params = [city.path, city.path + "~", start, m_end, start, q_end, date(TODAY.year, 12, 31),
              date(TODAY.year, 1, 1), through]  # fmt: skip
    db.execute(query, params).fetchall()  # warm-up
    times, result = [], None
    for _ in range(args.repeat):
        t = time.perf_counter()
        result = dict(db.execute(query, params).fetchall())
        times.append(time.perf_counter() - t)
    return result, min(times)


def run(args, tmpdir) -> int:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection

    from dangjian.accounts import actions as account_actions
    from dangjian.accounts.models import Role
    from dangjian.accounts.roles import sync_builtin_roles
    from dangjian.orglife.models import Meeting
    from dangjian.orgs.models import Org

    call_command("migrate", verbosity=0, interactive=False)
    reuse = bool(args.keep) and get_user_model().objects.filter(username="bench_admin").exists()
    if Org.objects.exists() and not reuse:
        print("refusing: the database already holds orgs; use a throwaway database", file=sys.stderr)
        return 2
    vendor = connection.vendor
    print(f"backend: {vendor}; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
    from dangjian.orglife import facts
    from dangjian.orglife.models import PeriodFact

    if not reuse:
        t = time.perf_counter()
        branches, meetings = build(args)
        print(f"built {args.size}: {Org.objects.count():,} orgs, {branches:,} branches, {meetings:,} meetings "
              f"({time.perf_counter() - t:.1f} s)")  # fmt: skip
    print(f"party groups: {ensure_groups():,}")
    if not reuse or not PeriodFact.objects.exists():
        t = time.perf_counter()
        n = facts.rebuild()
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE" if vendor == "postgresql" else "ANALYZE")
        print(f"period facts of the meetings: {n:,} rows ({time.perf_counter() - t:.1f} s, with VACUUM/ANALYZE)")
    root = Org.objects.filter(parent__isnull=True).get()
    city = root  # the whole tree: the city, or the whole province
    if reuse:
        user = get_user_model().objects.get(username="bench_admin")
    else:
        sync_builtin_roles(Role)
        user, _ = account_actions.create_user("bench_admin", actor=None, password="Bench#Orglife2026")
        account_actions.assign_role(user, Role.objects.get(code="org_admin"), city, actor=None)

    ours(args, user, city)  # warm-up
    if os.environ.get("BENCH_EXPLAIN"):
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            ours(args, user, city)
        slowest = max(ctx.captured_queries, key=lambda q: float(q["time"]))
        print(f"slowest query {slowest['time']} s: {slowest['sql'][:300]}")
        with connection.cursor() as cur:
            cur.execute("EXPLAIN QUERY PLAN " + slowest["sql"] if vendor == "sqlite" else "EXPLAIN " + slowest["sql"])
            for row in cur.fetchall():
                print("  ", row)
    if os.environ.get("BENCH_PROFILE"):
        import cProfile
        import pstats

        pr = cProfile.Profile()
        pr.enable()
        ours(args, user, city)
        pr.disable()
        pstats.Stats(pr).sort_stats("cumulative").print_stats(25)
    times, cpus = [], []
    server = _server_cpu_reader(connection)
    for _ in range(args.repeat):
        t, c, sc = time.perf_counter(), time.process_time(), server()
        total, children = ours(args, user, city)
        times.append(time.perf_counter() - t)
        cpus.append(time.process_time() - c + server() - sc)
    best = min(times)
    target = TARGET_MS.get(vendor, 1000.0)
    verdict = "met" if best * 1000 <= target else "NOT met"
    print(f"compliance overview of {city.name}, {TODAY.year} Q{args.quarter}: {total.branches:,} branches, "
          f"{total.required:,} required, {total.gaps:,} gaps, rate {total.rate}% — "
          f"best {best * 1000:.0f} ms, median {statistics.median(times) * 1000:.0f} ms "
          f"(target ≤ {target:.0f} ms: {verdict}); load average {os.getloadavg()[0]:.2f}")  # fmt: skip
    print(f"CPU time (this process{' + its PostgreSQL backend' if vendor == 'postgresql' else ''}): "
          f"best {min(cpus) * 1000:.0f} ms, median {statistics.median(cpus) * 1000:.0f} ms "
          f"(what the wall time would be on an idle core)")  # fmt: skip

    t = time.perf_counter()
    import csv

    load = {k: os.path.join(tmpdir, f"{k}.csv") for k in ("org", "meeting", "grp")}
    with open(load["org"], "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "path", "kind", "full_member_count", "dissolved"])
        for i, p, k, n, d in Org.objects.values_list("id", "path", "kind", "full_member_count", "dissolved_on"):
            w.writerow([i, p, k, n, "true" if d else "false"])
    with open(load["meeting"], "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["org_id", "kind", "held_on", "status", "party_group_id"])
        w.writerows(
            Meeting.objects.values_list("org_id", "kind", "held_on", "status", "party_group_id").iterator(
                chunk_size=20000
            )
        )
    from dangjian.orglife.models import PartyGroup

    with open(load["grp"], "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "org_id", "est", "dis"])
        w.writerows(PartyGroup.objects.values_list("id", "org_id", "established_on", "dissolved_on"))
    try:
        result, duck_best = duck(args, city, load)
    except ImportError:
        print("duckdb is not installed (pip install -e '.[dev]'): no comparison")
        return 0
    loaded = time.perf_counter() - t
    print(f"DuckDB (in memory, exported and loaded in {loaded:.1f} s): best {duck_best * 1000:.1f} ms; "
          f"ours / DuckDB = {best / duck_best:.1f}×")  # fmt: skip
    mine = {c.org.path: c.gaps for c in children}
    same = all(result.get(p, 0) == g for p, g in mine.items()) and sum(result.values()) == total.gaps
    print(f"same gaps per child of {city.name}: {'yes' if same else 'NO'}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
