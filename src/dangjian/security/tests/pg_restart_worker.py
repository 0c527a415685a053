"""Run in a child process by test_pg_restart.py (not collected by pytest): the FLT-02 drill against a private,
throwaway PostgreSQL cluster that the test restarts while two clients keep creating orgs."""

import json
import os
import subprocess
import sys
import threading
import time
from datetime import date


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangjian.settings")
    os.environ["DANGJIAN_TASKS"] = "immediate"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import close_old_connections, connection
    from django.test import Client
    from django.urls import reverse

    from dangjian.accounts.models import User
    from dangjian.core import audit
    from dangjian.core.models import AuditEvent
    from dangjian.demo.personas import ensure_personas
    from dangjian.orgs import actions
    from dangjian.orgs.models import Org
    from dangjian.security.actions import VERIFIED_SESSION_KEY

    call_command("migrate", verbosity=0)
    tree = [
        ("county", None, "中共测试县委员会", "local_committee"),
        ("town", "county", "中共东山镇委员会", "committee"),
        ("village", "town", "柳树村党支部", "branch"),
    ]
    specs = [
        {"key": k, "parent_key": p, "name": n, "kind": kind, "sector": "rural", "code": f"T{i:04d}",
         "established_on": date(2000, 1, 1), "sort_order": i}
        for i, (k, p, n, kind) in enumerate(tree)
    ]  # fmt: skip
    ids = actions.bulk_create_tree(specs, actor=None)
    ensure_personas(Org.objects.get(pk=ids["county"]), is_demo=False)
    user = User.objects.get(username="county_admin")
    town = ids["town"]
    connection.close()

    def logged_in() -> Client:
        client = Client(raise_request_exception=False)
        client.force_login(user)
        session = client.session
        session[VERIFIED_SESSION_KEY] = True
        session.save()
        return client

    statuses: list[tuple[str, int, float]] = []
    created: list[str] = []
    stop = threading.Event()
    lock = threading.Lock()

    def creator(name: str) -> None:
        from django.db import connections

        client = logged_in()
        i = 0
        while not stop.is_set():
            i += 1
            code = f"{name}{i:05d}"
            form = {"name": f"新建党支部{code}", "kind": "branch", "sector": "rural", "code": code,
                    "established_on": "2026-01-01", "sort_order": 0}  # fmt: skip
            # The test client skips the request_started/finished handlers that close unusable connections
            # (a WSGI server runs them on every request); run them here as `dangjian serve` would.
            close_old_connections()
            try:
                response = client.post(reverse("orgs:create", args=[town]), form)
                status = response.status_code
                body = response.content.decode(errors="replace")
            except Exception as exc:
                status, body = 599, repr(exc)
            with lock:
                statuses.append((name, status, time.monotonic()))
                if status == 302:
                    created.append(code)
                if status >= 500 and status != 503:
                    statuses.append((f"{name}:body", 0, 0.0))
                    print(body[:2000], file=sys.stderr)
            close_old_connections()
            reads = client.get("/api/v1/orgs/")
            with lock:
                statuses.append((f"{name}:read", reads.status_code, time.monotonic()))
            time.sleep(0.02)
        connections.close_all()

    threads = [threading.Thread(target=creator, args=(n,)) for n in ("A", "B")]
    for t in threads:
        t.start()
    time.sleep(1.5)
    began = time.monotonic()
    stopped = subprocess.run(json.loads(os.environ["DRILL_STOP"]), capture_output=True, text=True, timeout=120)
    # The outage: both clients keep sending requests. A short one is bridged by the connection pool (a request
    # waits up to its 10 s timeout for a connection); this one is longer, so requests must fail, with a 503.
    time.sleep(float(os.environ.get("DRILL_OUTAGE", "13")))
    restart = subprocess.run(json.loads(os.environ["DRILL_START"]), capture_output=True, text=True, timeout=120)
    restart.returncode = restart.returncode or stopped.returncode
    ended = time.monotonic()
    # Recovery without restarting this process: wait (at most 60 s) until both clients have created again.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with lock:
            recovered = {n for n, s, t in statuses if t > ended and s == 302}
        if recovered >= {"A", "B"}:
            break
        time.sleep(0.2)
    recovered_after = time.monotonic() - ended
    time.sleep(0.5)
    stop.set()
    for t in threads:
        t.join(timeout=60)
    codes = set(Org.objects.filter(code__in=list(created)).values_list("code", flat=True))
    orgs_after = list(Org.objects.filter(parent_id=town, code__regex=r"^[AB][0-9]{5}$").values_list("pk", "code"))
    events = set(AuditEvent.objects.filter(action="org.create").values_list("object_id", flat=True))
    print(
        json.dumps(
            {
                "restart_rc": restart.returncode,
                "restart_err": restart.stderr[-500:],
                "statuses": [s for _, s, _ in statuses],
                "after_restart": [s for n, s, t in statuses if t > ended and not n.endswith(":read")],
                "during": [s for _, s, t in statuses if began <= t <= ended + 0.5],
                "created": len(created),
                "created_found": len(codes),
                "orgs_under_town": len(orgs_after),
                "orgs_without_event": [code for pk, code in orgs_after if str(pk) not in events],
                "chain_break": str(audit.verify() or ""),
                "recovered_after_s": round(recovered_after, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
