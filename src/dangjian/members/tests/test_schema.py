"""The member table's indexes as the migrations leave them (members 0006, 0007), and the time-ordered uids."""

import time
import uuid

import pytest
from django.db import IntegrityError, connection, transaction

from dangjian.members.models import Member, time_ordered_uuid


def _indexes() -> dict:
    with connection.cursor() as cursor:
        return connection.introspection.get_constraints(cursor, Member._meta.db_table)


@pytest.mark.django_db
def test_one_plain_index_per_lookup_column_and_the_partial_unique_index_kept():
    found = _indexes()
    by_columns = {}
    for name, info in found.items():
        if info["index"] or info["unique"]:
            by_columns.setdefault(tuple(info["columns"]), []).append(name)
    # The ID-number blind index: the partial unique index (one current record per person) and, since members 0007,
    # a partial index of exited records only (no longer one of every record).
    assert "members_one_current_record_per_id" in found
    assert found["members_one_current_record_per_id"]["unique"]
    assert sorted(by_columns[("id_number_index",)]) == [
        "members_id_number_exited_idx",
        "members_one_current_record_per_id",
    ]
    assert "members_id_number_idx" not in found
    assert by_columns[("name_initials",)] == ["members_initials_idx"]  # no varchar_pattern_ops twin


@pytest.mark.django_db
def test_the_partial_unique_index_still_refuses_a_second_current_record(people):
    first = people["zhang"]
    assert first.id_number_index
    clone = Member.objects.get(pk=first.pk)
    clone.pk = None
    clone.uid = time_ordered_uuid()
    with pytest.raises(IntegrityError), transaction.atomic():
        clone.save()


@pytest.mark.parametrize("run", range(3))
def test_time_ordered_uuid_is_version_7_and_rises_with_time(run):
    first = time_ordered_uuid()
    time.sleep(0.002)
    later = time_ordered_uuid()
    for value in (first, later):
        assert value.version == 7
        assert value.variant == uuid.RFC_4122
    assert later > first
    assert abs((first.int >> 80) - time.time_ns() // 1_000_000) < 60_000  # its leading 48 bits: now, in ms


def test_time_ordered_uuids_differ_within_one_millisecond():
    values = {time_ordered_uuid() for _ in range(10_000)}
    assert len(values) == 10_000


@pytest.mark.django_db
def test_the_exited_only_index_is_partial():
    sql = {
        "postgresql": "SELECT indexdef FROM pg_indexes WHERE indexname = %s",
        "sqlite": "SELECT sql FROM sqlite_master WHERE name = %s",
    }[connection.vendor]
    with connection.cursor() as cursor:
        cursor.execute(sql, ["members_id_number_exited_idx"])
        (definition,) = cursor.fetchone()
    assert "WHERE" in definition
    assert "exited" in definition


@pytest.mark.django_db
def test_the_roster_finds_an_id_number_among_current_and_among_exited_records(people):
    """Both partial indexes' queries: the roster's search by ID number by default (current records) and under
    党籍状态「已出党」 (exited records)."""
    from dangjian.members.filters import MemberFilter

    person = people["zhang"]
    number = person.get_secret("id_number")

    def found(**params):
        return list(
            MemberFilter({"q": number, **params}, queryset=Member.objects.all()).qs.values_list("pk", flat=True)
        )

    assert found() == [person.pk]
    assert found(status="exited") == []
    Member.objects.filter(pk=person.pk).update(status="exited")
    assert found() == []
    assert found(status="exited") == [person.pk]


@pytest.mark.django_db
def test_every_lookup_by_id_number_can_use_a_partial_index():
    """Since members 0007 there is no index of every record's ID number: each look-up must be answerable from
    members_one_current_record_per_id (current records) or members_id_number_exited_idx (exited ones). Checked on
    the query plans (PostgreSQL with sequential scans discouraged: the test tables are tiny)."""
    from dangjian.members.importer import _in

    keys = [f"{i:064x}" for i in range(300)]  # over PostgreSQL's 100-element limit for proving conditions
    current = Member.objects.current().with_id_number()
    lookups = {
        "members_one_current_record_per_id": [
            current.filter(id_number_index=keys[0]),  # roster search, actions.validate, transfers
            current.filter(id_number_index__in=keys),  # recruitment import
            current.filter(_in("id_number_index", keys, "text")),  # roster import, a chunk of ID numbers
        ],
        "members_id_number_exited_idx": [
            Member.objects.with_id_number().filter(status="exited", id_number_index=keys[0]),  # under 已出党
        ],
    }
    for index, querysets in lookups.items():
        for qs in querysets:
            with transaction.atomic():
                if connection.vendor == "postgresql":
                    with connection.cursor() as cursor:
                        cursor.execute("SET LOCAL enable_seqscan = off")
                plan = qs.order_by().values_list("pk").explain()  # the look-up itself: no join, no sort
            assert index in plan, plan
