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
    p.add_argument("--threads", type=int, default=1, help="threads per worker (dangjian serve --threads; its default)")
    p.add_argument("--seed", type=int, default=7)
    return p.parse_args(argv)


def tree_cpu_seconds(root: int) -> float:
    """CPU seconds (user + system) used so far by process `root` and its descendants (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    stats = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            stats[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick)
    todo, total = [root], 0.0
    while todo:
        pid = todo.pop()
        total += stats.get(pid, (0, 0.0))[1]
        todo.extend(child for child, (ppid, _) in stats.items() if ppid == pid)
    return total


def _proc_cpu(pid: str, tick: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / tick


class BackendCPU:
    """CPU seconds of the PostgreSQL backends serving database `dbname` (Linux /proc, same machine).

    A backend's process title is `postgres: <user> <dbname> <client> <state>`; the backends are sampled every
    second during the run, so those opened during the run count from zero and those closed during it keep
    their last sample. The cluster's own processes (checkpointer, WAL writer, autovacuum) are not counted."""

    def __init__(self, dbname: str):
        self.dbname, self.tick = dbname, os.sysconf("SC_CLK_TCK")
        self.start = self.sample()
        self.last = dict(self.start)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def sample(self) -> dict[str, float]:
        out = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            words = title.split()
            if len(words) >= 3 and words[0] == "postgres:" and words[2] == self.dbname:
                cpu = _proc_cpu(entry.name, self.tick)
                if cpu is not None:
                    out[entry.name] = cpu
        return out

    def _run(self) -> None:
        while not self.stop.wait(1):
            self.last.update(self.sample())

    def seconds(self) -> tuple[float, int]:
        """CPU seconds used since the start, and how many backends used it."""
        self.stop.set()
        self.thread.join()
        self.last.update(self.sample())
        used = {pid: cpu - self.start.get(pid, 0.0) for pid, cpu in self.last.items()}
        return sum(used.values()), sum(1 for v in used.values() if v > 0)


def postgres_dbname() -> str:
    """The database name of DATABASE_URL when it is PostgreSQL, else ""."""
    from urllib.parse import urlsplit

    url = urlsplit(os.environ.get("DATABASE_URL", ""))
    return url.path.lstrip("/") if url.scheme.startswith("postgres") else ""


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


PERSONAS = ["county_admin", "town_secretary", "village_secretary"]
SECRETARIES = {"town_secretary", "village_secretary"}
SIGN_IN_TOPIC = "负载测试：扫码签到"
SIGN_IN_MEETINGS = 25  # today's meetings of the village branch the bench's members sign in to
SIGN_IN_MEMBERS = 20  # member accounts (load_m<pk>) of that branch, linked for QR sign-in


def prepare() -> dict:
    """Inside Django: the ids the mix needs, and the QR sign-in fixture, made fresh for every run.

    The sign-in fixture lives in the village secretary's branch: `SIGN_IN_MEETINGS` planned meetings held
    today without a start time (the sign-in window is the whole day) and `SIGN_IN_MEMBERS` accounts linked to
    active members of the branch (password hash copied from the persona's, so no hashing here). Every run
    clears their attendance and tokens, so each (member, meeting) pair can sign in once per run.
    """
    from django.db import transaction
    from django.utils import timezone

    from dangjian.accounts.models import RoleAssignment, User
    from dangjian.members.models import Member
    from dangjian.orglife.models import Attendance, Meeting, MemberAccount, SignInToken
    from dangjian.orgs.models import Org

    orgs, members, meetings = {}, {}, {}
    for username in PERSONAS:
        ra = RoleAssignment.objects.filter(user__username=username).select_related("org").first()
        if ra is None:
            continue
        orgs[username] = ra.org_id
        under = Member.objects.filter(org__path__in_subtree=ra.org.path).order_by("pk")
        members[username] = list(under.values_list("pk", flat=True)[:200])
        held = Meeting.objects.filter(org__path__in_subtree=ra.org.path).exclude(topic=SIGN_IN_TOPIC)
        meetings[username] = list(held.order_by("-held_on", "pk").values_list("pk", flat=True)[:100])
    village = Org.objects.get(pk=orgs["village_secretary"])
    today = timezone.localdate()
    persona = User.objects.get(username="village_secretary")
    with transaction.atomic():
        fixture = Meeting.objects.filter(org=village, topic=SIGN_IN_TOPIC)
        fixture.exclude(held_on=today, status="planned").delete()
        have = fixture.count()
        Meeting.objects.bulk_create(
            Meeting(org=village, kind="theme_day", topic=SIGN_IN_TOPIC, held_on=today, created_by=persona)
            for _ in range(SIGN_IN_MEETINGS - have)
        )
        meeting_ids = list(fixture.order_by("pk").values_list("pk", flat=True))
        Attendance.objects.filter(meeting_id__in=meeting_ids).delete()
        SignInToken.objects.filter(meeting_id__in=meeting_ids).delete()
        linked = set(MemberAccount.objects.values_list("member_id", flat=True))
        accounts = []
        branch = Member.objects.filter(org=village, status="normal", stage__in=["probationary", "full"]).order_by("pk")
        for pk in branch.values_list("pk", flat=True):
            if len(accounts) == SIGN_IN_MEMBERS:
                break
            username = f"load_m{pk}"
            user = User.objects.filter(username=username).first()
            if user is None:
                if pk in linked:
                    continue
                user = User.objects.create(
                    username=username, password=persona.password, is_demo=True, password_changed_at=timezone.now()
                )
                MemberAccount.objects.create(user=user, member_id=pk)
            accounts.append(username)
    return {
        "orgs": orgs,
        "members": members,
        "meetings": meetings,
        "sign_in": {"meetings": meeting_ids, "accounts": accounts},
    }


def targets(env) -> dict:
    """`prepare()` in a child process with the server's settings."""
    import json

    code = "import sys, json, django; sys.path.insert(0, sys.argv[1]); django.setup(); import load; "
    code += "print(json.dumps(load.prepare()))"
    python = str(ROOT / ".venv" / "bin" / "python")
    res = subprocess.run([python, "-c", code, str(ROOT / "bench")], env=env, capture_output=True, text=True)
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


SIGN_IN = "sign-in (QR task)"


# A member page renders 基本信息; its other tabs are fetched when first shown (members.views.TABS and recruitment's
# 发展信息). The mix opens one tab per member page on average, at random, of the member the session last opened.
MEMBER_TABS = ("placements", "status", "records", "transfers", "mobile", "recruitment", "log")


def opened(r, members: list) -> int:
    """A member page opened by this session (`r` is the session's Random), remembered for its tabs."""
    r.member_on_screen = r.choice(members)
    return r.member_on_screen


def on_screen(r, members: list) -> int:
    return getattr(r, "member_on_screen", None) or opened(r, members)


def member_tab(member: int, tab: str) -> str:
    return f"/recruitment/member/{member}/tab/" if tab == "recruitment" else f"/members/{member}/tabs/{tab}/"


def mix(ids: dict, username: str) -> list[tuple[int, str, callable]]:
    """(weight, kind, path builder) for one persona. The secretaries also hold meetings: they open meeting
    records (会议记录), the record form, and run QR sign-ins (`SIGN_IN`: one task of three requests)."""
    org = ids["orgs"].get(username)
    members = ids["members"].get(username) or [0]
    meetings = ids["meetings"].get(username) or []  # the city and province demos hold no meetings
    out = [
        (3, "home (工作台)", lambda r: "/"),
        (4, "roster list", lambda r: "/members/"),
        (3, "roster + filters", lambda r: "/members/?" + urlencode({"sex": "female", "age_band": "41_45"})),
        (2, "roster search", lambda r: "/members/?" + urlencode({"q": r.choice(["张", "li", "wdj", "王"])})),
        (3, "member detail", lambda r: f"/members/{opened(r, members)}/"),
        (3, "member tab", lambda r: member_tab(on_screen(r, members), r.choice(MEMBER_TABS))),
        (2, "org detail", lambda r: f"/orgs/{org}/"),
        (2 if meetings else 0, "meeting record", lambda r: f"/orglife/{r.choice(meetings)}/"),
        (1, "stats overview", lambda r: "/stats/"),
        (1, "to-dos", lambda r: "/todos/"),
    ]
    if username in SECRETARIES:
        out.append((1 if meetings else 0, "meeting record form", lambda r: f"/orglife/{r.choice(meetings)}/record/"))
        out.append((2, SIGN_IN, None))
    return out


SIGN_IN_KINDS = ("sign-in: QR code", "sign-in: page", "sign-in: confirm")


def mix_shares(ids: dict) -> dict[str, float]:
    """Expected share of requests per kind over the personas (sums to 1)."""
    shares: dict[str, float] = defaultdict(float)
    for username in PERSONAS:
        choices = mix(ids, username)
        total = sum(w for w, _, _ in choices)
        for w, kind, _ in choices:
            if not w:
                continue
            if kind == SIGN_IN:
                for k in SIGN_IN_KINDS:
                    shares[k] += w / total / len(PERSONAS)
            else:
                shares[kind] += w / total / len(PERSONAS)
    norm = sum(shares.values())
    return {kind: share / norm for kind, share in shares.items()}


def print_mix(ids: dict) -> None:
    """The mix as requested: weight and expected share of requests per kind over the personas."""
    shares = mix_shares(ids)
    print("== mix (share of requests; personas in thirds: " + ", ".join(PERSONAS) + ")")
    for kind, share in sorted(shares.items(), key=lambda kv: -kv[1]):
        print(f"  {kind:<24}{100 * share:5.1f} %")
    print(f"  sign-in: the secretary's QR page fetches a fresh code, a member account (load_m…, "
          f"{len(ids['sign_in']['accounts'])} of them) opens the link and confirms; "
          f"{len(ids['sign_in']['meetings'])} meetings today")  # fmt: skip


class SignInPool:
    """Member sessions for QR sign-in, one thread at a time each; every (member, meeting) pair is used once."""

    def __init__(self, sessions: list, meetings: list[int]):
        import queue

        self.free = queue.Queue()
        self.next = {s.username: 0 for s in sessions}
        self.meetings = meetings
        for s in sessions:
            self.free.put(s)

    def take(self):
        session = self.free.get()
        i = self.next[session.username]
        if i >= len(self.meetings):
            self.free.put(session)
            return None, None
        self.next[session.username] = i + 1
        return session, self.meetings[i]

    def give(self, session) -> None:
        self.free.put(session)


TOKEN = re.compile(rb"/orglife/sign-in/([A-Za-z0-9_-]+)/")


def sign_in_task(session, pool: SignInPool, record) -> bool:
    """One QR sign-in: the secretary's page asks for a fresh code, a member opens the link and confirms."""
    member, meeting = pool.take()
    if member is None:
        return False
    try:
        _status, page = record("sign-in: QR code", session, "GET", f"/orglife/{meeting}/qr/code/")
        token = TOKEN.search(page or b"")
        if token is None:
            return True
        path = f"/orglife/sign-in/{token[1].decode()}/"
        _status, page = record("sign-in: page", member, "GET", path)
        csrf = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page or b"")
        body = {"csrfmiddlewaretoken": csrf[1].decode()} if csrf else {}
        record("sign-in: confirm", member, "POST", path, body)
    finally:
        pool.give(member)
    return True


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
        [str(DANGJIAN), "serve", "--port", str(port), "--workers", str(args.workers), "--threads", str(args.threads)],
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
        sessions = [Session(port, PERSONAS[i % len(PERSONAS)]) for i in range(args.users)]
        members = [Session(port, u) for u in ids["sign_in"]["accounts"]]
        for s in sessions + members:
            s.login()
        print_mix(ids)
        pool = SignInPool(members, ids["sign_in"]["meetings"])
        args.server_pid = server.pid
        return drive(args, sessions, ids, pool)
    finally:
        server.terminate()
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def drive(args, sessions, ids, pool) -> int:
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
            if kind == SIGN_IN:
                if sign_in_task(session, pool, record):
                    continue
                kind, build = "roster list", lambda r: "/members/"  # every pair used: fall back
            record(kind, session, "GET", build(r))

    def record(kind, session, method, path, body=None):
        t0 = time.perf_counter()
        try:
            status, page = session.request(method, path, body)
        except Exception as exc:  # a refused or dropped connection is an error to report
            status, page = 0, str(exc).encode()
        ms = (time.perf_counter() - t0) * 1000
        with lock:
            samples[kind].append(ms)
            if not 200 <= status < 400:
                errors.append(f"{status} {session.username} {method} {path}")
        return status, page

    load_before = os.getloadavg()[0]
    server_cpu = tree_cpu_seconds(args.server_pid)
    backends = BackendCPU(postgres_dbname()) if postgres_dbname() else None
    threads = [threading.Thread(target=worker, args=(i, s)) for i, s in enumerate(sessions)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    server_cpu = tree_cpu_seconds(args.server_pid) - server_cpu
    pg_cpu, pg_backends = backends.seconds() if backends else (0.0, 0)
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    client_cpu = (cpu.ru_utime - start_cpu.ru_utime) + (cpu.ru_stime - start_cpu.ru_stime)

    def pct(values, q):
        return statistics.quantiles(values, n=100)[q - 1] if len(values) >= 2 else (values[0] if values else 0)

    every = [v for values in samples.values() for v in values]
    total = len(every)
    print(
        f"\n== load: {args.users} users, {elapsed:.0f} s, {args.size} demo, {args.workers} workers × {args.threads} "
        f"threads, DANGJIAN_DB_POOL={os.environ.get('DANGJIAN_DB_POOL', '(serve default)')}, "
        f"load average {load_before:.2f} before, {os.getloadavg()[0]:.2f} at the end; "
        f"client CPU {client_cpu:.0f} s"
    )
    print(f"{'kind':<22}{'count':>8}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    for kind, values in sorted(samples.items()):
        print(
            f"{kind:<22}{len(values):>8}{len(values) / elapsed:>8.1f}{pct(values, 50):>9.0f}"
            f"{pct(values, 95):>9.0f}{pct(values, 99):>9.0f}"
        )
    rps, p95 = total / elapsed, pct(every, 95)
    print(f"{'all':<22}{total:>8}{rps:>8.1f}{pct(every, 50):>9.0f}{p95:>9.0f}{pct(every, 99):>9.0f}")
    print(
        f"server CPU {server_cpu:.0f} s in {elapsed:.0f} s ({server_cpu / elapsed:.2f} cores busy): "
        f"{1000 * server_cpu / max(total, 1):.1f} ms of CPU per request"
    )
    if backends:
        print(
            f"PostgreSQL CPU {pg_cpu:.0f} s in {elapsed:.0f} s ({pg_cpu / elapsed:.2f} cores busy, {pg_backends} "
            f"backends of {backends.dbname}): {1000 * pg_cpu / max(total, 1):.1f} ms of CPU per request; "
            f"server + PostgreSQL: {1000 * (server_cpu + pg_cpu) / max(total, 1):.1f} ms per request"
        )
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
