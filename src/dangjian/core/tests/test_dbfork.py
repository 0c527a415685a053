"""core/dbfork.py: a forked child forgets its parent's database connections and pools and opens its own
(the full drill under `dangjian serve` is security/tests/test_serve_pool.py, PostgreSQL only)."""

import json
import os
import sys

import pytest
from django.db import connection

from dangjian.accounts.models import User


def _in_child(report) -> None:
    """Runs in the forked child: what it inherited, and whether a query on its own connection works."""
    backend = sys.modules.get("django.db.backends.postgresql.base")
    pools = dict(backend.DatabaseWrapper._connection_pools) if backend else {}
    state = {"inherited_connection": connection.connection is not None, "inherited_pools": len(pools)}
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            state["backend_pid"] = cursor.fetchone()[0]
    report(state)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork is not available here")
@pytest.mark.django_db
def test_a_forked_child_opens_its_own_connection():
    assert User.objects.count() >= 0  # the parent's connection is open (and on PostgreSQL, its pool)
    parent_pid = None
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            parent_pid = cursor.fetchone()[0]
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover  (the child's lines run in another process)
        os.close(read)
        code = 0
        try:
            _in_child(lambda state: os.write(write, json.dumps(state).encode()))
        except BaseException as exc:  # reported to the parent
            os.write(write, json.dumps({"error": repr(exc)}).encode())
            code = 1
        finally:
            os._exit(code)
    os.close(write)
    with os.fdopen(read) as pipe:
        state = json.loads(pipe.read() or "{}")
    os.waitpid(child, 0)
    assert "error" not in state, state
    assert state["inherited_connection"] is False
    assert state["inherited_pools"] == 0
    if parent_pid is not None:
        assert state["backend_pid"] != parent_pid  # its own PostgreSQL session, not the parent's
    assert User.objects.count() >= 0  # the parent's connection still works after the child is gone
