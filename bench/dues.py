#!/usr/bin/env python
"""Benchmark of 党费 and 积分 on a demo database: one month's bills, the collection-rate overview, and the
year's points recomputed.

    .venv/bin/python bench/dues.py [--size county|city|province]

Builds the demo of that size (`dangjian demo --no-serve`; the county demo already holds twelve months of dues
and meetings, the city and province have neither) in a
fresh data dir (SQLite unless DATABASE_URL names a throwaway PostgreSQL database), then in a fresh process:
  1. `dues.actions.generate_bills` for the current month over the whole tree (targets: city on SQLite ≤ 10 s,
     province on PostgreSQL ≤ 60 s), then again (idempotent: nothing new);
  2. the collection-rate overview of the root as the county administrator sees it (`queries.collection`,
     `collection_by_child`, `collection_by_month`; target for the city ≤ 300 ms);
  3. `points.accrual.recompute` of the root for the year (target for the city ≤ 30 s), then again.
Prints the figures; asserts nothing (benchmarks are not tests).

Figures (county, SQLite, shared 2-core machine, 2026-11-26): demo build 68.6 s; bills for a new month
(46,505) 2.44 s, again 0.51 s; overview 444 ms; points for the year (446,565 entries) 29.4 s, again 13.4 s.
City and province not yet measured.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

TARGETS = {"bills": 10.0, "overview": 0.3, "points": 30.0}

MEASURE = r"""
import time
from django.utils import timezone
from dangjian.accounts.models import User
from dangjian.dues import actions, queries
from dangjian.orgs.models import Org
from dangjian.points import accrual

root = Org.objects.filter(parent__isnull=True).order_by("pk").first()
month = timezone.localdate().replace(day=1)
for label in ("bills (new month)", "bills (again)"):
    t = time.perf_counter()
    r = actions.generate_bills(root, month, actor=None)
    print(f"{label:<22} {time.perf_counter() - t:8.2f} s  created {r.created}, existing {r.existing}")
admin = User.objects.get(username="county_admin")
county = Org.objects.filter(name__endswith="县委员会").order_by("path").first()
t = time.perf_counter()
queries.collection(county, month, admin)
queries.collection_by_child(county, month, admin)
queries.collection_by_month(county, month, admin)
print(f"{'overview (county)':<22} {(time.perf_counter() - t) * 1000:8.0f} ms")
for label in ("points (year)", "points (again)"):
    t = time.perf_counter()
    r = accrual.recompute(root, month.year)
    print(f"{label:<22} {time.perf_counter() - t:8.2f} s  created {r['created']}, removed {r['removed']}")
"""


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--size", choices=["county", "city", "province"], default="county")
    args = p.parse_args()
    data_dir = tempfile.mkdtemp(prefix="bench-dues-")
    env = {**os.environ, "DANGJIAN_DATA_DIR": data_dir}
    env.pop("DANGJIAN_TASKS", None)
    cli = [sys.executable, "-m", "dangjian.cli"]
    try:
        t = time.perf_counter()
        build = [*cli, "demo", "--no-serve", "--size", args.size]
        subprocess.run(build, stdout=subprocess.DEVNULL, env=env, check=True)
        print(f"{'demo build':<22} {time.perf_counter() - t:8.1f} s  ({args.size})")
        subprocess.run([*cli, "manage", "shell", "-c", MEASURE], env=env, check=True)
        print("targets (city/province):", ", ".join(f"{k} ≤ {v}" for k, v in TARGETS.items()))
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
