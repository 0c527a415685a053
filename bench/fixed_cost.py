#!/usr/bin/env python
"""CPU of the three statements every request makes, ORM against precompiled (core.sql.Precompiled).

    DATABASE_URL=postgres://… .venv/bin/python bench/fixed_cost.py --data-dir /tmp/load-city

Session row (Django's db SessionStore.load vs core.sessions), user row (Django's ModelBackend.get_user vs
accounts.backends), grants (the ORM query of session 4 vs accounts.queries): the county administrator of the
demo in the data dir, a live session of the database; A and B interleaved in one process, median of 7 × 300.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections import defaultdict


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data-dir", required=True)
    args = p.parse_args()
    os.environ.update(DANGJIAN_DATA_DIR=args.data_dir, DJANGO_SETTINGS_MODULE="dangjian.settings")
    os.environ.setdefault("DANGJIAN_DB_POOL", "0")
    import django

    django.setup()
    from django.contrib.auth.backends import ModelBackend as DjangoBackend
    from django.contrib.sessions.backends.db import SessionStore as DjangoStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from dangjian.accounts.backends import ModelBackend
    from dangjian.accounts.models import RoleAssignment, User
    from dangjian.accounts.queries import assignment_paths_by_permission
    from dangjian.core.sessions import SessionStore

    user = User.objects.get(username="county_admin")
    key = Session.objects.filter(expire_date__gt=timezone.now()).values_list("session_key", flat=True).first()
    if key is None:
        print("no live session in the database: run bench/pages.py or bench/load.py first")
        return 1

    def orm_grants():
        result = defaultdict(list)
        rows = RoleAssignment.objects.filter(user=user, org__dissolved_on__isnull=True).values_list(
            "role__permissions", "org__path"
        )
        for permissions, path in rows:
            for perm in permissions or []:
                result[perm].append(path)
        return dict(result)

    assert orm_grants() == assignment_paths_by_permission(user)
    pairs = {
        "session row": (lambda: DjangoStore(key).load(), lambda: SessionStore(key).load()),
        "user row": (lambda: DjangoBackend().get_user(user.pk), lambda: ModelBackend().get_user(user.pk)),
        "grants": (orm_grants, lambda: assignment_paths_by_permission(user)),
    }
    times = defaultdict(list)
    for _ in range(7):
        for name, fns in pairs.items():
            for label, fn in zip(("orm", "pre"), fns, strict=True):
                fn()
                t0 = time.process_time()
                for _ in range(300):
                    fn()
                times[name, label].append((time.process_time() - t0) / 300 * 1000)
    print(f"== per-request statements, ORM vs precompiled, load average {os.getloadavg()[0]:.2f}")
    total = {"orm": 0.0, "pre": 0.0}
    for name in pairs:
        orm, pre = statistics.median(times[name, "orm"]), statistics.median(times[name, "pre"])
        total["orm"] += orm
        total["pre"] += pre
        print(f"{name:<14}ORM {orm:6.3f} ms   precompiled {pre:6.3f} ms")
    print(f"{'per request':<14}ORM {total['orm']:6.3f} ms   precompiled {total['pre']:6.3f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
