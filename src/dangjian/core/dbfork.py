"""Database connections across `fork()`: a child process never talks to PostgreSQL on its parent's sockets.

`dangjian serve` prepares the database in its main process (migrate, collectstatic, reap_jobs), then granian
*forks* the worker processes. Django keeps its psycopg connection pool in a class attribute (one pool per process,
shared by the process's threads), so a pool opened before the fork was inherited by every worker: the same
PostgreSQL connections in two processes at once, each reading answers meant for the other — 500s and, worse,
one user's request served with rows of another user's query (docs/bench-load.md, "the pool under serve"). Two
guards, both needed for nothing more than that a process opens its own connections:

- `release_before_fork()`: the server closes every connection and pool of its process before granian forks;
- in every forked child (`os.register_at_fork`, registered when this module is imported by `core.apps`): the
  inherited pools and connections are forgotten *without* closing them (closing would end the parent's sessions
  on the server) and kept referenced so that garbage collection never closes them either; the child opens its
  own on first use.
"""

from __future__ import annotations

import os
import sys

_INHERITED: list = []  # the parent's pools and connections, never used nor closed in this process


def release_before_fork() -> None:
    """Close this process's database connections and connection pools (call before forking workers)."""
    from django.db import connections

    for conn in connections.all(initialized_only=True):
        conn.close()
        close_pool = getattr(conn, "close_pool", None)  # PostgreSQL only
        if close_pool is not None:
            close_pool()


def forget_inherited() -> None:
    """In a freshly forked child: drop the parent's pools and open connections so this process opens its own."""
    from django.apps import apps

    if not apps.ready:
        return
    backend = sys.modules.get("django.db.backends.postgresql.base")
    if backend is not None:
        pools = backend.DatabaseWrapper._connection_pools
        _INHERITED.extend(pools.values())
        pools.clear()
    from django.db import connections

    for conn in connections.all(initialized_only=True):  # the forking thread's own connections
        if conn.connection is not None:
            _INHERITED.append(conn.connection)
            conn.connection = None
            conn.in_atomic_block = False
            conn.savepoint_ids = []
            conn.needs_rollback = False


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=forget_inherited)
