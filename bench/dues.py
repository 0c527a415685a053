#!/usr/bin/env python
"""Benchmark of 党费 and 积分 on a demo database: one month's bills, the collection-rate overview, and the
year's points recomputed.

    .venv/bin/python bench/dues.py [--size county|city|province] [--data-dir DIR]

Without --data-dir, builds the demo of that size (`dangjian demo --no-serve`) in a fresh data dir (SQLite unless
DATABASE_URL names a throwaway PostgreSQL database). The county demo holds twelve months of dues and meetings;
for the city the bench adds the same (a year of meetings via `demo.orglife.build_orglife`, a year of dues via
`demo.dues.build`). With --data-dir DIR an already built database is reused (DIR keeps the SQLite file and the
keys; with DATABASE_URL, a copy of the province demo). The province demo has no dues profiles: the bench gives
every member one, set-based (one INSERT … SELECT), before measuring. `--fresh` (with --data-dir, throwaway
copies only) first deletes the current month's unpaid bills and their totals, so that generation can be measured
again on the same copy. Then, in a fresh process:
  1. `dues.actions.generate_bills` for the current month over the whole tree (targets: city on SQLite ≤ 10 s,
     province on PostgreSQL ≤ 60 s), then again (idempotent: nothing new);
  2. the collection-rate overview of the county as its administrator sees it (`queries.collection`,
     `collection_by_child`, `collection_by_month`), median of 5 (target for the city ≤ 300 ms);
  3. `points.accrual.recompute` of the root for the year (target for the city ≤ 30 s), then again (not for the
     province, nor with --no-points).
Prints each figure with the 1/5/15-minute load averages before and after (the machine is shared), the process
CPU and, on PostgreSQL, the CPU of this connection's server process (`db cpu`, parallel workers not counted),
and the time of each phase of generation; asserts nothing. What decides the target is the wall time of
"bills (new month)" on an idle machine.

Figures: docs/dues.md (性能). Province on PostgreSQL (own copy of the province demo, 2,991,209 bills),
2026-11-26 on the shared 2-core machine: before, load 8.6: 234.0 s (process CPU 54.5 s), idle (lead): 109.3 s
(CPU 50.4 s); after the set-based generation, load 7.5–8.3: 71.9 s (process CPU 1.2 s, db cpu 30.9 s).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

TARGETS = {"bills": "city 10 s / province 60 s", "overview": "city 300 ms", "points": "city 30 s"}

ACTIVITY = r"""
import time
from datetime import date
from dangjian.demo import dues as dues_demo
from dangjian.demo.orglife import build_orglife
from dangjian.orgs.models import Org
root = Org.objects.filter(parent__isnull=True).order_by("pk").first()
t = time.perf_counter()
build_orglife(root, seed=20260515, today=date(2026, 11, 1))
dues_demo.build(root, seed=20260511, today=date(2026, 11, 1))
print(f"{'activity (a year)':<24} {time.perf_counter() - t:8.1f} s  meetings and dues")
"""

PROFILES = r"""
import os, time
from django.db import connection
from dangjian.dues.models import DuesProfile
from dangjian.members.models import Member
if not DuesProfile.objects.exists():
    t = time.perf_counter()
    with connection.cursor() as c:
        # Category from the occupation, a base spread over 2,400–14,000 by the member id: set-based.
        c.execute(
            "INSERT INTO dues_duesprofile (member_id, category, base, effective_from, note, created_at) "
            "SELECT id, CASE occupation WHEN 'farmer' THEN 'farmer' WHEN 'retired' THEN 'retired' "
            "WHEN 'student' THEN 'student' ELSE 'salaried' END, "
            "CASE WHEN occupation IN ('farmer', 'student') THEN 0 ELSE 2400 + (id * 7919) %% 11600 END, "
            "'2026-01-01', '', now() FROM members_member WHERE stage IN ('probationary', 'full')",
            [],
        )
    print(f"{'profiles (set-based)':<24} {time.perf_counter() - t:8.1f} s  {DuesProfile.objects.count()} rows")
"""

SYNTHETIC = r"""
import time
from django.db import connection
from dangjian.core.tree import label
from dangjian.members.models import Member
if not Member.objects.exists():
    t = time.perf_counter()
    with connection.cursor() as c:
        # One province committee over 100,000 branches, 3,000,000 members (2 % probationary): set-based.
        c.execute(
            "INSERT INTO orgs_org (id, name, short_name, name_initials, kind, sector, code, unit_name, unit_category, "
            "unit_credit_code, established_on, sort_order, path, depth, member_count, full_member_count, version, "
            "parent_id) VALUES (1, '中共合成省委员会', '', '', 'local_committee', '', 'P1', '', '', '', '2000-01-01', "
            "0, %s, 0, 0, 0, 1, NULL)", [label(1)])
        c.executemany(
            "INSERT INTO orgs_org (id, name, short_name, name_initials, kind, sector, code, unit_name, unit_category, "
            "unit_credit_code, established_on, sort_order, path, depth, member_count, full_member_count, version, "
            "parent_id) VALUES (%s, %s, '', '', 'branch', '', %s, '', '', '', '2000-01-01', 0, %s, 1, 0, 0, 1, 1)",
            [(i, f"第{i}党支部", f"B{i}", label(1) + label(i)) for i in range(2, 100_002)])
        c.execute(
            "INSERT INTO members_member (uid, name, name_initials, id_number_cipher, id_number_index, sex, ethnicity, "
            "birth_date, education, stage, joined_on, occupation, job_title, phone_cipher, address_cipher, status, "
            "exit_kind, is_lost_contact, lost_reason, is_mobile, mobile_destination, created_at, updated_at, version, "
            "org_id) SELECT gen_random_uuid(), 'M' || g, '', '', 'i' || g, 'male', '汉族', '1980-01-01', 'bachelor', "
            "CASE WHEN g %% 50 = 0 THEN 'probationary' ELSE 'full' END, '2000-07-01', "
            "(ARRAY['farmer', 'retired', 'worker', 'student', 'other'])[1 + g %% 5], '', '', '', 'normal', '', false, "
            "'', false, '', now(), now(), 1, 2 + g %% 100000 FROM generate_series(1, 3000000) g", [])
        c.execute("SELECT setval(pg_get_serial_sequence('orgs_org', 'id'), 100001)")
        c.execute("ANALYZE")
    print(f"{'synthetic province':<24} {time.perf_counter() - t:8.1f} s  {Member.objects.count()} members")
"""

FRESH = r"""
from django.db import connection
from django.utils import timezone
month = timezone.localdate().replace(day=1)
with connection.cursor() as c:
    c.execute("DELETE FROM dues_bill WHERE month = %s AND payment_id IS NULL", [month])
    gone = c.rowcount
    c.execute("DELETE FROM dues_billtotal WHERE month = %s", [month])
    if connection.vendor == "postgresql":
        c.execute("VACUUM ANALYZE dues_bill")
        c.execute("VACUUM ANALYZE dues_billtotal")
print(f"{'fresh month':<24} removed {gone} unpaid bills of {month:%Y-%m}", flush=True)
"""

MEASURE = r"""
import functools, os, statistics, time
from django.db import connection
from django.utils import timezone
from dangjian.accounts.models import User
from dangjian.dues import actions, billing, queries, totals
from dangjian.orgs.models import Org
from dangjian.points import accrual
from dangjian.stats import rollups

def load():
    return "load " + " ".join(f"{x:.1f}" for x in os.getloadavg())

def db_cpu():
    # CPU seconds of this connection's PostgreSQL backend (same machine): the database's share of the work.
    if connection.vendor != "postgresql":
        return None
    try:
        with connection.cursor() as c:
            c.execute("SELECT pg_backend_pid()")
            pid = c.fetchone()[0]
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return None

phases = {}
def timed(module, name, label):
    inner = getattr(module, name)
    @functools.wraps(inner)
    def wrapper(*args, **kwargs):
        t = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            phases[label] = phases.get(label, 0) + time.perf_counter() - t
    setattr(module, name, wrapper)

timed(billing, "insert_bills", "INSERT … SELECT")
timed(actions, "_hardship_bills", "hardship rows")
timed(totals, "refresh", "totals")
timed(rollups, "refresh_orgs", "stats (after commit)")

root = Org.objects.filter(parent__isnull=True).order_by("pk").first()
month = timezone.localdate().replace(day=1)
for label in ("bills (new month)", "bills (again)"):
    phases.clear()
    before = load()
    d0 = db_cpu()
    t, c = time.perf_counter(), time.process_time()
    r = actions.generate_bills(root, month, actor=None)
    wall, cpu = time.perf_counter() - t, time.process_time() - c
    d1 = db_cpu()
    db = f"  db cpu {d1 - d0:6.2f} s" if d0 is not None and d1 is not None else ""
    print(f"{label:<24} {wall:8.2f} s  cpu {cpu:6.2f} s{db}  created {r.created}, existing {r.existing}, "
          f"no profile {r.missing_count}  ({before} before, {load()} after)", flush=True)
    print(" " * 26 + "phases: " + ", ".join(f"{k} {v:.2f} s" for k, v in phases.items()), flush=True)
if os.environ.get("BENCH_OVERVIEW", "1") == "1":
    admin = User.objects.get(username="county_admin")
    county = Org.objects.filter(name__endswith="县委员会").order_by("path").first()
    runs = []
    for _ in range(5):
        t = time.perf_counter()
        queries.collection(county, month, admin)
        queries.collection_by_child(county, month, admin)
        queries.collection_by_month(county, month, admin)
        runs.append(time.perf_counter() - t)
    print(f"{'overview (county)':<24} {statistics.median(runs) * 1000:8.0f} ms median of 5, "
          f"min {min(runs) * 1000:.0f} ms  ({load()})", flush=True)
if os.environ.get("BENCH_POINTS", "1") == "1":
    for label in ("points (year)", "points (again)"):
        t, c = time.perf_counter(), time.process_time()
        r = accrual.recompute(root, month.year)
        print(f"{label:<24} {time.perf_counter() - t:8.2f} s  cpu {time.process_time() - c:6.2f} s  "
              f"created {r['created']}, removed {r['removed']}  ({load()})", flush=True)
"""


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--size", choices=["county", "city", "province"], default="county")
    p.add_argument("--data-dir", help="reuse the demo database already built in this data dir")
    p.add_argument("--synthetic", action="store_true",
                   help="province: fill an empty migrated PostgreSQL database with a synthetic province")  # fmt: skip
    p.add_argument("--fresh", action="store_true",
                   help="with --data-dir: first delete the current month's unpaid bills and their totals, so that "
                        "generation is measured again (throwaway copies only)")  # fmt: skip
    p.add_argument("--no-points", action="store_true", help="skip the points recomputation")
    args = p.parse_args()
    data_dir = args.data_dir or tempfile.mkdtemp(prefix="bench-dues-")
    env = {**os.environ, "DANGJIAN_DATA_DIR": data_dir}
    env.pop("DANGJIAN_TASKS", None)
    cli = [sys.executable, "-m", "dangjian.cli"]
    try:
        if not args.data_dir:
            t = time.perf_counter()
            build = [*cli, "demo", "--no-serve", "--size", args.size]
            subprocess.run(build, stdout=subprocess.DEVNULL, env=env, check=True)
            print(f"{'demo build':<24} {time.perf_counter() - t:8.1f} s  ({args.size})")
            if args.size == "city":
                subprocess.run([*cli, "manage", "shell", "-c", ACTIVITY], env=env, check=True)
        else:
            subprocess.run([*cli, "manage", "migrate", "-v", "0"], env=env, check=True)
        if args.synthetic:
            subprocess.run([*cli, "manage", "shell", "-c", SYNTHETIC], env=env, check=True)
            env["BENCH_POINTS"] = env["BENCH_OVERVIEW"] = "0"
        if args.size == "province":
            subprocess.run([*cli, "manage", "shell", "-c", PROFILES], env=env, check=True)
            env["BENCH_POINTS"] = "0"  # the points target is the city's
        if args.no_points:
            env["BENCH_POINTS"] = "0"
        if args.fresh:
            if not args.data_dir:
                p.error("--fresh only with --data-dir")
            subprocess.run([*cli, "manage", "shell", "-c", FRESH], env=env, check=True)
        subprocess.run([*cli, "manage", "shell", "-c", MEASURE], env=env, check=True)
        print("targets:", ", ".join(f"{k} ≤ {v}" for k, v in TARGETS.items()))
    finally:
        if not args.data_dir:
            shutil.rmtree(data_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
