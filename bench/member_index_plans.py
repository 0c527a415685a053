#!/usr/bin/env python
"""The app's queries by ID number on the member table, with their PostgreSQL plans (EXPLAIN ANALYZE): which
index each one takes. Run on a copy of the province roster (3,000,000 members), migrated:

    DATABASE_URL=postgres://postgres@127.0.0.1:5499/dj_imp5_prov DANGJIAN_DATA_DIR=/tmp/prov-data-imp5 \
        .venv/bin/python bench/member_index_plans.py

Written for members 0007 (docs/bench-import.md, session 5): the plain index of every ID-number blind index
was replaced by one over exited records; each query below must use the partial unique index (current records)
or the exited-only one, never a sequential scan. Also printed: the roster sorted by age and by joining date on
the whole tree, which is what members_birth_idx and members_joined_idx are there for.
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangjian.settings")

import django

django.setup()

from django.db import connection  # noqa: E402

from dangjian.members import filters, transfer_queries  # noqa: E402
from dangjian.members.importer import _in  # noqa: E402
from dangjian.members.models import Member, id_number_index  # noqa: E402


def show(title, qs):
    print(f"== {title}")
    lines = qs.explain(analyze=True).splitlines()
    print("\n".join(line if len(line) < 200 else line[:200] + " …" for line in lines))
    print()


def main():
    assert connection.vendor == "postgresql"
    sample = Member.objects.filter(stage="full").order_by("pk")[1000]
    number = sample.get_secret("id_number")
    key = id_number_index(number)
    base = Member.objects.select_related("org")

    def roster(**params):
        return filters.MemberFilter(params, queryset=base).qs

    show("roster search by ID number (default: current records)", roster(q=number))
    show("roster search by ID number, 党籍状态=停止党籍", roster(q=number, status="suspended"))
    show("roster search by ID number, 党籍状态=已出党", roster(q=number, status="exited"))
    show("actions.validate: ID number clash", Member.objects.current().with_id_number().filter(id_number_index=key))
    show(
        "transfers: member_for_inflow (ID number and name)",
        Member.objects.current()
        .with_id_number()
        .select_related("org")
        .filter(id_number_index=key, name=sample.name)[:1],
    )
    keys = list(Member.objects.order_by("pk").values_list("id_number_index", flat=True)[:100_000:2])
    current = Member.objects.current().with_id_number()
    show("recruitment import: 200 ID numbers (an IN list)", current.filter(id_number_index__in=keys[:200]))
    show(
        "roster import (_match_existing): a chunk of 50,000 ID numbers (one array, joined)",
        current.filter(_in("id_number_index", keys, "text")).values("pk", "uid", "version"),
    )
    show(
        "the same without with_id_number(): what members 0007 needs it for",
        Member.objects.current().filter(_in("id_number_index", keys, "text")).values("pk", "uid", "version"),
    )
    show("roster, whole tree, sort=age", roster(sort="age")[:50])
    show("roster, whole tree, sort=joined", roster(sort="joined")[:50])
    print("transfer_queries.member_for_inflow ->", transfer_queries.member_for_inflow(number, sample.name))


main()
