#!/usr/bin/env python
"""Benchmark of the recruitment overview (发展党员总览) on the city demo.

    .venv/bin/python bench/recruitment.py [--repeat N] [--data-dir DIR] [--reuse]

Builds the city demo (`dangjian manage demo --size city`, which writes the recruitment pipeline of
`demo/recruitment.py`) in a throwaway SQLite data dir (or `--data-dir`, kept for `--reuse`), then, as an
org_admin of the root, times `--repeat` (default 20) runs of:

  overview    counts per stage per org (first page of 50 orgs) + totals (overdue, rule broken, intake)
              for the whole city — target ≤ 300 ms
  overdue     the list of overdue open cases for the whole city (first 500) — target ≤ 200 ms
  page        the overview page through the Django test client (GET /recruitment/overview/?overdue=1)

and prints p50/p95 in ms with the number of cases, and the SQL of one overview run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--repeat", type=int, default=20)
    p.add_argument("--data-dir")
    p.add_argument("--reuse", action="store_true")
    return p.parse_args()


def timed(fn, repeat):
    """Wall-clock p50/p95 and the median CPU time of this process (SQLite runs in-process, so the CPU time is
    the work itself; on a loaded shared machine the wall clock mostly measures the wait for a core)."""
    samples, cpu = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    samples.sort()
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)], statistics.median(cpu)


def main():
    args = parse_args()
    data_dir = args.data_dir or tempfile.mkdtemp(prefix="bench_recruit_")
    os.environ["DANGJIAN_DATA_DIR"] = data_dir
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangjian.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from dangjian.accounts import actions as account_actions
    from dangjian.accounts.models import Role, User
    from dangjian.orgs.models import Org
    from dangjian.recruitment import queries
    from dangjian.recruitment.models import RecruitmentCase

    if not (args.reuse and Org.objects.exists()):
        t0 = time.perf_counter()
        call_command("demo", size="city", quiet=True)
        print(f"built the city demo in {time.perf_counter() - t0:.0f} s ({data_dir})")
    root = Org.objects.get(parent__isnull=True)
    user = User.objects.filter(username="bench_recruit").first()
    if user is None:
        user, _ = account_actions.create_user("bench_recruit", actor=None, password="Bench#Recruit2026")
        account_actions.assign_role(user, Role.objects.get(code="org_admin"), root, actor=None)
    today = timezone.localdate()
    cases = RecruitmentCase.objects.count()
    print(f"cases: {cases}, orgs: {Org.objects.count()}, today: {today}")

    def overview():
        fresh = User.objects.get(pk=user.pk)  # grants are cached per user object (per request)
        rows = queries.counts_per_org(fresh)[:50]
        totals = queries.totals(fresh, today)
        return rows, totals

    def overdue():
        return queries.overdue(User.objects.get(pk=user.pk), today)

    with CaptureQueriesContext(connection) as ctx:
        rows, totals = overview()
    print(f"overview: {len(rows)} orgs shown, totals {totals}; {len(ctx.captured_queries)} queries")
    for q in ctx.captured_queries:
        print("   ", q["sql"][:300])
    from django.conf import settings

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    # The page is measured, not the login: the org_admin bench account is not asked to enrol a second factor.
    settings.TWO_FACTOR_REQUIRED_ROLES, settings.TWO_FACTOR_REQUIRED_FOR_ALL = [], False
    client = Client()
    client.force_login(user)
    assert client.get("/recruitment/overview/?overdue=1").status_code == 200

    from dangjian.recruitment.models import LocalOption

    if not LocalOption.objects.filter(code="DEV-P8", effective_from__year=today.year).exists():
        from dangjian.demo.recruitment import _quotas

        _quotas(today)

    def quotas():
        return queries.quotas(User.objects.get(pk=user.pk), today.year)

    print(f"quotas: {[(q['org_name'], q['intake'], q['quota'], q['state']) for q in quotas()][:5]}")
    results = [
        ("overview (counts per stage per org + totals)", overview, 300),
        ("quotas of the year (intake against DEV-P8)", quotas, None),
        ("overdue list", overdue, 200),
        ("overview page (?overdue=1)", lambda: client.get("/recruitment/overview/?overdue=1"), None),
    ]
    for label, fn, target in results:
        p50, p95, cpu = timed(fn, args.repeat)
        verdict = "" if target is None else (" OK" if p95 <= target else f" OVER the {target} ms target")
        load = "/".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"{label:48s} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  cpu {cpu:7.1f} ms{verdict}  (load average {load})")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
    sys.exit(main())
