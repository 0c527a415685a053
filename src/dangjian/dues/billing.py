"""Set-based issue of a month's bills (DUES-03…11, 13): the SQL behind `actions.generate_bills`.

One `INSERT … SELECT` issues the bills of every member of a subtree who owes dues for the month (DUES-11) and
has no bill for it yet, with the profile in force (DUES-13). The amounts still come from the rule function:
`rules.monthly_dues` is evaluated in Python once per distinct (category, base) pair of the subtree's profiles,
and those pairs are joined in from a temporary table, so the bands and rates live only in `dues.rules`.
Members with an approved hardship application covering the month (DUES-10, a handful) are left to the caller,
which issues theirs row by row through `actions._apply_hardship`. The same SQL runs on SQLite and PostgreSQL;
`ON CONFLICT DO NOTHING` keeps a concurrent run from failing on the one-bill-per-month constraint.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from dangjian.core.tree import depth_of, subtree_bounds
from dangjian.dues import rules
from dangjian.dues.models import Bill, BillStatus, DuesProfile, HardshipApplication, HardshipStatus
from dangjian.members.choices import MEMBER_STAGES, MemberStatus
from dangjian.members.models import Member
from dangjian.orgs.models import Org

AMOUNTS = "dues_bill_amounts"  # temporary table: (category, base) → monthly_dues, one row per pair


def payers(path: str) -> QuerySet[Member]:
    """The members of the subtree at `path` who pay dues: probationary and full, not suspended or exited."""
    return Member.objects.filter(org__path__in_subtree=path, stage__in=MEMBER_STAGES, status=MemberStatus.NORMAL)


def owes_q(month: date) -> Q:
    """DUES-11 (`rules.bill_months`) as a filter on members: accepted before the end of `month`, or full with
    no acceptance date on record."""
    return Q(joined_on__lt=rules.billing_ends(month)) | Q(joined_on__isnull=True, stage=rules.FULL)


def hardship_q(month: date) -> Exists:
    """The member has an approved DUES-10 application covering `month`."""
    return Exists(
        HardshipApplication.objects.filter(
            member_id=OuterRef("pk"), status=HardshipStatus.APPROVED, first_month__lte=month, last_month__gte=month
        )
    )


def billed_q(month: date) -> Exists:
    return Exists(Bill.objects.filter(member_id=OuterRef("pk"), month=month))


def _load_amounts(cursor, path: str, month: date) -> int:
    """Fill the temporary table with `rules.monthly_dues` of every (category, base) pair of the subtree's
    profiles up to `month`. A pair the rule refuses (bad data) gets no amount; returns how many did."""
    profiles = DuesProfile.objects.filter(effective_from__lte=month)
    if depth_of(path) > 0:  # below a root: only the subtree's; for a whole tree every pair is cheaper than the join
        profiles = profiles.filter(member__in=payers(path))
    pairs = profiles.values_list("category", "base").distinct().order_by()
    rows, refused = [], 0
    for category, base in pairs:
        try:
            rows.append((category, base, rules.monthly_dues(base, category)))
        except ValueError:
            rows.append((category, base, None))
            refused += 1
    cursor.execute(
        f"CREATE TEMPORARY TABLE IF NOT EXISTS {AMOUNTS} (category varchar(16) NOT NULL, "
        "base decimal(12, 2) NOT NULL, amount decimal(12, 2) NULL, PRIMARY KEY (category, base))"
    )
    cursor.execute(f"DELETE FROM {AMOUNTS}")
    if rows:
        cursor.executemany(f"INSERT INTO {AMOUNTS} (category, base, amount) VALUES (%s, %s, %s)", rows)
    if connection.vendor == "postgresql":
        cursor.execute(f"ANALYZE {AMOUNTS}")  # a temporary table has no statistics until analysed
    return refused


def _select(path: str, month: date, *, refused: bool) -> tuple[str, list]:
    """The SELECT of the bills to issue: payers of the subtree who owe dues for `month` (DUES-11), have no bill
    for it and no approved hardship covering it, joined with their profile in force (DUES-13: the latest
    `effective_from` on or before the month) and its amount (`refused`: only the pairs the rule refused)."""
    q = connection.ops.quote_name
    member, org, profile = (q(m._meta.db_table) for m in (Member, Org, DuesProfile))
    bill, hardship = q(Bill._meta.db_table), q(HardshipApplication._meta.db_table)
    low, high = subtree_bounds(path)
    sql = (
        f"SELECT m.id, m.org_id, p.category, p.base, a.amount FROM {member} m "
        f"INNER JOIN {org} o ON o.id = m.org_id "
        f"INNER JOIN {profile} p ON p.member_id = m.id AND p.effective_from <= %s "
        f"INNER JOIN {AMOUNTS} a ON a.category = p.category AND a.base = p.base "
        f"WHERE o.path >= %s AND o.path < %s AND m.stage IN (%s, %s) AND m.status = %s "
        f"AND (m.joined_on < %s OR (m.joined_on IS NULL AND m.stage = %s)) "
        f"AND a.amount IS {'NULL' if refused else 'NOT NULL'} "
        f"AND NOT EXISTS (SELECT 1 FROM {profile} later WHERE later.member_id = m.id "
        f"AND later.effective_from > p.effective_from AND later.effective_from <= %s) "
        f"AND NOT EXISTS (SELECT 1 FROM {bill} b WHERE b.member_id = m.id AND b.month = %s) "
        f"AND NOT EXISTS (SELECT 1 FROM {hardship} h WHERE h.member_id = m.id AND h.status = %s "
        f"AND h.first_month <= %s AND h.last_month >= %s)"
    )
    params = [
        month, low, high, *MEMBER_STAGES, MemberStatus.NORMAL, rules.billing_ends(month), rules.FULL,
        month, month, HardshipStatus.APPROVED, month, month,
    ]  # fmt: skip
    return sql, [str(p) if isinstance(p, str) else p for p in params]


def insert_bills(path: str, month: date) -> Counter:
    """Issue the month's bills of the subtree at `path` in one statement, in the caller's transaction (see the
    module docstring). Returns org id → bills created there."""
    with connection.cursor() as cursor:
        if _load_amounts(cursor, path, month):
            sql, params = _select(path, month, refused=True)
            cursor.execute(sql + " ORDER BY m.id LIMIT 1", params)
            bad = cursor.fetchone()
            if bad is not None:
                rules.monthly_dues(bad[3], bad[2])  # raises the rule's own ValueError for that profile
        sql, params = _select(path, month, refused=False)
        columns = "member_id, org_id, month, category, base, amount, status, waiver_reference, waiver_note, created_at"
        table = connection.ops.quote_name(Bill._meta.db_table)
        stamp = connection.ops.adapt_datetimefield_value(timezone.now())
        # In member order: the indexes that start with the member get their entries in order, not at random
        # pages (half the time of a province's INSERT). The WHERE before ON CONFLICT: SQLite's upsert after a
        # SELECT needs one to parse.
        insert = (
            f"INSERT INTO {table} ({columns}) SELECT id, org_id, %s, category, base, amount, %s, '', '', %s "
            f"FROM ({sql} ORDER BY m.id) new WHERE 1 = 1 ON CONFLICT (member_id, month) DO NOTHING RETURNING org_id"
        )
        params = [month, BillStatus.DUE.value, stamp, *params]
        if connection.vendor == "postgresql":  # only the per-org counts travel back, not a row per bill
            cursor.execute(f"WITH made AS ({insert}) SELECT org_id, count(*) FROM made GROUP BY org_id", params)
            return Counter(dict(cursor.fetchall()))
        cursor.execute(insert, params)
        return Counter(org_id for (org_id,) in cursor.fetchall())
