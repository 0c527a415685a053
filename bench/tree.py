#!/usr/bin/env python
"""Benchmark of the materialized-path org tree against the recursive-CTE reference.

    .venv/bin/python bench/tree.py [--size province|city|county] [--repeat N] [--moves M] [--force]

Without DATABASE_URL it runs on a throwaway SQLite file in a fresh temp dir (removed at the end).
With DATABASE_URL (PostgreSQL) it needs a throwaway database: it refuses when orgs already exist,
unless --force, which TRUNCATEs the org table (CASCADE) first. The data dir (secret key, audit keys)
is always a fresh temp dir, so the user's dangjian-data is never touched.

Measures: subtree id lists (path range vs recursive CTE) for a county, a city and the province;
moving a county (~1,382 orgs) between two cities; check_tree() over the whole tree; and prints the
EXPLAIN of the county subtree query. Targets: path ≥10× faster than the CTE on SQLite, ≥3× on
PostgreSQL; moving a county < 100 ms.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import statistics
import sys
import tempfile
import time

TARGET_RATIO = {"sqlite": 10.0, "postgresql": 3.0}
TARGET_MOVE_MS = 100.0


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--size", choices=["province", "city", "county"], default="province")
    p.add_argument("--repeat", type=int, default=20, help="timed repeats per measurement (default 20)")
    p.add_argument("--moves", type=int, default=6, help="county moves, back and forth (default 6)")
    p.add_argument("--force", action="store_true", help="PostgreSQL: TRUNCATE existing orgs (CASCADE) first")
    args = p.parse_args()
    if args.repeat < 1 or args.moves < 0:
        p.error("--repeat must be ≥ 1 and --moves ≥ 0")
    return args


def stats(samples: list[float]) -> tuple[float, float]:
    """(median, p95) in ms; p95 is the nearest-rank percentile."""
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def fmt(med: float, p95: float) -> str:
    return f"{med:9.2f} {p95:9.2f}"


def indexes_on_path(connection, table: str) -> list[str]:
    """Names of the indexes whose first column is `path` (SQLite's autoindexes included)."""
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute(f"PRAGMA index_list({connection.ops.quote_name(table)})")
            names = [r[1] for r in cur.fetchall()]
            out = []
            for name in names:
                cur.execute(f"PRAGMA index_info({connection.ops.quote_name(name)})")
                cols = [r[2] for r in sorted(cur.fetchall())]
                if cols and cols[0] == "path":
                    out.append(name)
            return sorted(out)
        constraints = connection.introspection.get_constraints(cur, table)
    return sorted(
        n for n, c in constraints.items() if c["columns"] and c["columns"][0] == "path" and (c["index"] or c["unique"])
    )


def main() -> int:
    args = parse_args()
    tmpdir = tempfile.mkdtemp(prefix="dangjian-bench-")
    # Before Django is imported: settings create the data dir, the secret key and (without
    # DATABASE_URL) the SQLite file there.
    os.environ["DANGJIAN_DATA_DIR"] = tmpdir
    os.environ["DJANGO_SETTINGS_MODULE"] = "dangjian.settings"
    try:
        return run(args, tmpdir)
    finally:
        try:
            from django.db import connections

            for conn in connections.all(initialized_only=True):
                conn.close()
                if hasattr(conn, "close_pool"):
                    conn.close_pool()
        except Exception:
            pass
        shutil.rmtree(tmpdir, ignore_errors=True)


def run(args: argparse.Namespace, tmpdir: str) -> int:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from dangjian.demo.generator import build
    from dangjian.orgs.actions import bulk_create_tree, move_org
    from dangjian.orgs.models import Org, OrgKind
    from dangjian.orgs.queries import check_tree, subtree_ids_cte

    vendor = connection.vendor
    table = Org._meta.db_table
    if vendor == "sqlite":
        import sqlite3

        backend = f"SQLite {sqlite3.sqlite_version} (file in {tmpdir})"
    else:
        backend = vendor
    call_command("migrate", verbosity=0, interactive=False)
    if vendor != "sqlite":
        with connection.cursor() as cur:
            if vendor == "postgresql":
                cur.execute("SELECT version()")
                backend = cur.fetchone()[0].split(" on ")[0]
        if Org.objects.exists():
            if not args.force:
                print(f"refusing: {table} already holds orgs; use a throwaway database or --force", file=sys.stderr)
                return 2
            with connection.cursor() as cur:
                cur.execute(f"TRUNCATE TABLE {connection.ops.quote_name(table)} RESTART IDENTITY CASCADE")
            print(f"--force: truncated {table} (CASCADE)")
    print(f"backend: {backend}; load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")

    # ------------------------------------------------------------------ build
    t0 = time.perf_counter()
    specs = [s.as_dict() for s in build(args.size).specs]
    t1 = time.perf_counter()
    ids = bulk_create_tree(specs, actor=None)
    t2 = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    t3 = time.perf_counter()
    total = Org.objects.count()
    assert total == len(specs), (total, len(specs))
    print(
        f"built {args.size}: {total:,} orgs — generate {t1 - t0:.2f} s, bulk_create_tree {t2 - t1:.2f} s, "
        f"ANALYZE {t3 - t2:.2f} s"
    )

    # ------------------------------------------------------------------ pick the nodes
    root = Org.objects.get(pk=ids[specs[0]["key"]])
    local = list(
        Org.objects.filter(kind=OrgKind.LOCAL_COMMITTEE).order_by("path").values_list("id", "depth", "parent_id")
    )
    county_depth = max(d for _, d, _ in local)
    cities = [i for i, d, _ in local if d == county_depth - 1]
    counties_by_city: dict[int, list[int]] = {}
    for i, d, parent in local:
        if d == county_depth:
            counties_by_city.setdefault(parent, []).append(i)
    targets: list[tuple[str, Org]] = []
    county = city = None
    if args.size == "county":
        county = root
    else:
        city = Org.objects.get(pk=cities[0])
        # Not the first county: every city's first county has the same name (青川), and a move
        # under another city would then hit the sibling-name rule.
        county = Org.objects.get(pk=counties_by_city[city.pk][1])
    targets.append(("county", county))
    if city is not None:
        targets.append(("city", city))
    if args.size == "province":
        targets.append(("province", root))

    # ------------------------------------------------------------------ (a) subtree ids
    def path_ids(path):
        return list(Org.objects.filter(path__in_subtree=path).values_list("id", flat=True))

    subtree_rows = []
    for label_, org in targets:
        a, b = path_ids(org.path), subtree_ids_cte(org.pk)  # warm-up + correctness
        assert len(a) == len(set(a)), "duplicate ids from the path query"
        assert len(b) == len(set(b)), "duplicate ids from the CTE"
        assert set(a) == set(b), f"{label_}: path gives {len(a)} ids, CTE {len(b)}; differ by {len(set(a) ^ set(b))}"
        tp, tc = [], []
        for _ in range(args.repeat):  # interleaved, so drift hits both alike
            s = time.perf_counter()
            path_ids(org.path)
            tp.append((time.perf_counter() - s) * 1000)
            s = time.perf_counter()
            subtree_ids_cte(org.pk)
            tc.append((time.perf_counter() - s) * 1000)
        subtree_rows.append((label_, len(a), stats(tp), stats(tc)))

    # Diagnostics: where the time goes. Same path SQL through a bare cursor (no ORM, no ORDER BY),
    # and both queries reduced to count(*) so that only the database engine's work is left.
    range_sql = f"SELECT id FROM {table} WHERE path >= %s AND path < %s"
    count_range_sql = f"SELECT count(*) FROM {table} WHERE path >= %s AND path < %s"
    count_cte_sql = (
        f"WITH RECURSIVE sub(id) AS (SELECT id FROM {table} WHERE id = %s "
        f"UNION ALL SELECT o.id FROM {table} o JOIN sub ON o.parent_id = sub.id) SELECT count(*) FROM sub"
    )

    def timed_sql(sql, params):
        with connection.cursor() as cur:
            cur.execute(sql, params)
            cur.fetchall()
            out = []
            for _ in range(args.repeat):
                s = time.perf_counter()
                cur.execute(sql, params)
                cur.fetchall()
                out.append((time.perf_counter() - s) * 1000)
        return stats(out)

    def timed_unordered(path):
        out = []
        for _ in range(args.repeat + 1):
            s = time.perf_counter()
            list(Org.objects.filter(path__in_subtree=path).order_by().values_list("id", flat=True))
            out.append((time.perf_counter() - s) * 1000)
        return stats(out[1:])

    diag_rows = []
    for label_, org in targets:
        bounds = [org.path, org.path + "~"]
        diag_rows.append(
            (
                label_,
                timed_unordered(org.path),
                timed_sql(range_sql, bounds),
                timed_sql(count_range_sql, bounds),
                timed_sql(count_cte_sql, [org.pk]),
            )
        )

    # ------------------------------------------------------------------ EXPLAIN (county)
    qs = Org.objects.filter(path__in_subtree=county.path).values_list("id", flat=True)
    print("\nSQL of the county subtree query:\n  " + str(qs.query))
    if vendor == "postgresql":
        plan = qs.explain(analyze=True, buffers=True)
    else:
        plan = qs.explain()
    print("EXPLAIN:\n" + "\n".join("  " + line for line in plan.splitlines()))
    path_indexes = indexes_on_path(connection, table)
    used = [n for n in path_indexes if n in plan]
    print(f"path indexes: {', '.join(path_indexes) or 'none'}")
    print(f"uses the path index: {'YES (' + ', '.join(used) + ')' if used else 'NO'}")
    if vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(
                "SELECT d.datlocprovider, d.datcollate, coalesce(to_jsonb(d) ->> 'daticulocale', "
                "to_jsonb(d) ->> 'datlocale') FROM pg_database d WHERE d.datname = current_database()"
            )
            provider, collate, icu = cur.fetchone()
            print(f"database collation: {collate}" + (f" (ICU default: {icu})" if provider == "i" else ""))
            cur.execute(
                "SELECT coalesce(c.collname, '(default)') FROM pg_attribute a LEFT JOIN pg_collation c "
                "ON c.oid = a.attcollation WHERE a.attrelid = %s::regclass AND a.attname = 'path'",
                [table],
            )
            print(f"path column collation: {cur.fetchone()[0]}")
            cur.execute(
                "SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = %s::regclass "
                "AND pg_get_indexdef(indexrelid) LIKE '%%(path%%'",
                [table],
            )
            for (d,) in cur.fetchall():
                print(f"  {d}")
        cte_plan_sql = (
            f"EXPLAIN (ANALYZE, BUFFERS) WITH RECURSIVE sub(id) AS (SELECT id FROM {table} WHERE id = %s "
            f"UNION ALL SELECT o.id FROM {table} o JOIN sub ON o.parent_id = sub.id) SELECT id FROM sub"
        )
    else:
        cte_plan_sql = (
            f"EXPLAIN QUERY PLAN WITH RECURSIVE sub(id) AS (SELECT id FROM {table} WHERE id = %s "
            f"UNION ALL SELECT o.id FROM {table} o JOIN sub ON o.parent_id = sub.id) SELECT id FROM sub"
        )
    with connection.cursor() as cur:
        cur.execute(cte_plan_sql, [county.pk])
        rows = cur.fetchall()
    print("EXPLAIN of the CTE (county):")
    for r in rows:
        print("  " + (r[0] if vendor == "postgresql" else " | ".join(str(x) for x in r)))

    # ------------------------------------------------------------------ (b) move a county
    move_row = None
    if args.moves and args.size != "county":
        home = county.parent_id
        if args.size == "province":
            away = cities[1]  # another city
            away_label = "another city"
        else:
            away = counties_by_city[city.pk][2]  # only one city: a sibling county stands in
            away_label = "a sibling county (one city only)"
        size_before = len(path_ids(county.path))
        tm = []
        for i in range(args.moves):
            org = Org.objects.get(pk=county.pk)  # current version each time
            dest = Org.objects.get(pk=away if i % 2 == 0 else home)
            s = time.perf_counter()
            move_org(org, dest, actor=None)
            tm.append((time.perf_counter() - s) * 1000)
            moved = Org.objects.get(pk=county.pk)
            assert moved.parent_id == dest.pk
            assert moved.path.startswith(dest.path)
            assert len(path_ids(moved.path)) == size_before
        move_row = (size_before, away_label, stats(tm), tm)

    # ------------------------------------------------------------------ (c) check_tree
    drifts = check_tree()
    assert drifts == [], f"check_tree found {len(drifts)} drifts, e.g. {drifts[:3]}"
    tk = []
    for _ in range(args.repeat):
        s = time.perf_counter()
        drifts = check_tree()
        tk.append((time.perf_counter() - s) * 1000)
        assert drifts == []
    check_row = stats(tk)

    # ------------------------------------------------------------------ summary
    ratio_target = TARGET_RATIO.get(vendor)
    print(f"\n== {backend} — {args.size}, {total:,} orgs, repeat {args.repeat} (times in ms: median, p95)")
    head = f"{'measurement':<24}{'rows':>8}  {'path med':>9} {'p95':>9}  {'CTE med':>9} {'p95':>9}  {'CTE/path':>8}"
    print(head + "  target")
    for label_, n, (pm, pp), (cm, cp) in subtree_rows:
        ratio = cm / pm
        verdict = f">={ratio_target:.0f}x {'PASS' if ratio >= ratio_target else 'MISS'}" if ratio_target else "n/a"
        print(f"{'subtree ' + label_:<24}{n:>8}  {pm:9.2f} {pp:9.2f}  {cm:9.2f} {cp:9.2f}  {ratio:7.1f}x  {verdict}")
    print(
        "  diagnostics (median ms): path via ORM without the model's ORDER BY path; path SQL via a bare"
        " cursor (no ORM, no ORDER BY); engine only = count(*) of each query, no rows fetched"
    )
    for label_, (um, _), (rm, _), (pcm, _), (ccm, _) in diag_rows:
        ok = "PASS" if ratio_target and ccm / pcm >= ratio_target else "MISS"
        print(
            f"  {label_:<9} ORM unordered {um:8.2f}  bare cursor {rm:8.2f}  |  count(*) path {pcm:8.2f}"
            f"  CTE {ccm:8.2f}  CTE/path {ccm / pcm:6.1f}x {ok}"
        )
    if move_row:
        n, away_label, (mm, mp), tm = move_row
        verdict = f"<{TARGET_MOVE_MS:.0f} ms {'PASS' if mp < TARGET_MOVE_MS else 'MISS'} (on p95)"
        print(f"{'move county':<24}{n:>8}  {mm:9.2f} {mp:9.2f}  {'':>9} {'':>9}  {'':>8}  {verdict}")
        print(f"  ({len(tm)} moves to {away_label} and back: " + ", ".join(f"{x:.1f}" for x in tm) + " ms)")
    else:
        print(f"{'move county':<24}  skipped (needs --size city or province, --moves > 0)")
    print(f"{'check_tree (no drift)':<24}{total:>8}  {fmt(*check_row)}")
    print(f"build (generate+insert): {t2 - t0:.2f} s; load average at the end {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
