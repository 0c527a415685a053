#!/usr/bin/env python
"""Benchmark of the roster export: 200,000 members through `write_roster_xlsx`, masked and unmasked.

    .venv/bin/python bench/export_roster.py [--rows N] [--profile]

Builds the demo county tree and N members (default 200,000, plus the ≈3% people on the way in that the
demo generator adds) with bulk inserts, their ID numbers, phones and addresses encrypted with
`Member.set_secret`, so that the export has to decrypt every one of them as it would in production.
Then it exports the whole roster of the county's 组织部管理员 (the roster's own filterset, order and scope,
`exporter.export_queryset`) twice, masked and unmasked, each in a fresh process so that its peak memory
(ru_maxrss) is its own. Target: an export of 200,000 rows in ≤ 60 s.

Without DATABASE_URL it runs on a throwaway SQLite file in a fresh temp dir (removed at the end). With
DATABASE_URL (PostgreSQL) the database must be a throwaway one without members. The data dir (secret key,
field keys) is always a fresh temp dir. `--profile` runs the masked export under cProfile and prints the
functions with the most cumulative and own time.
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
from datetime import date

TARGET_SECONDS = 60.0
TARGET_ROWS = 200_000
TODAY = date(2026, 5, 11)
BATCH = 2000


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rows", type=int, default=TARGET_ROWS, help="party members to generate (default 200,000)")
    p.add_argument("--profile", action="store_true", help="run the masked export under cProfile and print the top")
    p.add_argument("--phase", choices=["build", "export"], help=argparse.SUPPRESS)
    p.add_argument("--unmask", action="store_true", help=argparse.SUPPRESS)
    return p.parse_args()


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def setup_django():
    import django

    django.setup()


# ------------------------------------------------------------------ phases (each in its own process)


def build(args) -> dict:
    setup_django()
    from django.core.management import call_command
    from django.db import connection, transaction

    from dangjian.core.text import initials
    from dangjian.demo.generator import build as build_tree
    from dangjian.demo.members import generate_members
    from dangjian.demo.personas import ensure_personas
    from dangjian.members.models import Member
    from dangjian.orgs.actions import bulk_create_tree
    from dangjian.orgs.models import Org

    call_command("migrate", verbosity=0, interactive=False)
    if Member.objects.exists():
        raise SystemExit("refusing: the database already holds members; use a throwaway database")
    t0 = time.perf_counter()
    tree = build_tree("county")
    ids = bulk_create_tree([s.as_dict() for s in tree.specs], actor=None)
    root = Org.objects.get(pk=ids[tree.specs[0].key])
    ensure_personas(root, is_demo=False)
    t1 = time.perf_counter()
    plain = [
        "name",
        "sex",
        "ethnicity",
        "birth_date",
        "education",
        "occupation",
        "stage",
        "joined_on",
        "full_on",
        "job_title",
        "status",
        "is_lost_contact",
        "lost_contact_on",
        "lost_reason",
        "is_mobile",
        "mobile_destination",
        "mobile_since",
    ]
    batch: list[Member] = []
    n = 0
    with transaction.atomic():
        for row in generate_members(tree, seed=1, today=TODAY, total=args.rows):
            member = Member(org_id=ids[row["org_key"]], name_initials=initials(row["name"]))
            for field in plain:
                setattr(member, field, row[field])
            for field in ("id_number", "phone", "address"):
                member.set_secret(field, row[field])
            batch.append(member)
            if len(batch) >= BATCH:
                Member.objects.bulk_create(batch)
                n += len(batch)
                batch = []
        Member.objects.bulk_create(batch)
        n += len(batch)
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    t2 = time.perf_counter()
    return {"orgs": len(ids), "members": n, "tree_s": t1 - t0, "members_s": t2 - t1}


class Counter:
    """Stands in for core.tasks.Progress: counts the reports."""

    def __init__(self):
        self.calls = 0
        self.last = (0, 0)

    def report(self, done, total, phase="", *, force=False):
        self.calls += 1
        self.last = (done, total)


def export(args, tmpdir: str) -> dict:
    setup_django()
    from dangjian.accounts.models import User
    from dangjian.members import exporter

    user = User.objects.get(username="county_admin")
    queryset = exporter.export_queryset(user, {})
    path = os.path.join(tmpdir, f"roster-{'full' if args.unmask else 'masked'}.xlsx")
    rss_before = peak_mib()
    progress = Counter()
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    t0 = time.perf_counter()
    result = exporter.write_roster_xlsx(queryset, path, unmask=args.unmask, progress=progress)
    elapsed = time.perf_counter() - t0
    if profiler is not None:
        import pstats

        profiler.disable()
        stats = pstats.Stats(profiler, stream=sys.stderr)
        stats.sort_stats("cumulative").print_stats(25)
        stats.sort_stats("tottime").print_stats(25)
    size = os.path.getsize(path)
    os.unlink(path)
    return {
        "unmask": args.unmask,
        "profiled": args.profile,
        "rows": result["rows"],
        "seconds": elapsed,
        "bytes": size,
        "peak_mib": peak_mib(),
        "peak_before_mib": rss_before,
        "progress_reports": progress.calls,
        "progress_last": progress.last,
        "digest": result["digest"],
    }


def child(args) -> int:
    tmpdir = os.environ["DANGJIAN_DATA_DIR"]
    result = build(args) if args.phase == "build" else export(args, tmpdir)
    print("RESULT " + json.dumps(result))
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


def run(args, tmpdir: str) -> int:
    import platform
    import sqlite3

    backend = "PostgreSQL (DATABASE_URL)" if os.environ.get("DATABASE_URL") else f"SQLite {sqlite3.sqlite_version}"
    print(
        f"backend: {backend}; Python {platform.python_version()}; "
        f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs"
    )
    built = run_child("--phase", "build", "--rows", str(args.rows))
    print(
        f"built county tree: {built['orgs']:,} orgs in {built['tree_s']:.1f} s; "
        f"{built['members']:,} people (members + those on the way in) with encrypted ID/phone/address "
        f"in {built['members_s']:.1f} s"
    )
    runs = []
    for unmask in (False, True):
        extra = ["--phase", "export", "--rows", str(args.rows)]
        if unmask:
            extra.append("--unmask")
        if args.profile and not unmask:
            extra.append("--profile")
        runs.append(run_child(*extra))
    print(f"\n== roster export, {backend}; target: {TARGET_ROWS:,} rows in ≤ {TARGET_SECONDS:.0f} s")
    print(f"{'export':<10}{'rows':>10}{'seconds':>10}{'rows/s':>10}{'file MiB':>10}{'peak RSS MiB':>22}  target")
    ok = True
    for r in runs:
        # Scale to the target size when run with fewer rows, so the verdict is about 200,000 rows.
        projected = r["seconds"] * TARGET_ROWS / max(r["rows"], 1) if r["rows"] < TARGET_ROWS else r["seconds"]
        passed = projected <= TARGET_SECONDS
        if r["profiled"]:
            verdict = "n/a (under cProfile, which slows it down)"
        else:
            ok &= passed
            verdict = "PASS" if passed else "MISS"
            if r["rows"] < TARGET_ROWS:
                verdict += f" (projected {projected:.1f} s for {TARGET_ROWS:,})"
        print(
            f"{'unmasked' if r['unmask'] else 'masked':<10}{r['rows']:>10,}{r['seconds']:>10.1f}"
            f"{r['rows'] / r['seconds']:>10,.0f}{r['bytes'] / 2**20:>10.1f}"
            f"{r['peak_mib']:>8.0f} ({r['peak_before_mib']:.0f} at start)  {verdict}"
        )
    print(f"progress reports per export: {runs[0]['progress_reports']} (last {runs[0]['progress_last']})")
    print(f"load average at the end {os.getloadavg()[0]:.2f}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
