"""Read side of 党费: scoped bills, arrears (consecutive unpaid months), collection rates over subtrees.

Every figure is one set-based query over the bills joined to the org path range; nothing loops over
orgs or members with a query each.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, F, Max, Min, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Substr

from dangjian.core.scope import restrict
from dangjian.core.tree import LABEL_WIDTH
from dangjian.dues import rules
from dangjian.dues.actions import CHANGE, VIEW
from dangjian.dues.models import (
    Bill,
    BillStatus,
    BillTotal,
    DuesProfile,
    HardshipAid,
    HardshipApplication,
    LedgerEntry,
    LedgerKind,
    Payment,
)
from dangjian.members.choices import MemberStatus
from dangjian.members.models import Member
from dangjian.orgs.models import Org

__all__ = ["CHANGE", "VIEW"]
ZERO = Decimal("0.00")


def visible_bills(user, action: str = VIEW):
    return restrict(Bill.objects.select_related("member", "org", "payment"), user, action)


def bills_of(org: Org, month: date, user):
    """The month's bills of `org`'s subtree that the user may see, in roster order."""
    return (
        visible_bills(user)
        .filter(org__path__in_subtree=org.path, month=rules.month_start(month))
        .order_by("org__path", "member__name_initials", "member_id")
    )


def profiles(member: Member):
    """A member's dues history (DUES-13), newest first."""
    return DuesProfile.objects.filter(member=member).select_related("created_by").order_by("-effective_from")


# --------------------------------------------------------------------------------------------- arrears


@dataclass(frozen=True)
class Arrears:
    member_id: int
    name: str
    org_id: int
    org_name: str
    months: int  # consecutive unpaid months up to the month asked about
    since: date  # the first of them
    amount: Decimal
    level: str | None  # rules.arrears_warning


def arrears(bills, through: date, *, at_least: int = 1) -> list[Arrears]:
    """Members whose latest bills up to `through` are unpaid, with how many in a row (DUES-16, MEM-01).

    `bills` is an already restricted Bill queryset. The streak counts the unpaid bills after the member's
    last paid or waived month; months without a bill (no profile yet) neither break nor lengthen it.
    Only members still in normal standing are listed. One query.
    """
    through = rules.month_start(through)
    last_settled = (
        Bill.objects.filter(member=OuterRef("member"), month__lte=through)
        .exclude(status=BillStatus.DUE)
        .order_by("-month")
        .values("month")[:1]
    )
    rows = (
        bills.filter(status=BillStatus.DUE, month__lte=through, member__status=MemberStatus.NORMAL)
        .annotate(settled=Subquery(last_settled))
        .filter(Q(settled__isnull=True) | Q(month__gt=F("settled")))
        .values("member_id", "member__name", "member__org_id", "member__org__name")
        .annotate(n=Count("id"), since=Min("month"), amount=Sum("amount"))
        .filter(n__gte=at_least)
        .order_by("-n", "member__org__path", "member__name_initials")
    )
    return [
        Arrears(
            member_id=r["member_id"],
            name=r["member__name"],
            org_id=r["member__org_id"],
            org_name=r["member__org__name"],
            months=r["n"],
            since=r["since"],
            amount=r["amount"] or ZERO,
            level=rules.arrears_warning(r["n"]),
        )
        for r in rows
    ]


# ------------------------------------------------------------------------------------- collection rate


@dataclass(frozen=True)
class Collection:
    """交纳情况 of a subtree for a month: bills issued, paid, waived; the rate leaves waived bills out."""

    key: object  # an Org, or a month
    billed: int
    paid: int
    waived: int
    due_amount: Decimal
    paid_amount: Decimal

    @property
    def expected(self) -> int:
        """应交人次: bills issued less those waived."""
        return self.billed - self.waived

    @property
    def rate(self) -> Decimal | None:
        return rules.collection_rate(self.expected, self.paid)

    @property
    def unpaid(self) -> int:
        return self.billed - self.paid - self.waived


FIGURES = {
    "billed": Count("id"),
    "paid": Count("id", filter=Q(status=BillStatus.PAID)),
    "waived": Count("id", filter=Q(status=BillStatus.WAIVED)),
    "due_amount": Sum("amount", filter=~Q(status=BillStatus.WAIVED)),
    "paid_amount": Sum("amount", filter=Q(status=BillStatus.PAID)),
}


def _collection(key, row: dict | None) -> Collection:
    row = row or {}
    return Collection(
        key=key,
        billed=row.get("billed") or 0,
        paid=row.get("paid") or 0,
        waived=row.get("waived") or 0,
        due_amount=row.get("due_amount") or ZERO,
        paid_amount=row.get("paid_amount") or ZERO,
    )


TOTALS = {k: Sum(k) for k in ("billed", "paid", "waived", "due_amount", "paid_amount")}


def visible_totals(user):
    """The per-org-month totals (`BillTotal`, maintained by the actions) the user may see: the collection
    pages add these up instead of scanning the bills."""
    return restrict(BillTotal.objects.all(), user, VIEW)


def _by_child(org: Org, totals, user) -> list[Collection]:
    """One row per direct child of `org`, each over the child's whole subtree, in one GROUP BY over the
    path prefix (children share their depth, hence the length of their path)."""
    children = list(Org.objects.filter(parent=org, dissolved_on__isnull=True).order_by("sort_order", "path"))
    if not children:
        return []
    width = len(org.path) + LABEL_WIDTH
    rows = (
        totals.exclude(org_id=org.pk)
        .annotate(prefix=Substr("org__path", 1, width))
        .values("prefix")
        .annotate(**TOTALS)
        .order_by()
    )
    by_prefix = {r["prefix"]: r for r in rows}
    return [_collection(child, by_prefix.get(child.path)) for child in children]


def collection(org: Org, month: date, user) -> Collection:
    """The whole subtree of `org` for one month (the bills the user may see)."""
    totals = visible_totals(user).filter(org__path__in_subtree=org.path, month=rules.month_start(month))
    return _collection(org, totals.aggregate(**TOTALS))


def collection_by_child(org: Org, month: date, user) -> list[Collection]:
    """One row per direct child of `org` for one month, each over the child's subtree."""
    totals = visible_totals(user).filter(org__path__in_subtree=org.path, month=rules.month_start(month))
    return _by_child(org, totals, user)


def collection_by_month(org: Org, through: date, user, months: int = 12) -> list[Collection]:
    """The subtree's figures for the `months` months up to `through`, newest first, in one query."""
    last = rules.month_start(through)
    first = rules.month_shift(last, -(months - 1))
    rows = (
        visible_totals(user)
        .filter(org__path__in_subtree=org.path, month__gte=first, month__lte=last)
        .values("month")
        .annotate(**TOTALS)
        .order_by()
    )
    by_month = {r["month"]: r for r in rows}
    return [_collection(m, by_month.get(m)) for m in (rules.month_shift(last, -i) for i in range(months))]


def latest_bill_month(org: Org, user) -> date | None:
    return visible_bills(user).filter(org__path__in_subtree=org.path).aggregate(m=Max("month"))["m"]


# ------------------------------------------------------------------------------- periods (月/季/年)


def collection_period(org: Org, period: str, user) -> Collection:
    """The subtree's figures over a month, quarter or year (`rules.period_bounds`): amounts due vs paid."""
    first, last = rules.period_bounds(period)
    totals = visible_totals(user).filter(org__path__in_subtree=org.path, month__gte=first, month__lte=last)
    return _collection(period, totals.aggregate(**TOTALS))


def collection_period_by_child(org: Org, period: str, user) -> list[Collection]:
    """One row per direct child over its subtree for the period, in one GROUP BY on the path prefix."""
    first, last = rules.period_bounds(period)
    totals = visible_totals(user).filter(org__path__in_subtree=org.path, month__gte=first, month__lte=last)
    return _by_child(org, totals, user)


# ------------------------------------------------------------------------------------ fund ledger


@dataclass(frozen=True)
class LedgerSummary:
    """An org's dues fund for a period: collected (paid bills of its own subtree's members plus extras are
    counted where collected), received from above, remitted, allocated, used, and the balance."""

    collected: Decimal
    received: Decimal
    remitted: Decimal
    allocated: Decimal
    used: Decimal

    @property
    def balance(self) -> Decimal:
        return self.collected + self.received - self.remitted - self.allocated - self.used


def ledger_entries(org: Org, user):
    """Lines recorded by the org or naming it as the counterpart, that the user may see."""
    return (
        restrict(LedgerEntry.objects.select_related("org", "counterpart", "recorded_by"), user, VIEW)
        .filter(Q(org=org) | Q(counterpart=org))
        .order_by("-entry_date", "-pk")
    )


def ledger_summary(org: Org, user, year: int) -> LedgerSummary:
    """The year's fund of `org` alone (not its subtree): what its own members paid, what came and went."""
    entries = restrict(LedgerEntry.objects.all(), user, VIEW).filter(entry_date__year=year)
    own = entries.filter(org=org).aggregate(
        remitted=Sum("amount", filter=Q(kind=LedgerKind.REMITTANCE)),
        allocated=Sum("amount", filter=Q(kind=LedgerKind.ALLOCATION)),
        used=Sum("amount", filter=Q(kind=LedgerKind.USAGE)),
    )
    inbound = entries.filter(counterpart=org).aggregate(
        received=Sum("amount", filter=Q(kind=LedgerKind.ALLOCATION)),
        from_below=Sum("amount", filter=Q(kind=LedgerKind.REMITTANCE)),
    )
    collected = (
        restrict(Payment.objects.all(), user, VIEW).filter(org=org, paid_on__year=year).aggregate(s=Sum("amount"))["s"]
        or ZERO
    )
    return LedgerSummary(
        collected=collected + (inbound["from_below"] or ZERO),
        received=inbound["received"] or ZERO,
        remitted=own["remitted"] or ZERO,
        allocated=own["allocated"] or ZERO,
        used=own["used"] or ZERO,
    )


# ----------------------------------------------------------------------------------- hardship


def hardship_applications(user, org: Org | None = None):
    qs = restrict(HardshipApplication.objects.select_related("member", "org"), user, VIEW)
    if org is not None:
        qs = qs.filter(org__path__in_subtree=org.path)
    return qs.order_by("-applied_on", "-pk")


def aids_of(member: Member, user) -> list:
    """The member's visits and aid (困难党员帮扶) that the user may see, newest first."""
    rows = restrict(HardshipAid.objects.select_related("org", "ledger_entry", "recorded_by"), user, VIEW)
    return list(rows.filter(member=member).order_by("-visited_on", "-pk"))


def aid_total(aids) -> Decimal:
    return sum((a.amount for a in aids), ZERO)


def aid_ledger_entries(member: Member, user):
    """DUES-18 `hardship_aid` uses recorded by an org above (or at) the member's org, for linking an aid."""
    above = [member.org.path[:i] for i in range(LABEL_WIDTH, len(member.org.path) + 1, LABEL_WIDTH)]
    return (
        restrict(LedgerEntry.objects.all(), user, VIEW)
        .filter(kind=LedgerKind.USAGE, category="hardship_aid", org__path__in=above)
        .order_by("-entry_date", "-pk")[:50]
    )


# ------------------------------------------------------------------------------- self-service


@dataclass(frozen=True)
class OwnDues:
    bills: list
    payments: list
    unpaid: list
    unpaid_amount: Decimal
    paid_until: date | None  # every bill up to this month is paid or waived


def own_dues(member: Member, months: int = 24) -> OwnDues:
    """A member's own bills, payments and "paid until" (交至): the month before the first unpaid bill, or the
    latest bill when none is unpaid. Not restricted: the caller has established that this is the user."""
    bills = list(Bill.objects.filter(member=member).select_related("payment").order_by("-month")[:months])
    unpaid = list(Bill.objects.filter(member=member, status=BillStatus.DUE).order_by("month"))
    if unpaid:
        earlier = Bill.objects.filter(member=member, month__lt=unpaid[0].month).aggregate(m=Max("month"))["m"]
        paid_until = earlier
    else:
        paid_until = bills[0].month if bills else None
    payments = list(Payment.objects.filter(member=member).order_by("-paid_on", "-pk")[:months])
    return OwnDues(
        bills=bills,
        payments=payments,
        unpaid=unpaid,
        unpaid_amount=sum((b.amount for b in unpaid), ZERO),
        paid_until=paid_until,
    )


def with_earlier_unpaid(bills, restricted) -> list:
    """The ticked bills plus every earlier unpaid bill of the same members (补交 from the branch screen)."""
    bills = list(bills)
    if not bills:
        return bills
    latest: dict[int, date] = {}
    for b in bills:
        latest[b.member_id] = max(latest.get(b.member_id, b.month), b.month)
    q = Q(pk__in=[])
    for member_id, month in latest.items():
        q |= Q(member_id=member_id, month__lt=month)
    extra = list(restricted.filter(q, status=BillStatus.DUE))
    seen = {b.pk for b in bills}
    return bills + [b for b in extra if b.pk not in seen]
