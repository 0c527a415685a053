"""Points accrued from real records, idempotently: attendance at held meetings (orglife), dues bills paid on
time or late (dues), and anything another module feeds through `hooks.feed` or a domain event (training,
volunteer service; see `dangjian.core.events`).

Every automatic entry is keyed by (item, source type, source id, member): accruing again creates nothing new,
and reconciling a batch of sources removes the entries whose source no longer qualifies (an attendance
corrected from present to excused, a late bill waived). Sources are read in chunks, never one query each.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from dangjian.dues import rules as dues_rules
from dangjian.dues.models import Bill, BillStatus
from dangjian.members.importer import insert_rows  # the roster's bulk INSERT path, shared
from dangjian.orglife.models import Attendance, AttendanceStatus, MeetingStatus
from dangjian.points.catalogue import Catalogue
from dangjian.points.models import EntryStatus, PointEntry

ATTENDANCE = "orglife.attendance"
BILL = "dues.bill"
CHUNK = 5000


def _key(e: dict) -> tuple:
    return (e["item_id"], e["source_type"], e["source_id"], e["member_id"])


def _reconcile(source_type: str, source_ids: list[str], desired: list[dict]) -> tuple[int, int]:
    """Make the automatic entries of these sources exactly `desired`: (created, removed)."""
    existing = {
        (item_id, st, sid, member_id): pk
        for pk, item_id, st, sid, member_id in PointEntry.objects.filter(
            source_type=source_type, source_id__in=source_ids
        ).values_list("pk", "item_id", "source_type", "source_id", "member_id")
    }
    want = {_key(d): d for d in desired}
    stale = [pk for key, pk in existing.items() if key not in want]
    new = [d for key, d in want.items() if key not in existing]
    with transaction.atomic():
        if stale:
            PointEntry.objects.filter(pk__in=stale).delete()
        insert_rows(PointEntry, new)  # one prepared INSERT; the unique key refuses a concurrent duplicate
    return len(new), len(stale)


def _auto(item, *, member_id, org_id, occurred_on, source_type, source_id, evidence) -> dict:
    return {
        "member_id": member_id, "org_id": org_id, "item_id": item.pk, "points": item.points, "quantity": 1,
        "occurred_on": occurred_on, "source_type": source_type, "source_id": str(source_id), "evidence": evidence,
        "status": EntryStatus.APPROVED,
    }  # fmt: skip


# ---------------------------------------------------------------------------------------- attendance

ATTENDANCE_FIELDS = ("pk", "member_id", "status", "meeting_id", "meeting__kind", "meeting__held_on",
                     "meeting__org_id", "meeting__org__path", "meeting__status")  # fmt: skip


def _attendance_entries(rows: Iterable[dict], cat: Catalogue) -> list[dict]:
    out = []
    for r in rows:
        if r["meeting__status"] != MeetingStatus.HELD:
            continue
        source = {AttendanceStatus.PRESENT: "attendance", AttendanceStatus.ABSENT: "absence"}.get(r["status"])
        if source is None:  # excused (请假): neither points nor a deduction
            continue
        item = cat.pick(r["meeting__org__path"], r["meeting__held_on"], source, r["meeting__kind"])
        if item is None:
            continue
        out.append(
            _auto(item, member_id=r["member_id"], org_id=r["meeting__org_id"], occurred_on=r["meeting__held_on"],
                  source_type=ATTENDANCE, source_id=r["pk"], evidence=f"组织生活记录 {r['meeting_id']}")
        )  # fmt: skip
    return out


def _accrue_attendance(queryset, cat: Catalogue) -> tuple[int, int]:
    created = removed = 0
    rows = list(queryset.values(*ATTENDANCE_FIELDS).order_by("pk"))
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        c, r = _reconcile(ATTENDANCE, [str(x["pk"]) for x in chunk], _attendance_entries(chunk, cat))
        created, removed = created + c, removed + r
    return created, removed


def accrue_meetings(meeting_ids: Iterable[int]) -> tuple[int, int]:
    """Points for the attendance of these meetings (after an attendance sheet or a meeting is saved)."""
    return _accrue_attendance(Attendance.objects.filter(meeting_id__in=list(meeting_ids)), Catalogue())


# ------------------------------------------------------------------------------------------- dues

BILL_FIELDS = ("pk", "member_id", "org_id", "org__path", "month", "status", "payment__paid_on")


def _bill_entries(rows: Iterable[dict], cat: Catalogue, today: date) -> list[dict]:
    out = []
    for r in rows:
        month_end = dues_rules.month_shift(r["month"], 1) - timedelta(days=1)
        if r["status"] == BillStatus.PAID and r["payment__paid_on"] is not None:
            on_time = dues_rules.paid_on_time(r["month"], r["payment__paid_on"])
            source, day = ("dues_on_time", r["payment__paid_on"]) if on_time else ("dues_late", month_end)
        elif r["status"] == BillStatus.DUE and month_end < today:
            source, day = "dues_late", month_end
        else:
            continue
        item = cat.pick(r["org__path"], day, source)
        if item is None:
            continue
        out.append(
            _auto(item, member_id=r["member_id"], org_id=r["org_id"], occurred_on=day, source_type=BILL,
                  source_id=r["pk"], evidence=f"党费账单 {r['month']:%Y-%m}")
        )  # fmt: skip
    return out


def _accrue_bills(queryset, cat: Catalogue, today: date) -> tuple[int, int]:
    created = removed = 0
    rows = list(queryset.values(*BILL_FIELDS).order_by("pk"))
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        c, r = _reconcile(BILL, [str(x["pk"]) for x in chunk], _bill_entries(chunk, cat, today))
        created, removed = created + c, removed + r
    return created, removed


def accrue_bills(bill_ids: Iterable[int], today: date | None = None) -> tuple[int, int]:
    """Points for these dues bills (after a payment, a waiver or a hardship approval)."""
    return _accrue_bills(Bill.objects.filter(pk__in=list(bill_ids)), Catalogue(), today or timezone.localdate())


# ---------------------------------------------------------------------------------------- a period


def recompute(org, year: int, *, today: date | None = None, progress=None) -> dict:
    """Recompute the automatic points of `org`'s subtree for `year`: every held meeting's attendance and
    every bill of the year. Idempotent; manual entries are never touched."""
    today = today or timezone.localdate()
    cat = Catalogue()
    attendance = Attendance.objects.filter(meeting__org__path__in_subtree=org.path, meeting__held_on__year=year)
    bills = Bill.objects.filter(
        Q(org__path__in_subtree=org.path), month__gte=date(year, 1, 1), month__lte=date(year, 12, 1)
    )
    if progress:
        progress.report(0, 2, "组织生活", force=True)
    a_created, a_removed = _accrue_attendance(attendance, cat)
    if progress:
        progress.report(1, 2, "党费", force=True)
    b_created, b_removed = _accrue_bills(bills, cat, today)
    created, removed = a_created + b_created, a_removed + b_removed
    return {
        "created": created,
        "removed": removed,
        "message": f"{year}年积分已重新计算：新增{created}条，撤销{removed}条。",
    }


def recompute_job(job, progress) -> dict:
    """core.tasks handler: params {"org": id, "year": int}."""
    from dangjian.orgs.models import Org

    org = Org.objects.get(pk=job.params["org"])
    return recompute(org, int(job.params["year"]), progress=progress)
