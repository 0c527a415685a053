#!/usr/bin/env python
"""Benchmark of the roster import: a 200,000-row spreadsheet through preview and commit.

    .venv/bin/python bench/import_roster.py [--rows N] [--profile preview|commit|again] [--force]

Builds the demo county tree (1,382 orgs) and writes an xlsx in the import template's layout (all 21
columns, labels as the dropdowns give them, dates as Excel dates; branch by full name, or by code where
two branches share a name) with N rows of `demo.members.generate_members` (xlsxwriter, constant_memory).
Then, each in a fresh process so that its peak memory (ru_maxrss) is its own:

* raw   — the lower bound: python-calamine read of the same file + insert of the same rows, as plain
          values (not encrypted, no validation, no blind index), into a scratch table with the template's
          21 columns: one executemany (SQLite) / COPY through psycopg's `cursor.copy` (PostgreSQL).
* preview — `importer.preview(path, user=None)`: read + validate every row, nothing written.
            (`--as-user`: preview and commit as an org_admin of the root instead of user=None.)
* commit  — `open_batch` + `run_preview` (the preview job: read, validate, and for the new rows their uid,
          ciphertexts, initials and the values of their member and placement rows, kept in the sealed
          checked-rows file), then `importer.commit` in a new process (as the commit job does): load the
          checked rows, re-check in the transaction what may have changed since (orgs, scope, ID numbers,
          versions), write members and placements, list the created members on the batch (for a rollback).
          Also printed: the preview job + the commit, i.e. the whole import after the upload.
* preview again — the same file after the commit: every row is matched to the roster by the blind
          index, compared field by field and its phone and address decrypted (a re-import's preview).

Targets: commit of 200,000 rows ≤ 20 s on PostgreSQL, ≤ 30 s on SQLite, ≤ 2× the raw lower bound;
peak memory < 1.5 GB for preview and for commit.

Without DATABASE_URL it runs on a throwaway SQLite file in a fresh temp dir (removed at the end). With
DATABASE_URL (PostgreSQL) it refuses a database that already holds orgs, unless --force, which TRUNCATEs
the org table (CASCADE: members, batches, …) first. The data dir (secret key, field keys) is always a fresh
temp dir. `--profile PHASE` runs that phase under cProfile (its time is then not a verdict) and prints
the functions with the most cumulative and own time.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

TARGET_ROWS = 200_000
TARGET_COMMIT_S = {"sqlite": 30.0, "postgresql": 20.0}
TARGET_RATIO = 2.0
TARGET_PEAK_MIB = 1.5 * 1024
SCRATCH = "bench_raw_roster"


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rows", type=int, default=TARGET_ROWS, help="spreadsheet rows (default 200,000)")
    p.add_argument(
        "--profile",
        choices=["preview", "commit", "again"],
        help="run this phase under cProfile (again: the re-import preview)",
    )
    p.add_argument("--force", action="store_true", help="PostgreSQL: TRUNCATE existing orgs (CASCADE) first")
    p.add_argument(
        "--as-user", action="store_true", help="preview and commit as an org_admin of the root (default: user=None)"
    )
    p.add_argument("--phase", choices=["build", "raw", "preview", "commit"], help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.rows < 1:
        p.error("--rows must be ≥ 1")
    return args


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def setup_django():
    import django

    django.setup()


BENCH_USER = "bench_import_admin"


def bench_user(args):
    """The org_admin of the root with --as-user, else None (the operator path the issue names)."""
    if not args.as_user:
        return None
    from dangjian.accounts.models import User

    return User.objects.get(username=BENCH_USER)


def xlsx_path() -> str:
    return os.path.join(os.environ["DANGJIAN_DATA_DIR"], "roster-import.xlsx")


class Profiled:
    """cProfile around a block when asked; prints the top functions to stderr."""

    def __init__(self, on: bool):
        self.profiler = None
        if on:
            import cProfile

            self.profiler = cProfile.Profile()

    def __enter__(self):
        if self.profiler:
            self.profiler.enable()
        return self

    def __exit__(self, *exc):
        if self.profiler:
            import pstats

            self.profiler.disable()
            stats = pstats.Stats(self.profiler, stream=sys.stderr)
            stats.sort_stats("cumulative").print_stats(30)
            stats.sort_stats("tottime").print_stats(30)
        return False


# ------------------------------------------------------------------ phases (each in its own process)


def build(args) -> dict:
    setup_django()
    from collections import Counter
    from itertools import islice

    import xlsxwriter
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from dangjian.demo.generator import build as build_tree
    from dangjian.demo.members import generate_members
    from dangjian.members.columns import COLUMNS, HEADERS, NO, YES
    from dangjian.members.importer import SHEET_NAME
    from dangjian.members.models import Member
    from dangjian.orgs.actions import bulk_create_tree
    from dangjian.orgs.models import Org

    call_command("migrate", verbosity=0, interactive=False)
    forced = False
    if Org.objects.exists() or Member.objects.exists():
        if not args.force or connection.vendor != "postgresql":
            raise SystemExit("refusing: the database already holds orgs; use a throwaway database or --force")
        with connection.cursor() as cur:
            cur.execute(f"TRUNCATE TABLE {Org._meta.db_table} RESTART IDENTITY CASCADE")
            cur.execute(f"DROP TABLE IF EXISTS {SCRATCH}")
        forced = True
    t0 = time.perf_counter()
    tree = build_tree("county")
    ids = bulk_create_tree([s.as_dict() for s in tree.specs], actor=None)
    if args.as_user:
        from dangjian.accounts.actions import assign_role, create_user
        from dangjian.accounts.models import Role, User

        User.objects.filter(username=BENCH_USER).delete()
        user, _ = create_user(BENCH_USER, actor=None, password="Bench#Import2026")
        assign_role(user, Role.objects.get(code="org_admin"), Org.objects.get(pk=ids[tree.specs[0].key]), actor=None)
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    t1 = time.perf_counter()

    names = Counter(s.name for s in tree.specs)
    by_code_keys = {s.key for s in tree.specs if names[s.name] > 1}
    org_cell = {s.key: (s.code if s.key in by_code_keys else s.name) for s in tree.specs}
    labels = {c.key: dict(c.choices) for c in COLUMNS if c.kind == "choice"}
    today = timezone.localdate()
    book = xlsxwriter.Workbook(xlsx_path(), {"constant_memory": True})
    sheet = book.add_worksheet(SHEET_NAME)
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    for i, h in enumerate(HEADERS):
        sheet.write_string(0, i, h)
    n = by_code = 0
    rows = generate_members(tree, seed=20260511, today=today, total=max(args.rows, 5000))  # ≥ 3 per branch
    for r, person in enumerate(islice(rows, args.rows), start=1):
        for i, column in enumerate(COLUMNS):
            if column.kind == "org":
                by_code += person["org_key"] in by_code_keys
                sheet.write_string(r, i, org_cell[person["org_key"]])
                continue
            value = person.get(column.key)
            if value is None or value == "":
                continue
            if column.kind == "date":
                sheet.write_datetime(r, i, value, day)
            elif column.kind == "bool":
                sheet.write_string(r, i, YES if value else NO)
            elif column.kind == "choice":
                sheet.write_string(r, i, labels[column.key].get(value, value))
            else:
                sheet.write_string(r, i, str(value))
        n += 1
    book.close()
    t2 = time.perf_counter()
    return {
        "orgs": len(ids),
        "rows": n,
        "by_code": by_code,
        "tree_s": t1 - t0,
        "xlsx_s": t2 - t1,
        "xlsx_mib": os.path.getsize(xlsx_path()) / 2**20,
        "forced": forced,
    }


def raw(args) -> dict:
    """Lower bound: calamine read + plain insert of the same rows into a scratch table."""
    setup_django()
    from django.db import connection, transaction
    from python_calamine import CalamineWorkbook

    from dangjian.members.columns import COLUMNS
    from dangjian.members.importer import SHEET_NAME

    kinds = [c.kind for c in COLUMNS]
    cols = [f"c{i}" for i in range(len(COLUMNS))]
    ddl = ", ".join(f"{c} {'date' if k == 'date' else 'text'}" for c, k in zip(cols, kinds, strict=True))
    with connection.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS {SCRATCH}")
        cur.execute(f"CREATE TABLE {SCRATCH} (id integer PRIMARY KEY, {ddl})")
    width = len(COLUMNS)

    def rows():
        sheet = CalamineWorkbook.from_path(xlsx_path()).get_sheet_by_name(SHEET_NAME)
        it = sheet.iter_rows()
        next(it)  # header
        for n, values in enumerate(it, start=1):
            values = list(values[:width]) + [None] * (width - len(values))
            yield (n, *[None if v == "" else v for v in values])

    t0 = time.perf_counter()
    n = 0
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                with cur.cursor.copy(f"COPY {SCRATCH} (id, {', '.join(cols)}) FROM STDIN") as copy:
                    for row in rows():
                        copy.write_row(row)
                        n += 1
        else:
            connection.ensure_connection()
            marks = ", ".join("?" for _ in range(width + 1))
            cur = connection.connection.executemany(f"INSERT INTO {SCRATCH} VALUES ({marks})", rows())
            n = cur.rowcount
    elapsed = time.perf_counter() - t0
    # Read alone, for the split.
    t1 = time.perf_counter()
    read_n = sum(1 for _ in rows())
    read_s = time.perf_counter() - t1
    with connection.cursor() as cur:
        cur.execute(f"SELECT count(*) FROM {SCRATCH}")
        stored = cur.fetchone()[0]
        cur.execute(f"DROP TABLE {SCRATCH}")
    assert stored == n == read_n == args.rows, (stored, n, read_n, args.rows)
    return {"rows": n, "seconds": elapsed, "read_s": read_s, "peak_mib": peak_mib()}


def preview(args) -> dict:
    setup_django()
    from pathlib import Path

    from dangjian.members import importer

    start = peak_mib()
    again = os.environ.get("BENCH_STEP") == "again"
    with Profiled(args.profile == ("again" if again else "preview")):
        t0 = time.perf_counter()
        result = importer.preview(Path(xlsx_path()), user=bench_user(args))
        elapsed = time.perf_counter() - t0
    summary = result.summary()
    problems = [p.as_dict() for p in result.problems[:5]]
    return {"seconds": elapsed, "summary": summary, "problems": problems, "peak_mib": peak_mib(), "start_mib": start}


def commit(args) -> dict:
    setup_django()
    from pathlib import Path

    from django.db import connection
    from django.db.models import Sum

    from dangjian.members import importer
    from dangjian.members.models import ImportBatch, ImportBatchItem, Member, Placement
    from dangjian.orgs.models import Org

    if args.phase_step == "preview":
        user = bench_user(args)
        batch = importer.open_batch(Path(xlsx_path()), filename="roster-import.xlsx", user=user)
        t0 = time.perf_counter()
        result = importer.run_preview(batch, user=user)
        return {"batch": batch.pk, "seconds": time.perf_counter() - t0, "summary": result.summary()}
    batch = ImportBatch.objects.get(pk=args.batch)
    start = peak_mib()
    with Profiled(args.profile == "commit"):
        t0 = time.perf_counter()
        written = importer.commit(batch, user=bench_user(args))
        elapsed = time.perf_counter() - t0
    counted = Org.objects.aggregate(n=Sum("member_count"))["n"] or 0
    out = {
        "seconds": elapsed,
        "written": written,
        "members": Member.objects.count(),
        "placements": Placement.objects.count(),
        "items": ImportBatchItem.objects.filter(batch=batch).count(),
        "listed": sum(count for _, count in ImportBatch.objects.get(pk=batch.pk).created_members.get("runs", [])),
        "org_member_count": counted,
        "peak_mib": peak_mib(),
        "start_mib": start,
    }
    with connection.cursor() as cur:
        cur.execute("ANALYZE" if connection.vendor == "postgresql" else "SELECT 1")
    return out


def child(args) -> int:
    phases = {"build": build, "raw": raw, "preview": preview, "commit": commit}
    result = phases[args.phase](args)
    print("RESULT " + json.dumps(result, default=str))
    return 0


def run_child(*extra: str) -> dict:
    out = subprocess.run(
        [sys.executable, os.path.abspath(__file__), *extra], check=True, stdout=subprocess.PIPE, text=True
    ).stdout
    for line in out.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT ") :])
        print(line)
    raise RuntimeError("child printed no result")


# ------------------------------------------------------------------ main


def main() -> int:
    args = parse_args()
    if args.phase:
        # Internal flags of the commit phase: which step, which batch.
        args.phase_step = os.environ.get("BENCH_STEP", "")
        args.batch = int(os.environ.get("BENCH_BATCH", "0"))
        return child(args)
    tmpdir = tempfile.mkdtemp(prefix="dangjian-bench-")
    # Before Django is imported (here and in the children): settings create the data dir, the keys and
    # (without DATABASE_URL) the SQLite file there.
    os.environ["DANGJIAN_DATA_DIR"] = tmpdir
    os.environ["DJANGO_SETTINGS_MODULE"] = "dangjian.settings"
    try:
        return run(args, tmpdir)
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)


def load() -> str:
    return f"{os.getloadavg()[0]:.2f}"


def run(args, tmpdir: str) -> int:
    import platform
    import sqlite3

    vendor = "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    backend = "PostgreSQL (DATABASE_URL)" if vendor == "postgresql" else f"SQLite {sqlite3.sqlite_version}"
    print(f"backend: {backend}; Python {platform.python_version()}; load average {load()} on {os.cpu_count()} CPUs")
    common = ["--rows", str(args.rows)] + (["--profile", args.profile] if args.profile else [])
    if args.as_user:
        common.append("--as-user")
    built = run_child("--phase", "build", *common, *(["--force"] if args.force else []))
    if built["forced"]:
        print("--force: truncated the org table (CASCADE)")
    print(
        f"built county tree: {built['orgs']:,} orgs in {built['tree_s']:.1f} s; wrote {built['rows']:,} rows "
        f"({built['by_code']:,} with the branch by code) to an xlsx of {built['xlsx_mib']:.1f} MiB "
        f"in {built['xlsx_s']:.1f} s"
    )
    loads = {}
    loads["raw"] = load()
    rawr = run_child("--phase", "raw", *common)
    loads["preview"] = load()
    prev = run_child("--phase", "preview", *common)
    if prev["summary"]["error_rows"]:
        print(f"preview found errors: {prev['summary']} e.g. {prev['problems']}")
    os.environ["BENCH_STEP"] = "preview"
    loads["run_preview"] = load()
    job1 = run_child("--phase", "commit", *common)
    os.environ["BENCH_STEP"], os.environ["BENCH_BATCH"] = "commit", str(job1["batch"])
    loads["commit"] = load()
    com = run_child("--phase", "commit", *common)
    loads["again"] = load()
    os.environ["BENCH_STEP"] = "again"
    again = run_child("--phase", "preview", *common)  # the same file once more: every row now on the roster

    n = args.rows
    written = com["written"]
    for key, value in (("created", written["created"]), *((k, com[k]) for k in ("members", "listed", "placements"))):
        assert value == n, f"{key}: {value:,} for {n:,} rows"

    def scaled(seconds):  # to the target size when run with fewer rows
        return seconds * TARGET_ROWS / n if n < TARGET_ROWS else seconds

    who = "as an org_admin of the root" if args.as_user else "user=None"
    print(f"\n== roster import of {n:,} rows, {backend}, {who} (seconds; peak RSS of the phase's own process)")
    print(f"{'phase':<34}{'seconds':>9}{'rows/s':>9}{'peak MiB':>10}{'load':>6}  target")
    raw_s = rawr["seconds"]
    print(
        f"{'raw lower bound (read + insert)':<34}{raw_s:>9.1f}{n / raw_s:>9,.0f}{rawr['peak_mib']:>10.0f}"
        f"{loads['raw']:>6}  (calamine read alone {rawr['read_s']:.1f} s; plain values, "
        f"{'COPY' if vendor == 'postgresql' else 'executemany'})"
    )
    mem_ok = prev["peak_mib"] < TARGET_PEAK_MIB
    prof = "n/a (under cProfile)"
    print(
        f"{'preview (read + validate)':<34}{prev['seconds']:>9.1f}{n / prev['seconds']:>9,.0f}{prev['peak_mib']:>10.0f}"
        f"{loads['preview']:>6}  memory < {TARGET_PEAK_MIB:.0f} MiB {'PASS' if mem_ok else 'MISS'}"
        + (f"; time {prof}" if args.profile == "preview" else "")
    )
    print(
        f"{'run_preview (the preview job)':<34}{job1['seconds']:>9.1f}{n / job1['seconds']:>9,.0f}{'':>10}"
        f"{loads['run_preview']:>6}"
    )
    target = TARGET_COMMIT_S[vendor]
    c_s = com["seconds"]
    ratio = c_s / raw_s
    verdicts = []
    if args.profile == "commit":
        verdicts.append(f"time {prof}")
    else:
        verdicts.append(f"≤ {target:.0f} s {'PASS' if scaled(c_s) <= target else 'MISS'}")
        verdicts.append(f"≤ {TARGET_RATIO:.0f}× raw {'PASS' if ratio <= TARGET_RATIO else 'MISS'} ({ratio:.1f}×)")
    c_mem_ok = com["peak_mib"] < TARGET_PEAK_MIB
    verdicts.append(f"memory {'PASS' if c_mem_ok else 'MISS'}")
    print(
        f"{'commit (re-check + write)':<34}{c_s:>9.1f}{n / c_s:>9,.0f}{com['peak_mib']:>10.0f}"
        f"{loads['commit']:>6}  " + "; ".join(verdicts)
    )
    both = job1["seconds"] + c_s
    print(
        f"{'preview job + commit':<34}{both:>9.1f}{n / both:>9,.0f}{'':>10}{'':>6}  "
        f"{both / raw_s:.1f}× raw (the whole import after the upload)"
    )
    if n < TARGET_ROWS:
        print(f"  (run with {n:,} rows: the time verdict is on {scaled(c_s):.1f} s projected to {TARGET_ROWS:,})")
    print(
        f"written: {written}; members {com['members']:,}, placements {com['placements']:,}, listed on the batch "
        f"{com['listed']:,}, batch items {com['items']:,}; sum of org member counters {com['org_member_count']:,}"
    )
    unchanged = again["summary"]["unchanged"]
    print(
        f"{'preview again (rows on the roster)':<34}{again['seconds']:>9.1f}{n / again['seconds']:>9,.0f}"
        f"{again['peak_mib']:>10.0f}{loads['again']:>6}  {unchanged:,} unchanged (phone, address decrypted); "
        f"memory {'PASS' if again['peak_mib'] < TARGET_PEAK_MIB else 'MISS'}"
    )
    print(f"load average at the end {load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
