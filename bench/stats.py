#!/usr/bin/env python
"""Benchmark of the statistics module on a demo tree: dashboard, annual tables, as of a past date.

    .venv/bin/python bench/stats.py [--size county|city|province] [--repeat N] [--data-dir DIR]
                                    [--no-refresh] [--only TEXT ...]

Builds (or reuses, in DIR) the demo of `--size` with `dangjian manage demo` (default: city on SQLite,
province on PostgreSQL when DATABASE_URL is set), then times, warm (one untimed call first), `--repeat`
(default 5) runs of each of:

  dashboard county     stats.queries.dashboard for the first county (what the county page computes)
  dashboard root       the same for the root (the city, or the province)
  as of a year ago     the dashboard of the root as of today minus 365 days (no rollup): warm (its live
                       figures cached under the data version) and cold (the cache emptied before each run)
  annual tables        stats.annual.tables for the root, last year (every table, one row per child)
  category             members by category (正式/预备) for the root: the indicator alone, live and from
                       the rollup

The dashboards are timed live (from the details) and from the rollups that `stats_rollup` computes first
(its time is printed too).

and, when the `duckdb` Python package is installed, the same member-count-by-category over the same rows
scanned by DuckDB (the placements and members read once into DuckDB, then `GROUP BY` timed), printing our
time as a ratio to it. It prints median and max in ms with the targets of issue 7 beside them; it makes
no claim the figures do not show. Each line also gives the median CPU time of this process (on SQLite all
the work is in-process, so CPU time is what the query cost without waiting for a core) and the load average
when the line was measured: the machine is shared. On PostgreSQL the queries run in the server process, so
the line also gives the median CPU time of this connection's backend (from /proc, same machine only).
`--only TEXT` times just the cases whose label contains TEXT (repeatable; the DuckDB comparison needs
"category").
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta

TARGETS_MS = {
    "dashboard county": 50,
    "dashboard city": 150,
    "dashboard province": 300,
    "as of a year ago (root)": 1000,
    "annual tables (root)": 10000,
}


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--size", choices=["county", "city", "province"])
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--data-dir", help="keep the data dir (SQLite file) here to reuse it in a later run")
    p.add_argument("--no-refresh", action="store_true", help="read the rollups already there (no stats_rollup run)")
    p.add_argument("--only", action="append", default=[], help="time only the cases whose label contains this")
    return p.parse_args()


def backend_cpu_ms() -> float | None:
    """CPU time so far of the PostgreSQL backend serving this connection (None elsewhere or unreadable)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    if not hasattr(backend_cpu_ms, "pid"):
        with connection.cursor() as cur:
            cur.execute("SELECT pg_backend_pid()")
            backend_cpu_ms.pid = cur.fetchone()[0]
    try:
        with open(f"/proc/{backend_cpu_ms.pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")  # utime + stime


def timed(fn, repeat: int) -> tuple[float, float, float, float | None]:
    """Median and max wall time, median CPU time of this process and of the database backend (None on
    SQLite), in ms, after one untimed warm-up call."""
    fn()  # warm
    samples, cpu, db = [], [], []
    for _ in range(repeat):
        t, c, d = time.perf_counter(), time.process_time(), backend_cpu_ms()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
        if d is not None:
            db.append(backend_cpu_ms() - d)
    return statistics.median(samples), max(samples), statistics.median(cpu), statistics.median(db) if db else None


def load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> int:
    args = parse_args()
    postgres = bool(os.environ.get("DATABASE_URL"))
    size = args.size or ("province" if postgres else "city")
    data_dir = os.path.abspath(args.data_dir) if args.data_dir else tempfile.mkdtemp(prefix="dangjian-bench-stats-")
    os.environ["DANGJIAN_DATA_DIR"] = data_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangjian.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from dangjian.accounts import actions as account_actions
    from dangjian.accounts.models import Role
    from dangjian.members.models import Member, Placement
    from dangjian.orgs.models import Org
    from dangjian.stats import annual, queries, rollups
    from dangjian.stats.indicators import REGISTRY, Snapshot

    t = time.perf_counter()
    call_command("demo", size=size, quiet=True)
    print(f"demo {size} on {connection.vendor}: ready in {time.perf_counter() - t:.1f} s (data dir {data_dir})")
    root = Org.objects.get(parent__isnull=True, dissolved_on__isnull=True)
    county = Org.objects.filter(path__in_subtree=root.path, name__endswith="县委员会").order_by("path").first()
    print(f"orgs {Org.objects.count():,}, members {Member.objects.count():,}, placements {Placement.objects.count():,}")
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username="bench_stats").first()
    if user is None:
        user = account_actions.create_user("bench_stats", actor=None, password="Bench#Stats2026")[0]
        account_actions.assign_role(user, Role.objects.get(code="org_admin"), root, actor=None)
    today = timezone.localdate()
    year_ago = today - timedelta(days=365)
    root_label = {"city": "dashboard city", "province": "dashboard province"}.get(size, "dashboard root")
    if args.no_refresh:
        kept = rollups.Rollup.objects.filter(day=today).count()
        print(f"stats_rollup not run: reading the {kept:,} rollups of today")
    else:
        t, c, d = time.perf_counter(), time.process_time(), backend_cpu_ms()
        written = rollups.refresh(today)
        db = f", database {(backend_cpu_ms() - d) / 1000:.1f} s" if d is not None else ""
        print(
            f"stats_rollup for today: {written:,} orgs in {time.perf_counter() - t:.1f} s "
            f"(CPU here {time.process_time() - c:.1f} s{db}; load {load()})"
        )
    from django.core.cache import cache

    def cold(fn):
        def run():
            cache.clear()
            return fn()

        return run

    def full_from_rollup():
        rollup = rollups.for_org(root.pk, today)
        return REGISTRY["members.full"](root, today, snapshot=Snapshot(root, today, rollup=rollup))

    cases = [
        ("dashboard county, live", lambda: queries.dashboard(user, county, today, today, live=True)),
        ("dashboard county", lambda: queries.dashboard(user, county, today, today)),
        (f"{root_label}, live", lambda: queries.dashboard(user, root, today, today, live=True)),
        (root_label, lambda: queries.dashboard(user, root, today, today)),
        ("as of a year ago (root)", lambda: queries.dashboard(user, root, year_ago, today)),
        ("as of a year ago, cold", cold(lambda: queries.dashboard(user, root, year_ago, today))),
        ("annual tables (root)", lambda: annual.tables(root, today.year - 1)),
        ("category, live (root)", lambda: REGISTRY["members.full"](root, today)),
        ("category rollup (root)", full_from_rollup),
    ]
    if args.only:
        cases = [(label, fn) for label, fn in cases if any(text in label for text in args.only)]
    print(
        f"\n{'case':28} {'median ms':>10} {'max ms':>10} {'CPU ms':>8} {'DB CPU ms':>10} {'target ms':>10}"
        "  load 1/5/15 min"
    )
    results = {}
    for label, fn in cases:
        median, worst, cpu, db = timed(fn, args.repeat)
        results[label] = median
        target = TARGETS_MS.get(label, "")
        db_cpu = "" if db is None else f"{db:.1f}"
        print(f"{label:28} {median:10.1f} {worst:10.1f} {cpu:8.1f} {db_cpu:>10} {target!s:>10}  {load()}")
    if "category rollup (root)" not in results or "category, live (root)" not in results:
        return 0
    try:
        import duckdb
    except ImportError:
        print("\nduckdb not installed: no DuckDB comparison (pip install duckdb)")
        return 0
    rows = list(
        Placement.objects.filter(valid_to__isnull=True).values_list("org_id", "member__stage", "member__full_on")
    )
    con = duckdb.connect()
    con.execute("CREATE TABLE p (org_id BIGINT, stage VARCHAR, full_on DATE)")
    _bulk(con, rows)
    sql = (
        "SELECT count(*) FILTER (WHERE full_on <= ? OR (full_on IS NULL AND stage = 'full')), count(*) "
        "FROM p WHERE stage IN ('full', 'probationary')"
    )
    median, _worst, _cpu, _db = timed(lambda: con.execute(sql, [today]).fetchall(), args.repeat)
    ours = results["category rollup (root)"]
    print(f"\nDuckDB full scan, members by category ({len(rows):,} rows): {median:.1f} ms (load {load()})")
    live = results["category, live (root)"]
    print(f"ours (rollup) / DuckDB = {ours / median:.2f}; ours (live) / DuckDB = {live / median:.2f} (goal < 1)")
    return 0


def _bulk(con, rows):
    import csv
    import tempfile as tf

    with tf.NamedTemporaryFile("w", suffix=".csv", delete=False, newline="") as fh:
        writer = csv.writer(fh)
        for org_id, stage, full_on in rows:
            writer.writerow([org_id, stage, full_on.isoformat() if full_on else ""])
        name = fh.name
    con.execute(
        f"INSERT INTO p SELECT * FROM read_csv('{name}', header=false, nullstr='', "
        "columns={'org_id': 'BIGINT', 'stage': 'VARCHAR', 'full_on': 'DATE'})"
    )
    os.unlink(name)


if __name__ == "__main__":
    sys.exit(main())
