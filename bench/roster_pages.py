#!/usr/bin/env python
"""Benchmark of the roster list page (`members:list`, RosterView) on a city or province roster.

    .venv/bin/python bench/roster_pages.py [--size city|province] [--repeat N] [--budget SECONDS]
                                           [--data-dir DIR] [--reuse] [--force] [--explain]

Builds the demo tree of `--size` (default: city on SQLite, province on PostgreSQL) and its roster with
`demo.members.generate_members` + `members.actions.bulk_add_members` (city ≈ 195,000 party members,
province ≈ 3,000,000, plus the ≈3% people on the way in), in batches of 20,000 each committed on its own,
stopping after `--budget` seconds (default 900) if the roster is not complete by then: the figures then
say how many members were built. Then, through the Django test client, logged in as an org_admin of the
root (accounts.actions.create_user + assign_role), it times `--repeat` (default 30) requests of each of:

  whole tree        no filter (default order: org path, pinyin initials)
  whole tree, name  sorted by name (?sort=name)
  county + filters  one county's subtree, stage=full, age band 41–45, sex=female
  branch + filters  one 党支部 (the largest), same filters
  initials search   ?q=<a member's full pinyin initials>
  ID number search  ?q=<a member's 18-digit ID number>

and prints p50/p95 in ms (target p95 ≤ 300 ms). It also records the SQL of one load of each page with
CaptureQueriesContext, prints the queries of the whole-tree page, and checks that no query counts
members (COUNT over members_member) without a narrowing WHERE when more than 1,000,000 are in scope.
`--explain` prints the plan of each page's list query.

Without DATABASE_URL it uses SQLite in a throwaway data dir. With DATABASE_URL (PostgreSQL) it refuses
a database that already holds orgs unless --reuse or --force (TRUNCATE the org table CASCADE first).
`--data-dir DIR` keeps the data dir (the field keys, and the SQLite file) so that a later run with the
same DIR and `--reuse` skips the build (the ID number search needs the keys the roster was written with).
"""

from __future__ import annotations

import argparse
import math
import os
import re
import shutil
import statistics
import sys
import tempfile
import time

TARGET_P95_MS = 300.0
BATCH = 20_000
USERNAME = "bench_roster_admin"
PASSWORD = "Bench#Roster2026"


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--size", choices=["city", "province"], help="default: city on SQLite, province on PostgreSQL")
    p.add_argument("--repeat", type=int, default=30, help="timed requests per page (default 30)")
    p.add_argument("--budget", type=float, default=900.0, help="seconds for building the roster (default 900)")
    p.add_argument(
        "--data-dir", help="keep the data dir (field keys; the SQLite file) here instead of a temp dir, for --reuse"
    )
    p.add_argument("--reuse", action="store_true", help="use the roster an earlier run built (same size)")
    p.add_argument("--force", action="store_true", help="PostgreSQL: TRUNCATE existing orgs (CASCADE) first")
    p.add_argument("--explain", action="store_true", help="print the plan of each page's list query")
    args = p.parse_args()
    if args.repeat < 1:
        p.error("--repeat must be ≥ 1")
    return args


def stats(samples: list[float]) -> tuple[float, float]:
    """(median, p95) in ms; p95 is the nearest-rank percentile."""
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def load() -> str:
    return f"{os.getloadavg()[0]:.2f}"


def main() -> int:
    args = parse_args()
    keep = bool(args.data_dir)
    tmpdir = os.path.abspath(args.data_dir) if keep else tempfile.mkdtemp(prefix="dangjian-bench-")
    os.makedirs(tmpdir, exist_ok=True)
    # Before Django is imported: settings create the data dir, the keys and (without DATABASE_URL)
    # the SQLite file there.
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
        if not keep:
            shutil.rmtree(tmpdir, ignore_errors=True)


# ------------------------------------------------------------------ build


def build_roster(args, size: str, vendor: str) -> dict:
    from django.db import connection
    from django.db.models import Sum
    from django.utils import timezone

    from dangjian.demo.generator import build
    from dangjian.demo.members import generate_members, target_total
    from dangjian.members.actions import bulk_add_members
    from dangjian.members.models import Member
    from dangjian.orgs.actions import bulk_create_tree
    from dangjian.orgs.models import Org

    tree = build(size)
    root_spec = tree.specs[0]
    if Org.objects.exists():
        root = Org.objects.filter(parent__isnull=True).first()
        if args.reuse and root is not None and root.code == root_spec.code and root.name == root_spec.name:
            members = Member.objects.count()
            total = Org.objects.aggregate(n=Sum("member_count"))["n"] or 0
            return {"reused": True, "orgs": Org.objects.count(), "people": members, "members": total, "root": root}
        if vendor != "postgresql" or not args.force:
            raise SystemExit(
                "refusing: the database already holds orgs (of another size?); use a throwaway database, "
                "--reuse for a roster built by this script, or --force (PostgreSQL)"
            )
        with connection.cursor() as cur:
            cur.execute(f"TRUNCATE TABLE {Org._meta.db_table} RESTART IDENTITY CASCADE")
        print("--force: truncated the org table (CASCADE)")
    t0 = time.perf_counter()
    ids = bulk_create_tree([s.as_dict() for s in tree.specs], actor=None)
    orgs = Org.objects.in_bulk(list(ids.values()))
    t1 = time.perf_counter()
    print(f"built the {size} tree: {len(ids):,} orgs in {t1 - t0:.1f} s (load {load()})", flush=True)
    today = timezone.localdate()
    target = target_total(size)
    people = 0
    batch: list = []
    complete = True
    for row in generate_members(tree, seed=20260513, today=today, total=target):
        batch.append((orgs[ids[row.pop("org_key")]], row))
        if len(batch) >= BATCH:
            people += len(bulk_add_members(batch, actor=None))
            batch = []
            elapsed = time.perf_counter() - t1
            if people % (10 * BATCH) == 0:
                print(f"  {people:,} people in {elapsed:.0f} s (load {load()})", flush=True)
            if elapsed > args.budget:
                complete = False
                break
    if batch and complete:
        people += len(bulk_add_members(batch, actor=None))
    t2 = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE" if vendor == "postgresql" else "ANALYZE")
    t3 = time.perf_counter()
    members = Org.objects.aggregate(n=Sum("member_count"))["n"] or 0
    root = Org.objects.get(pk=ids[root_spec.key])
    return {
        "reused": False,
        "orgs": len(ids),
        "people": people,
        "members": members,
        "target": target,
        "complete": complete,
        "members_s": t2 - t1,
        "analyze_s": t3 - t2,
        "root": root,
    }


def ensure_user(root):
    from dangjian.accounts.actions import assign_role, create_user
    from dangjian.accounts.models import Role, User

    user = User.objects.filter(username=USERNAME).first()
    if user is None:
        user, _ = create_user(USERNAME, actor=None, password=PASSWORD)
    role = Role.objects.get(code="org_admin")
    if not user.assignments.filter(role=role, org=root).exists():
        assign_role(user, role, root, actor=None)
    if user.must_change_password:  # a new account must change its password first (IA-06): not what is timed
        User.objects.filter(pk=user.pk).update(must_change_password=False)
        user.must_change_password = False
    return user


# ------------------------------------------------------------------ pages


MEMBERS_TABLE = "members_member"


def count_queries(sql_list: list[str]) -> list[str]:
    """The COUNT queries over the members table."""
    return [s for s in sql_list if re.search(r"COUNT\(", s, re.I) and MEMBERS_TABLE in s]


def unnarrowed(sql: str) -> bool:
    """A COUNT over members whose only conditions are the scope (org path range) and the default
    status/stage filters: it would count every member in scope."""
    where = sql.split(" WHERE ", 1)[1] if " WHERE " in sql else ""
    narrowing = (
        "birth_date",
        "name_initials",
        "id_number_index",
        '"sex"',
        "joined_on",
        "education",
        "occupation",
        "ethnicity",
        "is_mobile",
        "is_lost_contact",
        "sector",
        '"name"',
    )
    return not any(n in where for n in narrowing)


def run(args, tmpdir: str) -> int:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from dangjian.members.models import Member
    from dangjian.members.queries import EXACT_COUNT_LIMIT
    from dangjian.orgs.models import Org, OrgKind

    vendor = connection.vendor
    size = args.size or ("province" if vendor == "postgresql" else "city")
    call_command("migrate", verbosity=0, interactive=False)
    if vendor == "sqlite":
        import sqlite3

        backend = f"SQLite {sqlite3.sqlite_version}"
    else:
        with connection.cursor() as cur:
            cur.execute("SELECT version()")
            backend = cur.fetchone()[0].split(" on ")[0]
    print(f"backend: {backend}; data dir {tmpdir}; load average {load()} on {os.cpu_count()} CPUs", flush=True)

    built = build_roster(args, size, vendor)
    root = built["root"]
    if built["reused"]:
        print(f"reused: {built['orgs']:,} orgs, {built['people']:,} people, {built['members']:,} party members")
    else:
        print(
            f"built the roster: {built['people']:,} people ({built['members']:,} party members; the full "
            f"{size} has {built['target']:,}) in {built['members_s']:.0f} s"
            + ("" if built["complete"] else f" — STOPPED at the {args.budget:.0f} s budget")
            + f"; ANALYZE {built['analyze_s']:.1f} s"
        )
    user = ensure_user(root)
    if "testserver" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    client.force_login(user)
    from dangjian.security.actions import VERIFIED_SESSION_KEY

    session = client.session  # an admin's session passes the second factor first (as conftest's client_as)
    session[VERIFIED_SESSION_KEY] = True
    session.save()

    # ------------------------------------------------------------------ the pages' parameters
    local = Org.objects.filter(kind=OrgKind.LOCAL_COMMITTEE)
    county_depth = max(local.values_list("depth", flat=True))
    counties = local.filter(depth=county_depth).order_by("path")
    county = None
    for c in counties:  # the first county with members (a partial build fills the first ones)
        if Org.objects.filter(path__in_subtree=c.path, member_count__gt=0).exists():
            county = c
            break
    branch = Org.objects.filter(kind__in=["branch", "joint_branch"]).order_by("-member_count", "path").first()
    members = Member.objects.filter(stage="full").order_by("pk")
    sample = members[members.count() // 2]
    id_number = sample.get_secret("id_number")
    filters = "&stage=full&age_band=41_45&sex=female"
    url = reverse("members:list")
    pages = [
        ("whole tree", f"{url}"),
        ("whole tree, sort=name", f"{url}?sort=name"),
        (f"county + filters ({county.name[:12]})", f"{url}?subtree={county.pk}{filters}"),
        (f"branch + filters ({branch.member_count} members)", f"{url}?subtree={branch.pk}{filters}"),
        (f"initials search q={sample.name_initials}", f"{url}?q={sample.name_initials}"),
        ("ID number search", f"{url}?q={id_number}"),
    ]
    in_scope = Org.objects.filter(path__in_subtree=root.path).values_list("member_count", flat=True)
    in_scope_total = sum(in_scope)

    # ------------------------------------------------------------------ one load each, with its SQL
    captured = {}
    for label, page_url in pages:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(page_url)
        assert response.status_code == 200, (label, response.status_code)
        count = re.search(r'id="roster-count">([^<]*)<', response.content.decode())
        captured[label] = ([q["sql"] for q in ctx.captured_queries], count.group(1) if count else "?")
    print(f"\nSQL of one load of the whole-tree page ({len(captured['whole tree'][0])} queries):")
    for sql in captured["whole tree"][0]:
        print("  " + (sql if len(sql) < 700 else sql[:700] + f" … ({len(sql)} chars)"))

    # ------------------------------------------------------------------ timings
    results = []
    for label, page_url in pages:
        client.get(page_url)  # warm
        samples = []
        for _ in range(args.repeat):
            s = time.perf_counter()
            response = client.get(page_url)
            samples.append((time.perf_counter() - s) * 1000)
            assert response.status_code == 200
        results.append((label, stats(samples), load()))

    if args.explain:
        print_plans(client, pages, connection)

    # ------------------------------------------------------------------ summary
    print(
        f"\n== roster page, {backend} — {size}: {in_scope_total:,} party members in the admin's scope "
        f"(exact count limit {EXACT_COUNT_LIMIT:,}); {args.repeat} requests each, ms"
    )
    print(f"{'page':<44}{'p50':>8}{'p95':>8}{'load':>6}  {'queries':>7}  count shown        target")
    ok = True
    for (label, (p50, p95), ld), (sqls, shown) in zip(results, captured.values(), strict=True):
        passed = p95 <= TARGET_P95_MS
        ok &= passed
        print(
            f"{label:<44}{p50:>8.1f}{p95:>8.1f}{ld:>6}  {len(sqls):>7}  {shown:<17}"
            f"p95 ≤ {TARGET_P95_MS:.0f} {'PASS' if passed else 'MISS'}"
        )
    print("\nCOUNT queries over members_member, per page:")
    count_ok = True
    for label, (sqls, _shown) in captured.items():
        counts = count_queries(sqls)
        if not counts:
            print(f"  {label}: none")
        for sql in counts:
            bad = unnarrowed(sql) and in_scope_total > EXACT_COUNT_LIMIT and "subtree" not in label
            count_ok &= not bad
            short = sql if len(sql) < 300 else sql[:300] + " …"
            print(f"  {label}: {'UNNARROWED ' if bad else ''}{short}")
    if in_scope_total > EXACT_COUNT_LIMIT:
        print(
            f"no exact COUNT over more than {EXACT_COUNT_LIMIT:,} members without a narrowing filter: "
            f"{'PASS' if count_ok else 'MISS'}"
        )
    else:
        print(f"(scope of {in_scope_total:,} ≤ {EXACT_COUNT_LIMIT:,}: exact counts are expected here)")
    print(f"load average at the end {load()}")
    return 0 if ok and count_ok else 1


def print_plans(client, pages, connection) -> None:
    """EXPLAIN of each page's list query (the one with LIMIT), as the page sent it."""
    from django.test.utils import CaptureQueriesContext

    for label, page_url in pages:
        with CaptureQueriesContext(connection) as ctx:
            client.get(page_url)
        lists = [q["sql"] for q in ctx.captured_queries if " LIMIT " in q["sql"] and MEMBERS_TABLE in q["sql"]]
        if not lists:
            continue
        sql = lists[-1]
        prefix = "EXPLAIN (ANALYZE, BUFFERS) " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
        with connection.cursor() as cur:
            cur.execute(prefix + sql)
            plan = cur.fetchall()
        print(f"\nEXPLAIN — {label}:\n  {sql[:400]}{' …' if len(sql) > 400 else ''}")
        for row in plan:
            print("  " + (row[0] if connection.vendor == "postgresql" else " | ".join(str(x) for x in row)))


if __name__ == "__main__":
    sys.exit(main())
