#!/usr/bin/env python
"""CPU per page, in-process: the pages of the load mix through Django's test client, no server, no network.

    .venv/bin/python bench/pages.py --data-dir /tmp/load-perf [--repeat 30] [--profile "roster list"]

Uses the demo built by bench/load.py in the data dir (demo mode, as under `dangjian serve` there). Each
persona of the load mix logs in through the real login form; every page of the mix is requested
`--repeat` times after two warm-up requests, and the median CPU time (process_time: this process only,
so other load on the shared machine barely moves it) and wall time are printed per page, with the number of
SQL statements per request and, on PostgreSQL, the mean CPU of the database backend serving this process
(`pg ms`, from /proc of the backend's pid: the server runs on this machine; one persistent connection,
`DANGJIAN_DB_POOL=0`, so that every statement runs in the same backend). `--profile KIND`
prints a cProfile of that page (cumulative, top 35) over the repeats.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "Dangjian@2026"


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data-dir", required=True)
    p.add_argument("--repeat", type=int, default=30)
    p.add_argument("--profile", default="", help="kind of page to profile (as printed)")
    p.add_argument("--sort", default="cumulative", help="cProfile sort key (cumulative, tottime)")
    p.add_argument("--persona", default="", help="only this persona (county_admin, town_secretary, …)")
    return p.parse_args(argv)


def main() -> int:
    args = parse_args()
    os.environ.update(
        DANGJIAN_DATA_DIR=args.data_dir,
        DJANGO_SETTINGS_MODULE="dangjian.settings",
        DANGJIAN_DEMO="1",
        DANGJIAN_RATE_LOGIN="100000/m",
        DANGJIAN_RATE_SEARCH="100000/m",
        DANGJIAN_RATE_API="100000/m",
    )
    os.environ.setdefault("DANGJIAN_DB_POOL", "0")  # one backend for the whole run: its CPU is measurable
    sys.path.insert(0, str(ROOT / "bench"))
    import django

    django.setup()
    import load  # the mix and the targets of the load benchmark
    from django.test import Client

    ids = load.prepare()
    personas = [args.persona] if args.persona else load.PERSONAS
    print(f"== CPU per page in-process, median of {args.repeat}, load average {os.getloadavg()[0]:.2f}")
    print(f"{'persona':<18}{'kind':<22}{'cpu ms':>8}{'pg ms':>7}{'sql':>5}{'wall ms':>9}{'bytes':>8}")
    for username in personas:
        client = Client(HTTP_HOST="127.0.0.1")
        page = client.get("/accounts/login/")
        assert page.status_code == 200, page.status_code
        res = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
        assert res.status_code == 302, (username, res.status_code)
        pages = [(kind, build) for _w, kind, build in load.mix(ids, username) if build is not None and _w]
        r = random.Random(1)
        for kind, build in pages:
            for _ in range(2):
                client.get(build(r))
            measure(args, username, kind, lambda b=build, c=client, r=r: c.get(b(r)))
        if username == "village_secretary":
            sign_in(args, client, ids)
    weighted(load.mix_shares(ids))


RESULTS: dict[str, list[tuple[float, float, float]]] = {}  # kind → (cpu ms, pg ms, statements) per persona


def weighted(shares: dict[str, float]) -> None:
    """CPU per request of the whole mix: each kind's mean over the personas measured, weighted by its share."""
    have = {kind: share for kind, share in shares.items() if RESULTS.get(kind)}
    if not have:
        return
    norm = sum(have.values())
    app, pg, sql = (
        sum(share * statistics.mean(r[i] for r in RESULTS[kind]) for kind, share in have.items()) / norm
        for i in range(3)
    )
    print(
        f"weighted by the mix ({len(have)} kinds): {app:.1f} ms CPU in Django + {pg:.1f} ms in PostgreSQL "
        f"= {app + pg:.1f} ms per request, {sql:.1f} SQL statements"
    )


def backend_cpu() -> float:
    """CPU seconds used so far by the PostgreSQL backend of this thread's connection (0 on SQLite)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(args, username, kind, call):
    from django.db import connection

    cpu, wall, sql, size = [], [], [], 0
    statements = [0]

    def count(execute, *a):
        statements[0] += 1
        return execute(*a)

    profiler = cProfile.Profile(time.process_time) if args.profile == kind else None
    pg0 = backend_cpu()
    for _ in range(args.repeat):
        statements[0] = 0
        c0, w0 = time.process_time(), time.perf_counter()
        if profiler:
            profiler.enable()
        with connection.execute_wrapper(count):
            res = call()
        if profiler:
            profiler.disable()
        cpu.append((time.process_time() - c0) * 1000)
        wall.append((time.perf_counter() - w0) * 1000)
        sql.append(statements[0])
        size = len(res.content)
        if not 200 <= res.status_code < 400:
            print(f"  ! {res.status_code} {kind}")
    pg = (backend_cpu() - pg0) * 1000 / args.repeat
    RESULTS.setdefault(kind, []).append((statistics.median(cpu), pg, statistics.median(sql)))
    print(
        f"{username:<18}{kind:<22}{statistics.median(cpu):>8.1f}{pg:>7.1f}{statistics.median(sql):>5.0f}"
        f"{statistics.median(wall):>9.1f}{size:>8}"
    )
    if profiler:
        pstats.Stats(profiler).sort_stats(args.sort).print_stats(int(os.environ.get("BENCH_PROFILE_LINES", "35")))


def sign_in(args, secretary, ids):
    """QR sign-in: the secretary's fresh code, the member's page and confirmation (one pair per repeat)."""
    import load
    from django.test import Client

    meetings, accounts = ids["sign_in"]["meetings"], ids["sign_in"]["accounts"]
    pairs = iter([(a, m) for m in meetings for a in accounts])
    members = {}
    tokens = []

    def code():
        account, meeting = next(pairs)
        res = secretary.get(f"/orglife/{meeting}/qr/code/")
        tokens.append((account, load.TOKEN.search(res.content)[1].decode()))
        return res

    def member(account):
        if account not in members:
            members[account] = c = Client(HTTP_HOST="127.0.0.1")
            c.get("/accounts/login/")
            c.post("/accounts/login/", {"username": account, "password": PASSWORD})
        return members[account]

    measure(args, "village_secretary", "sign-in: QR code", code)
    done = list(tokens)
    for account, _token in done:
        member(account)
    it = iter(done)
    measure(args, "load_m…", "sign-in: page", lambda: (lambda a, t: member(a).get(f"/orglife/sign-in/{t}/"))(*next(it)))
    it = iter(done)
    measure(
        args, "load_m…", "sign-in: confirm", lambda: (lambda a, t: member(a).post(f"/orglife/sign-in/{t}/"))(*next(it))
    )


if __name__ == "__main__":
    sys.exit(main())
