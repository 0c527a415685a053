"""Data protection under the real server: `dangjian serve` (granian, forked worker processes × threads) on
PostgreSQL with Django's connection pool, hammered by concurrent sessions of different accounts. Every answer
must be a 200 for its own account: the page names the logged-in user and nobody else.

Before `core/dbfork.py`, the pool opened by `dangjian serve`'s preparation (migrate, collectstatic) in the main
process was inherited by both forked workers: one PostgreSQL connection read by two processes, 500s with rows of
another request's query, sessions decoded from another user's row. Runs only on PostgreSQL (the pool is
PostgreSQL's); on SQLite it is skipped with the reason."""

import os
import re
import socket
import subprocess
import sys
import threading
import time
from http.client import HTTPConnection
from urllib.parse import urlencode, urlsplit, urlunsplit

import pytest
from django.db import connection

PASSWORD = "Pool#Check2026x"
SESSIONS = 16  # accounts, each logged in once
REQUESTS = 25  # pages per session, all sessions at once


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _name(i: int) -> str:
    return f"并发核对{chr(0x7532 + i)}号"  # distinct, none a prefix of another


class _Session:
    def __init__(self, port: int):
        self.conn = HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, str]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()), "Host": "127.0.0.1"}
        data = None
        if body is not None:
            data = urlencode(body).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, path, body=data, headers=headers)
        response = self.conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        return response.status, text


@pytest.fixture
def served(tmp_path, transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("the connection pool is PostgreSQL's: run the suite with DATABASE_URL=postgres://…")
    url = urlsplit(os.environ["DATABASE_URL"])
    test_db = urlunsplit(url._replace(path="/" + connection.settings_dict["NAME"]))
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": test_db,
        "DANGJIAN_DATA_DIR": str(tmp_path),
        "DANGJIAN_DB_POOL": "1",
        "DANGJIAN_TASKS": "immediate",  # no background-job worker beside the server
        "DANGJIAN_RATE_LOGIN": "100000/m",
        "DJANGO_SETTINGS_MODULE": "dangjian.settings",
    }
    log = open(tmp_path / "serve.log", "w+")
    server = subprocess.Popen(
        [sys.executable, "-m", "dangjian.cli", "serve", "--port", str(port), "--workers", "2", "--threads", "4"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.time() + 180
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if server.poll() is not None or time.time() > deadline:
                    log.seek(0)
                    pytest.fail(f"dangjian serve did not start:\n{log.read()[-3000:]}")
                time.sleep(0.5)
        yield port
    finally:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def test_pooled_connections_never_cross_requests_under_dangjian_serve(served):
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    from dangjian.accounts import actions
    from dangjian.accounts.models import User

    for i in range(SESSIONS):
        actions.create_user(f"pool{i}", actor=None, password=PASSWORD, display_name=_name(i))
    # The server runs the production settings (PBKDF2), the suite hashes with MD5: store a hash the server checks.
    hashed = PBKDF2PasswordHasher().encode(PASSWORD, "poolsalt")
    User.objects.filter(username__startswith="pool").update(password=hashed)
    names = [_name(i) for i in range(SESSIONS)]
    problems: list[str] = []
    answered = []
    lock = threading.Lock()
    start = threading.Barrier(SESSIONS)

    def session(i: int):
        s = _Session(served)
        try:
            status, page = s.request("GET", "/accounts/login/")
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
            if status != 200 or token is None:
                raise RuntimeError(f"login page: HTTP {status}")
            form = {"username": f"pool{i}", "password": PASSWORD, "csrfmiddlewaretoken": token[1]}
            status, _ = s.request("POST", "/accounts/login/", form)
            if status != 302:
                raise RuntimeError(f"login of pool{i}: HTTP {status}")
        except Exception as exc:  # reported below with every other problem
            with lock:
                problems.append(f"pool{i} login: {exc}")
            start.abort()
            return
        try:
            start.wait()
        except threading.BrokenBarrierError:
            return
        for n in range(REQUESTS):
            path = "/" if n % 2 else "/accounts/profile/"
            status, page = s.request("GET", path)
            others = [name for j, name in enumerate(names) if j != i and name in page]
            with lock:
                answered.append(status)
                if status != 200 or names[i] not in page or others:
                    shown = names[i] in page
                    problems.append(f"pool{i} {path}: HTTP {status}, own name shown {shown}, others {others}")
                    return  # one wrong answer is enough: this session stops

    threads = [threading.Thread(target=session, args=(i,)) for i in range(SESSIONS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not problems, f"{len(problems)} wrong answers of {len(answered)}:\n" + "\n".join(problems[:20])
    assert len(answered) == SESSIONS * REQUESTS
