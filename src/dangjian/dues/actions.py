"""Every change of dues data: profiles (计算基数), monthly bills, payments and hardship waivers.

Each action checks `dues.change_bill` over the org path, validates through `dues.rules`, writes in one
transaction, re-checks scope after the write and records one audit event. Audit events carry ids,
months and amounts, never names or other personal data.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from dangjian.core import audit
from dangjian.core.errors import OutOfScope, RuleViolation
from dangjian.core.scope import restrict, user_may_act_on_path
from dangjian.dues import rules
from dangjian.dues.models import Bill, BillStatus, DuesProfile, Payment, PaymentMethod
from dangjian.members.choices import MEMBER_STAGES, MemberStatus
from dangjian.members.models import Member
from dangjian.orgs.models import Org

VIEW = "dues.view_bill"
CHANGE = "dues.change_bill"
ZERO = Decimal("0.00")


def _today() -> date:
    return timezone.localdate()


def _require(actor, path: str) -> None:
    if actor is not None and not user_may_act_on_path(actor, CHANGE, path):
        raise OutOfScope()


def _money(value) -> Decimal:
    try:
        return rules._decimal(value).quantize(rules.CENT)
    except ValueError as exc:
        raise RuleViolation("DUES-03", str(exc), field="base") from exc


# ------------------------------------------------------------------------------------------- profiles


def set_profile(member: Member, category: str, base, effective_from: date, *, actor, note: str = "") -> DuesProfile:
    """DUES-13: record the member's category and base from the month `effective_from` on (the month the new
    pay is first received). Earlier rows stay as history; a row for the same month is corrected in place.
    Unpaid bills of the months it governs are recomputed; paid and waived bills are left as they were."""
    _require(actor, member.org.path)
    if member.stage not in MEMBER_STAGES or member.status == MemberStatus.EXITED:
        raise RuleViolation("DUES-11", "只有预备党员和正式党员交纳党费", field="category")
    base = _money(base)
    try:
        amount = rules.monthly_dues(base, category)
    except ValueError as exc:
        raise RuleViolation("DUES-03", str(exc), field="base" if category in rules.CATEGORIES else "category") from exc
    month = rules.month_start(effective_from)
    with transaction.atomic():
        profile = DuesProfile.objects.filter(member=member, effective_from=month).first()
        before = {"category": profile.category, "base": profile.base} if profile else None
        if profile is None:
            profile = DuesProfile(member=member, effective_from=month)
        profile.category, profile.base, profile.note, profile.created_by = category, base, note, actor
        profile.save()
        later = (
            DuesProfile.objects.filter(member=member, effective_from__gt=month)
            .order_by("effective_from")
            .values_list("effective_from", flat=True)
            .first()
        )
        governed = Bill.objects.filter(member=member, status=BillStatus.DUE, month__gte=month)
        if later is not None:
            governed = governed.filter(month__lt=later)
        recomputed = governed.update(category=category, base=base, amount=amount)
        if actor is not None and not restrict(DuesProfile.objects.filter(pk=profile.pk), actor, CHANGE).exists():
            raise OutOfScope()
        audit.record(
            "dues.profile.set",
            actor=actor,
            obj=profile,
            org_path=member.org.path,
            before=before,
            after={
                "member_id": member.pk,
                "category": category,
                "base": base,
                "effective_from": month,
                "monthly_dues": amount,
                "bills_recomputed": recomputed,
            },
        )
    return profile


def profiles_in_force(member_ids, month: date) -> dict[int, DuesProfile]:
    """member id → the DuesProfile in force for `month` (DUES-13), in one query."""
    found: dict[int, DuesProfile] = {}
    rows = DuesProfile.objects.filter(member_id__in=member_ids, effective_from__lte=rules.month_start(month))
    for profile in rows.order_by("member_id", "effective_from"):
        found[profile.member_id] = profile  # the latest effective_from wins
    return found


# ---------------------------------------------------------------------------------------------- bills


@dataclass
class Generation:
    """What `generate_bills` did: bills created, bills that already existed, members left without a bill."""

    month: date
    created: int = 0
    existing: int = 0
    missing_profile: list[Member] = field(default_factory=list)
    not_yet_member: int = 0


def generate_bills(org: Org, month: date, *, actor) -> Generation:
    """Issue the month's bills for every probationary and full member in `org`'s subtree, in one action.

    Idempotent: a member who already has the month's bill gets nothing new. Amounts come from
    `rules.monthly_dues` on the profile in force (DUES-13); probationary members are billed from the month
    of their acceptance (DUES-11); members without a profile get no bill and are reported.
    """
    _require(actor, org.path)
    month = rules.month_start(month)
    if month > rules.month_start(_today()):
        raise RuleViolation("DUES-17", "不能为以后的月份生成党费账单（不得预交）", field="month")
    result = Generation(month=month)
    in_subtree = Member.objects.filter(
        org__path__in_subtree=org.path, stage__in=MEMBER_STAGES, status=MemberStatus.NORMAL
    )
    with transaction.atomic():
        members = list(in_subtree.select_related("org").order_by("org__path", "name_initials", "pk"))
        ids = in_subtree.values("pk")  # a subquery, not a list of ids: a county has 10⁵ members
        billed = set(Bill.objects.filter(member__in=ids, month=month).values_list("member_id", flat=True))
        profiles = profiles_in_force(ids, month)
        new = []
        for m in members:
            if not rules.bill_months(m.joined_on, m.stage, month):
                result.not_yet_member += 1
                continue
            if m.pk in billed:
                result.existing += 1
                continue
            profile = profiles.get(m.pk)
            if profile is None:
                result.missing_profile.append(m)
                continue
            amount = rules.monthly_dues(profile.base, profile.category)
            new.append(
                Bill(member=m, org=m.org, month=month, category=profile.category, base=profile.base, amount=amount)
            )
        Bill.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
        result.created = len(new)
        if actor is not None:
            in_subtree = Bill.objects.filter(month=month, org__path__in_subtree=org.path)
            if restrict(in_subtree, actor, CHANGE).count() != in_subtree.count():
                raise OutOfScope()
        audit.record(
            "dues.bills.generate",
            actor=actor,
            obj=org,
            org_path=org.path,
            after={
                "month": month,
                "created": result.created,
                "existing": result.existing,
                "missing_profile": [m.pk for m in result.missing_profile],
            },
        )
    return result


def _locked_bills(bills, actor) -> list[Bill]:
    ids = sorted({b.pk for b in bills})
    if not ids:
        raise RuleViolation("DUES-15", "请选择要登记的党费月份")
    qs = Bill.objects.filter(pk__in=ids)
    if actor is not None:
        qs = restrict(qs, actor, CHANGE)
    locked = list(qs.select_for_update().select_related("member", "org").order_by("member_id", "month"))
    if len(locked) != len(ids):
        raise OutOfScope()
    settled = [b for b in locked if b.status != BillStatus.DUE]
    if settled:
        b = settled[0]
        raise RuleViolation("DUES-15", f"{b.month:%Y年%m月}的党费已{b.get_status_display()}，不能重复登记")
    return locked


def record_payment(
    bills,
    *,
    actor,
    paid_on: date,
    method: str,
    reference: str = "",
    proxy: str = "",
    extra=ZERO,
) -> list[Payment]:
    """Record that the given bills were paid: one Payment per member, in one transaction.

    DUES-15: several months may be paid at once (quarterly, or arrears with the branch's consent), at
    most 6 months per member and payment; by proxy (`proxy` is the name of the relative or member who
    paid). DUES-14: a voluntary extra amount may be added when paying for one member; 1000 yuan or more is
    flagged `remit_upward`. Returns the payments created.
    """
    if method not in PaymentMethod.values:
        raise RuleViolation("DUES-15", f"未知的交纳方式：{method}", field="method")
    if paid_on > _today():
        raise RuleViolation("DUES-15", "交纳日期不能晚于今天", field="paid_on")
    extra = _money(extra)
    if extra < 0:
        raise RuleViolation("DUES-14", "自愿多交金额不能为负数", field="extra")
    with transaction.atomic():
        locked = _locked_bills(bills, actor)
        by_member: dict[int, list[Bill]] = defaultdict(list)
        for b in locked:
            by_member[b.member_id].append(b)
        if extra and len(by_member) > 1:
            raise RuleViolation("DUES-14", "自愿多交只能按人逐笔登记", field="extra")
        for member_bills in by_member.values():
            if not rules.arrears_payment_allowed(len(member_bills)):
                name = member_bills[0].member.name
                raise RuleViolation(
                    "DUES-15",
                    f"{name}一次交纳{len(member_bills)}个月，超过{rules.ARREARS_MONTHS_ALLOWED}个月；补交一般不超过6个月",
                )
            if member_bills[0].member.status == MemberStatus.EXITED:
                raise RuleViolation("DUES-15", f"{member_bills[0].member.name}已出党，不能登记交纳党费")
        payments = []
        for member_id, member_bills in by_member.items():
            dues = sum((b.amount for b in member_bills), ZERO)
            payments.append(
                Payment(
                    member_id=member_id,
                    org=member_bills[0].member.org,
                    paid_on=paid_on,
                    dues_amount=dues,
                    extra_amount=extra,
                    amount=dues + extra,
                    months=len(member_bills),
                    method=method,
                    reference=reference.strip(),
                    proxy_name=proxy.strip(),
                    remit_upward=rules.remit_upward(extra),
                    recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
                )
            )
        Payment.objects.bulk_create(payments)
        if any(p.pk is None for p in payments):  # pragma: no cover - every supported database returns ids
            raise RuntimeError("the database did not return the new payment ids")
        for payment in payments:
            for b in by_member[payment.member_id]:
                b.status, b.payment = BillStatus.PAID, payment
        Bill.objects.bulk_update(locked, ["status", "payment"], batch_size=500)
        if actor is not None:
            ids = [p.pk for p in payments]
            if restrict(Payment.objects.filter(pk__in=ids), actor, CHANGE).count() != len(ids):
                raise OutOfScope()
        org_path = _common_path([b.org.path for b in locked])
        audit.record(
            "dues.payment.record",
            actor=actor,
            object_type="dues.payment",
            object_id=",".join(str(p.pk) for p in payments)[:64],
            object_repr=f"党费交纳 {len(payments)} 笔",
            org_path=org_path,
            after={
                "payments": [
                    {
                        "id": p.pk,
                        "member_id": p.member_id,
                        "months": [b.month for b in by_member[p.member_id]],
                        "amount": p.amount,
                        "extra": p.extra_amount,
                        "remit_upward": p.remit_upward,
                        "by_proxy": bool(p.proxy_name),
                    }
                    for p in payments
                ],
                "paid_on": paid_on,
                "method": method,
                "reference": reference.strip(),
            },
        )
    return payments


def waive_bills(bills, *, actor, reference: str, note: str = "") -> list[Bill]:
    """DUES-10: a hardship reduction approved by the upper Party committee. Only the outcome is recorded here
    (the approval's document number is required); the application and approval flow is kept on paper."""
    reference = reference.strip()
    if not reference:
        raise RuleViolation("DUES-10", "减免党费须经上级党委批准，请填写批准文号", field="reference")
    with transaction.atomic():
        locked = _locked_bills(bills, actor)
        for b in locked:
            b.status, b.waiver_reference, b.waiver_note = BillStatus.WAIVED, reference, note.strip()
        Bill.objects.bulk_update(locked, ["status", "waiver_reference", "waiver_note"])
        audit.record(
            "dues.bill.waive",
            actor=actor,
            object_type="dues.bill",
            object_id=",".join(str(b.pk) for b in locked)[:64],
            object_repr=f"党费减免 {len(locked)} 个月",
            org_path=_common_path([b.org.path for b in locked]),
            after={
                "bills": [{"id": b.pk, "member_id": b.member_id, "month": b.month, "amount": b.amount} for b in locked],
                "reference": reference,
                "note": note.strip(),
            },
        )
    return locked


def _common_path(paths: list[str]) -> str:
    """The deepest org path above every given path (an audit event names one org)."""
    from dangjian.core.tree import LABEL_WIDTH

    if not paths:
        return ""
    common = paths[0]
    for p in paths[1:]:
        while not p.startswith(common):
            common = common[:-LABEL_WIDTH]
    return common
