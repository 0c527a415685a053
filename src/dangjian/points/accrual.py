"""Points accrued from real records, idempotently and set-based: attendance at held meetings (orglife) and dues
bills paid on time or late (dues); anything else arrives through `hooks.feed` or a domain event (training,
volunteer service; see `dangjian.core.events`).

Every automatic entry is keyed by (item, source type, source id, member). Accruing a batch of sources (a few
meetings after an attendance sheet is saved, or a whole subtree's year) makes their automatic entries exactly
what the records now say: entries whose source no longer qualifies go (an attendance corrected from present to
excused, a late bill waived), missing ones are added, the rest stay untouched.

How, without a query or a Python step per member: the catalogue (few rule sets) is resolved in Python into two
small temporary tables, which item each org's members score under on which days (`pts_org`: org × the
intervals between rule-set effective dates) and which item each (rule set, source, meeting kind) counts under
(`pts_item`, through `rules.pick_item`); the on-time limit of each month comes from `dues.rules.paid_on_time`
(`pts_month`). Then one INSERT … SELECT computes the wanted entries from the sources (`pts_want`), one DELETE
removes the stale ones and one INSERT … SELECT adds the missing ones. Same SQL on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from dangjian.core.sql import values_in
from dangjian.dues import rules as dues_rules
from dangjian.dues.models import Bill, BillStatus, Payment
from dangjian.orglife.models import COUNTED_STATUSES, Attendance, AttendanceStatus, Meeting, MeetingKind
from dangjian.orgs.models import Org
from dangjian.points import rules
from dangjian.points.catalogue import Catalogue
from dangjian.points.models import EntryStatus, PointEntry

ATTENDANCE = "orglife.attendance"
BILL = "dues.bill"
FOREVER = date(9999, 12, 31)
MEETING_KINDS = tuple(MeetingKind.values)

_TEMP = {
    "pts_org": "org_id bigint NOT NULL, day_from date NOT NULL, day_to date NOT NULL, rule_set_id bigint NOT NULL",
    "pts_item": "rule_set_id bigint NOT NULL, source varchar(16) NOT NULL, meeting_kind varchar(32) NOT NULL, "
    "item_id bigint NOT NULL, points decimal(8, 2) NOT NULL",
    "pts_month": "month date NOT NULL, month_end date NOT NULL, on_time_until date NOT NULL, evidence varchar(32)",
    "pts_want": "member_id bigint NOT NULL, org_id bigint NOT NULL, item_id bigint NOT NULL, points decimal(8, 2) "
    "NOT NULL, occurred_on date NOT NULL, source_id varchar(64) NOT NULL, evidence text NOT NULL",
}


def _t(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _d(day: date):
    return connection.ops.adapt_datefield_value(day)


def _prepare(cursor) -> None:
    for name, columns in _TEMP.items():
        cursor.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {name} ({columns})")
        cursor.execute(f"DELETE FROM {name}")
    cursor.execute("CREATE INDEX IF NOT EXISTS pts_org_idx ON pts_org (org_id, day_from)")
    cursor.execute("CREATE INDEX IF NOT EXISTS pts_item_idx ON pts_item (rule_set_id, source, meeting_kind)")
    cursor.execute("DROP INDEX IF EXISTS pts_want_idx")  # built once filled (_sync), not row by row


def _load_catalogue(cursor, cat: Catalogue, orgs: Iterable[tuple[int, str]]) -> None:
    """pts_org: for each org and each interval between rule-set effective dates, the set in force (nearest
    jurisdiction, latest version: `Catalogue.rule_set`); pts_item: the item of each (set, source, kind)."""
    starts = sorted({s.effective_from for s in cat.sets})
    intervals = [(d, (starts[i + 1] - timedelta(days=1)) if i + 1 < len(starts) else FOREVER)
                 for i, d in enumerate(starts)]  # fmt: skip
    rows, used = [], set()
    for org_id, path in orgs:
        for first, last in intervals:
            rule_set = cat.rule_set(path, first)
            if rule_set is not None:
                rows.append((org_id, _d(first), _d(last), rule_set.pk))
                used.add(rule_set.pk)
    cursor.executemany("INSERT INTO pts_org (org_id, day_from, day_to, rule_set_id) VALUES (%s, %s, %s, %s)", rows)
    items = []
    for rule_set in (s for s in cat.sets if s.pk in used):
        listed = [{"source": i.source, "meeting_kind": i.meeting_kind, "obj": i} for i in cat.items_of(rule_set)]
        wanted = [(source, kind) for source in ("attendance", "absence") for kind in MEETING_KINDS]
        wanted += [("dues_on_time", ""), ("dues_late", "")]
        for source, kind in wanted:
            found = rules.pick_item(listed, source, kind)
            if found is not None:
                items.append((rule_set.pk, source, kind, found["obj"].pk, found["obj"].points))
    cursor.executemany(
        "INSERT INTO pts_item (rule_set_id, source, meeting_kind, item_id, points) VALUES (%s, %s, %s, %s, %s)", items
    )


def _sync(cursor, source_type: str, scope_sql: str, scope_params: list) -> tuple[int, int]:
    """Make the entries of `source_type` whose source id is in `scope_sql` exactly the rows of pts_want."""
    entries = _t(PointEntry)
    cursor.execute("CREATE INDEX pts_want_idx ON pts_want (source_id, item_id, member_id)")
    cursor.execute(
        f"DELETE FROM {entries} WHERE source_type = %s AND source_id IN ({scope_sql}) AND NOT EXISTS ("
        f"SELECT 1 FROM pts_want w WHERE w.source_id = {entries}.source_id AND w.item_id = {entries}.item_id "
        f"AND w.member_id = {entries}.member_id AND w.occurred_on = {entries}.occurred_on "
        f"AND w.org_id = {entries}.org_id)",
        [source_type, *scope_params],
    )
    removed = max(cursor.rowcount, 0)
    cursor.execute(
        f"INSERT INTO {entries} (member_id, org_id, item_id, points, quantity, occurred_on, source_type, source_id, "
        "evidence, status, approved_by_id, approved_at, created_by_id, created_at, version) "
        "SELECT w.member_id, w.org_id, w.item_id, w.points, 1, w.occurred_on, %s, w.source_id, w.evidence, %s, "
        "NULL, NULL, NULL, %s, 1 FROM pts_want w WHERE NOT EXISTS ("
        f"SELECT 1 FROM {entries} e WHERE e.item_id = w.item_id AND e.source_type = %s "
        "AND e.source_id = w.source_id AND e.member_id = w.member_id)",
        [source_type, EntryStatus.APPROVED.value, timezone.now(), source_type],
    )
    created = max(cursor.rowcount, 0)
    cursor.execute("DELETE FROM pts_want")
    cursor.execute("DROP INDEX pts_want_idx")
    return created, removed


def _ids_sql(queryset) -> tuple[str, list]:
    """SQL selecting the ids of `queryset` as one column named `sid`, and its parameters."""
    sql, params = queryset.annotate(sid=F("pk")).values("sid").order_by().query.sql_with_params()
    return sql, list(params)


# ---------------------------------------------------------------------------------------- attendance


def _accrue_attendance(cursor, attendance) -> tuple[int, int]:
    """`attendance`: an Attendance queryset (the sources in scope)."""
    a, m = _t(Attendance), _t(Meeting)
    ids_sql, ids_params = _ids_sql(attendance)
    statuses = ", ".join(["%s"] * len(COUNTED_STATUSES))
    cursor.execute(
        "INSERT INTO pts_want (member_id, org_id, item_id, points, occurred_on, source_id, evidence) "
        "SELECT a.member_id, m.org_id, i.item_id, i.points, m.held_on, CAST(a.id AS varchar(20)), "
        "'组织生活记录 ' || CAST(m.id AS varchar(20)) "
        f"FROM {a} a JOIN {m} m ON m.id = a.meeting_id "
        "JOIN pts_org o ON o.org_id = m.org_id AND m.held_on BETWEEN o.day_from AND o.day_to "
        "JOIN pts_item i ON i.rule_set_id = o.rule_set_id AND i.meeting_kind = m.kind "
        "AND i.source = CASE a.status WHEN %s THEN 'attendance' WHEN %s THEN 'absence' END "
        f"WHERE a.id IN (SELECT x.sid FROM ({ids_sql}) x) AND m.status IN ({statuses})",
        [AttendanceStatus.PRESENT.value, AttendanceStatus.ABSENT.value, *ids_params, *COUNTED_STATUSES],
    )  # excused (请假): neither points nor a deduction
    return _sync(cursor, ATTENDANCE, f"SELECT CAST(x.sid AS varchar(20)) FROM ({ids_sql}) x", ids_params)


# ------------------------------------------------------------------------------------------- dues


def _accrue_bills(cursor, bills, today: date) -> tuple[int, int]:
    """`bills`: a Bill queryset (the sources in scope). On time / late by `dues.rules.paid_on_time`; a bill
    still due after its month counts as late from the month's end."""
    months = sorted(set(bills.values_list("month", flat=True).distinct().order_by()))
    rows = []
    for month in months:
        month_end = dues_rules.month_shift(month, 1) - timedelta(days=1)
        # the last day a payment is on time, from the rule itself (grace days included)
        until = month_end
        while dues_rules.paid_on_time(month, until + timedelta(days=1)):
            until += timedelta(days=1)
        rows.append((_d(month), _d(month_end), _d(until), f"党费账单 {month:%Y-%m}"))
    cursor.executemany("INSERT INTO pts_month (month, month_end, on_time_until, evidence) VALUES (%s, %s, %s, %s)",
                       rows)  # fmt: skip
    b, p = _t(Bill), _t(Payment)
    ids_sql, ids_params = _ids_sql(bills)
    on_time = "(b.status = %s AND p.paid_on IS NOT NULL AND p.paid_on <= mo.on_time_until)"
    cursor.execute(
        "INSERT INTO pts_want (member_id, org_id, item_id, points, occurred_on, source_id, evidence) "
        "SELECT s.member_id, s.org_id, i.item_id, i.points, s.day, s.source_id, s.evidence FROM ("
        "SELECT b.member_id, b.org_id, CAST(b.id AS varchar(20)) AS source_id, mo.evidence, "
        f"CASE WHEN {on_time} THEN 'dues_on_time' ELSE 'dues_late' END AS source, "
        f"CASE WHEN {on_time} THEN p.paid_on ELSE mo.month_end END AS day "
        f"FROM {b} b JOIN pts_month mo ON mo.month = b.month LEFT JOIN {p} p ON p.id = b.payment_id "
        f"WHERE b.id IN (SELECT x.sid FROM ({ids_sql}) x) AND ((b.status = %s AND p.paid_on IS NOT NULL) "
        "OR (b.status = %s AND mo.month_end < %s))"
        ") s JOIN pts_org o ON o.org_id = s.org_id AND s.day BETWEEN o.day_from AND o.day_to "
        "JOIN pts_item i ON i.rule_set_id = o.rule_set_id AND i.source = s.source AND i.meeting_kind = ''",
        [BillStatus.PAID.value, BillStatus.PAID.value, *ids_params, BillStatus.PAID.value, BillStatus.DUE.value,
         _d(today)],
    )  # fmt: skip
    return _sync(cursor, BILL, f"SELECT CAST(x.sid AS varchar(20)) FROM ({ids_sql}) x", ids_params)


# ---------------------------------------------------------------------------------------- entry points


def _run(*, attendance=None, bills=None, orgs, today: date) -> tuple[int, int]:
    cat = Catalogue()
    created = removed = 0
    with transaction.atomic(), connection.cursor() as cursor:
        _prepare(cursor)
        _load_catalogue(cursor, cat, orgs)
        if attendance is not None:
            c, r = _accrue_attendance(cursor, attendance)
            created, removed = created + c, removed + r
        if bills is not None:
            c, r = _accrue_bills(cursor, bills, today)
            created, removed = created + c, removed + r
    return created, removed


def _orgs_of(queryset, field: str = "org_id") -> list[tuple[int, str]]:
    ids = queryset.values(field).distinct().order_by()
    return list(Org.objects.filter(pk__in=ids).values_list("pk", "path"))


def accrue_meetings(meeting_ids: Iterable[int]) -> tuple[int, int]:
    """Points for the attendance of these meetings (after an attendance sheet or a meeting is saved)."""
    ids = list(meeting_ids)
    meetings = Meeting.objects.filter(values_in("pk", ids))
    return _run(attendance=Attendance.objects.filter(values_in("meeting_id", ids)), orgs=_orgs_of(meetings),
                today=timezone.localdate())  # fmt: skip


def accrue_bills(bill_ids: Iterable[int], today: date | None = None) -> tuple[int, int]:
    """Points for these dues bills (after a payment, a waiver or a hardship approval)."""
    bills = Bill.objects.filter(values_in("pk", list(bill_ids)))
    return _run(bills=bills, orgs=_orgs_of(bills), today=today or timezone.localdate())


def recompute(org, year: int, *, today: date | None = None, progress=None) -> dict:
    """Recompute the automatic points of `org`'s subtree for `year`: every counted meeting's attendance and
    every bill of the year. Idempotent; manual entries are never touched."""
    today = today or timezone.localdate()
    attendance = Attendance.objects.filter(meeting__org__path__in_subtree=org.path, meeting__held_on__year=year)
    bills = Bill.objects.filter(org__path__in_subtree=org.path, month__gte=date(year, 1, 1),
                                month__lte=date(year, 12, 1))  # fmt: skip
    orgs = list(Org.objects.filter(path__in_subtree=org.path).values_list("pk", "path"))
    if progress:
        progress.report(0, 1, "组织生活和党费", force=True)
    created, removed = _run(attendance=attendance, bills=bills, orgs=orgs, today=today)
    return {
        "created": created,
        "removed": removed,
        "message": f"{year}年积分已重新计算：新增{created}条，撤销{removed}条。",
    }


def recompute_job(job, progress) -> dict:
    """core.tasks handler: params {"org": id, "year": int}."""
    org = Org.objects.get(pk=job.params["org"])
    return recompute(org, int(job.params["year"]), progress=progress)
