#!/usr/bin/env python
"""Load benchmark: concurrent users against `dangjian serve` on this machine.

    .venv/bin/python bench/load.py --data-dir /tmp/load-county [--size county] [--users 50] [--seconds 60]
    DATABASE_URL=postgres://… .venv/bin/python bench/load.py --data-dir /tmp/load-city --size city

Builds the demo of `--size` into the data dir unless it is already there (`dangjian demo --no-serve`), starts
`dangjian serve` in demo mode (DANGJIAN_DEMO=1, so that the demo personas may log in; granian, `--workers`,
default 2) on a free port, logs in `--users` sessions through the real
login form (a third each as the county administrator, a township secretary and a village secretary), then
runs every session in its own thread for `--seconds`, each request chosen from the mix below with its
weight, no think time. Prints requests/s, p50/p95/p99 per kind and overall, every non-2xx/3xx answer, and
the verdict against issue 8's target: ≥ 100 requests/s with p95 ≤ 500 ms and zero errors for 50 users.

The client runs on the same 2 CPUs as the server (its share is printed as the client's CPU seconds), so the
figures are a lower bound of what the server alone does.

Standard library only (threads + http.client keep-alive connections).
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import resource
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
DANGJIAN = ROOT / ".venv" / "bin" / "dangjian"
PASSWORD = "Dangjian@2026"
TARGET_RPS, TARGET_P95_MS = 100, 500


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data-dir", required=True, help="data dir of the demo (built when empty)")
    p.add_argument("--size", default="county", choices=["county", "city", "province"])
    p.add_argument("--users", type=int, default=50)
    p.add_argument("--seconds", type=float, default=60)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--seed", type=int, default=7)
    return p.parse_args(argv)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ensure_demo(args, env) -> None:
    marker = Path(args.data_dir) / f".load-demo-{args.size}"
    if marker.exists():
        return
    t0 = time.perf_counter()
    subprocess.run([str(DANGJIAN), "demo", "--no-serve", "--reset", "--size", args.size], env=env, check=True)
    print(f"built the {args.size} demo in {time.perf_counter() - t0:.0f} s")
    marker.write_text("ok")


def targets(env) -> dict:
    """Ids the mix needs, read once from the database (a child process with the same settings)."""
    code = r"""
import json, django
django.setup()
from dangjian.members.models import Member
from dangjian.orgs.models import Org
from dangjian.demo.personas import PERSONAS
from dangjian.accounts.models import RoleAssignment
orgs = {}
for p in PERSONAS:
    ra = RoleAssignment.objects.filter(user__username=p.username).select_related("org").first()
    if ra:
        orgs[p.username] = ra.org_id
out = {"orgs": orgs, "members": {}}
for username, org_id in orgs.items():
    org = Org.objects.get(pk=org_id)
    ids = list(Member.objects.filter(org__path__in_subtree=org.path).order_by("pk").values_list("pk", flat=True)[:200])
    out["members"][username] = ids
print(json.dumps(out))
"""
    import json

    res = subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "-c", code], env=env, capture_output=True, text=True)
    if res.returncode:
        sys.exit(res.stderr)
    return json.loads(res.stdout.strip().splitlines()[-1])


class Session:
    def __init__(self, port: int, username: str):
        self.port, self.username = port, username
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()), "Host": "127.0.0.1"}
        data = None
        if body is not None:
            data = urlencode(body).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://127.0.0.1:{self.port}{path}"
            if "csrftoken" in self.cookies:
                headers["X-CSRFToken"] = self.cookies["csrftoken"]
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=data, headers=headers)
                response = self.conn.getresponse()
                payload = response.read()
                break
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                if attempt:
                    raise
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return response.status, payload

    def login(self) -> None:
        status, page = self.request("GET", "/accounts/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if status != 200 or token is None:
            raise RuntimeError(f"login page: {status}")
        status, _ = self.request(
            "POST",
            "/accounts/login/",
            {"username": self.username, "password": PASSWORD, "csrfmiddlewaretoken": token[1].decode()},
        )
        if status != 302:
            raise RuntimeError(f"login of {self.username}: HTTP {status}")


def mix(ids: dict, username: str) -> list[tuple[int, str, callable]]:
    """(weight, kind, path builder) for one persona."""
    org = ids["orgs"].get(username)
    members = ids["members"].get(username) or [0]
    return [
        (3, "home (工作台)", lambda r: "/"),
        (4, "roster list", lambda r: "/members/"),
        (3, "roster + filters", lambda r: "/members/?" + urlencode({"sex": "female", "age_band": "41_45"})),
        (2, "roster search", lambda r: "/members/?" + urlencode({"q": r.choice(["张", "li", "wdj", "王"])})),
        (3, "member detail", lambda r: f"/members/{r.choice(members)}/"),
        (2, "org detail", lambda r: f"/orgs/{org}/"),
        (1, "stats overview", lambda r: "/stats/"),
        (1, "to-dos", lambda r: "/todos/"),
    ]


def run(args) -> int:
    env = dict(os.environ, DANGJIAN_DATA_DIR=args.data_dir, DJANGO_SETTINGS_MODULE="dangjian.settings")
    Path(args.data_dir).mkdir(parents=True, exist_ok=True)
    ensure_demo(args, env)
    ids = targets(env)
    port = free_port()
    log = open(Path(args.data_dir) / "load-serve.log", "w")
    # Demo mode (DANGJIAN_DEMO=1): the demo personas may log in, as under `dangjian demo`. Every session comes
    # from 127.0.0.1, so the per-address rate limits (meant for one office's NAT) are raised, not switched off:
    # the limiter's cost stays in the figures.
    limits = {"DANGJIAN_RATE_LOGIN": "100000/m", "DANGJIAN_RATE_SEARCH": "100000/m", "DANGJIAN_RATE_API": "100000/m"}
    server = subprocess.Popen(
        [str(DANGJIAN), "serve", "--port", str(port), "--workers", str(args.workers)],
        env=dict(env, DANGJIAN_DEMO="1", **limits),
        stdout=log,
        stderr=log,
    )
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.3)
        personas = ["county_admin", "town_secretary", "village_secretary"]
        sessions = [Session(port, personas[i % len(personas)]) for i in range(args.users)]
        for s in sessions:
            s.login()
        return drive(args, sessions, ids)
    finally:
        server.terminate()
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def drive(args, sessions, ids) -> int:
    samples: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    lock = threading.Lock()
    stop = time.perf_counter() + args.seconds
    start_cpu = resource.getrusage(resource.RUSAGE_SELF)

    def worker(i: int, session: Session):
        r = random.Random(args.seed + i)
        choices = mix(ids, session.username)
        weights = [w for w, _, _ in choices]
        while time.perf_counter() < stop:
            _, kind, build = r.choices(choices, weights)[0]
            path = build(r)
            t0 = time.perf_counter()
            try:
                status, _ = session.request("GET", path)
            except Exception as exc:  # a refused or dropped connection is an error to report
                status, _ = 0, str(exc)
            ms = (time.perf_counter() - t0) * 1000
            with lock:
                samples[kind].append(ms)
                if not 200 <= status < 400:
                    errors.append(f"{status} {session.username} {path}")

    threads = [threading.Thread(target=worker, args=(i, s)) for i, s in enumerate(sessions)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    client_cpu = (cpu.ru_utime - start_cpu.ru_utime) + (cpu.ru_stime - start_cpu.ru_stime)

    def pct(values, q):
        return statistics.quantiles(values, n=100)[q - 1] if len(values) >= 2 else (values[0] if values else 0)

    every = [v for values in samples.values() for v in values]
    total = len(every)
    print(f"\n== load: {args.users} users, {elapsed:.0f} s, {args.size} demo, {args.workers} workers, "
          f"load average {os.getloadavg()[0]:.2f} at the end; client CPU {client_cpu:.0f} s")  # fmt: skip
    print(f"{'kind':<22}{'count':>8}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    for kind, values in sorted(samples.items()):
        print(
            f"{kind:<22}{len(values):>8}{len(values) / elapsed:>8.1f}{pct(values, 50):>9.0f}"
            f"{pct(values, 95):>9.0f}{pct(values, 99):>9.0f}"
        )
    rps, p95 = total / elapsed, pct(every, 95)
    print(f"{'all':<22}{total:>8}{rps:>8.1f}{pct(every, 50):>9.0f}{p95:>9.0f}{pct(every, 99):>9.0f}")
    print(f"errors: {len(errors)}" + "".join(f"\n  {e}" for e in errors[:20]))
    ok = rps >= TARGET_RPS and p95 <= TARGET_P95_MS and not errors
    print(
        f"target ≥ {TARGET_RPS} req/s, p95 ≤ {TARGET_P95_MS} ms, zero errors: {'PASS' if ok else 'MISS'} "
        f"({rps:.0f} req/s, p95 {p95:.0f} ms, {len(errors)} errors)"
    )
    return 0


def main() -> int:
    args = parse_args()
    if not DANGJIAN.exists():
        sys.exit(f"{DANGJIAN} is missing: install the project first")
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
