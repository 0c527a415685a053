"""Every change of dues data: profiles (计算基数), monthly bills, payments and hardship waivers.

Each action checks `dues.change_bill` over the org path, validates through `dues.rules`, writes in one
transaction, re-checks scope after the write and records one audit event. Audit events carry ids,
months and amounts, never names or other personal data.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from dangjian.core import audit, events
from dangjian.core.errors import ConcurrentEdit, OutOfScope, RuleViolation
from dangjian.core.scope import restrict, user_may_act_on_path
from dangjian.core.sql import values_in
from dangjian.dues import billing, rules, totals
from dangjian.dues.models import (
    Bill,
    BillStatus,
    DuesProfile,
    HardshipAid,
    HardshipApplication,
    HardshipStatus,
    LedgerEntry,
    Payment,
    PaymentMethod,
)
from dangjian.members.choices import MEMBER_STAGES, MemberStatus
from dangjian.members.importer import insert_rows  # the roster's bulk INSERT path, shared
from dangjian.members.models import Member
from dangjian.orgs.models import Org
from dangjian.stats import events as stats_events

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


def set_profile(
    member: Member, category: str, base, effective_from: date, *, actor, note: str = "", confirmed: bool = False
) -> DuesProfile:
    """DUES-13: record the member's category and base from the month `effective_from` on (the month the new
    pay is first received). Earlier rows stay as history; a row for the same month is corrected in place.
    Unpaid bills of the months it governs are recomputed; paid and waived bills are left as they were."""
    _require(actor, member.org.path)
    if member.stage not in MEMBER_STAGES or member.status == MemberStatus.EXITED:
        raise RuleViolation("DUES-11", "只有预备党员和正式党员交纳党费", field="category")
    base = _money(base)
    if rules.base_needs_confirmation(base) and not confirmed:
        message = "计算基数超过每月100万元，请核实（是否误填了年收入或多输了位数），确认无误后勾选“确认”再保存"
        raise RuleViolation("DUES-03", message, field="base")
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
        governed = Bill.objects.filter(member=member, status=BillStatus.DUE, month__gte=month, waiver_reference="")
        if later is not None:
            governed = governed.filter(month__lt=later)
        touched = list(governed.values_list("org_id", "month"))
        recomputed = governed.update(category=category, base=base, amount=amount)
        if touched:
            totals.refresh(months={m for _, m in touched}, org_ids={o for o, _ in touched})
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
    missing_profile: list[Member] = field(default_factory=list)  # the first MISSING_LISTED of them
    not_yet_member: int = 0
    missing_count: int = 0


MISSING_LISTED = 500


def generate_bills(org: Org, month: date, *, actor) -> Generation:
    """Issue the month's bills for every probationary and full member in `org`'s subtree, in one action.

    Idempotent: a member who already has the month's bill gets nothing new. Amounts come from
    `rules.monthly_dues` on the profile in force (DUES-13); probationary members are billed from the month
    of their acceptance (DUES-11); members without a profile get no bill and are reported. Set-based
    (`dues.billing`): one INSERT … SELECT for the subtree, row by row only for the members with an approved
    hardship application covering the month (DUES-10).
    """
    _require(actor, org.path)
    month = rules.month_start(month)
    if month > rules.month_start(_today()):
        raise RuleViolation("DUES-17", "不能为以后的月份生成党费账单（不得预交）", field="month")
    result = Generation(month=month)
    payers = billing.payers(org.path)
    owing = payers.filter(billing.owes_q(month))
    with transaction.atomic():
        counts = payers.aggregate(all=Count("pk"), owing=Count("pk", filter=billing.owes_q(month)))
        result.not_yet_member = counts["all"] - counts["owing"]
        result.existing = owing.filter(billing.billed_q(month)).count()
        made = Counter()
        if result.existing < counts["owing"]:  # run again on a billed month: nothing left to issue
            made = billing.insert_bills(org.path, month)
            unbilled = owing.filter(billing.hardship_q(month)).exclude(billing.billed_q(month))
            made.update(_hardship_bills(unbilled, month))
        result.created = sum(made.values())
        result.missing_count = counts["owing"] - result.existing - result.created
        if result.missing_count:
            unbilled = owing.exclude(billing.billed_q(month)).order_by("pk")[:MISSING_LISTED]
            result.missing_profile = list(unbilled)
        if result.created:
            totals.refresh(months=[month], subtree=org.path)
        if actor is not None and made:  # the new bills lie in orgs the actor may change (not one row per bill)
            where = Org.objects.filter(values_in("id", sorted(made)))
            if restrict(where, actor, CHANGE).count() != len(made):
                raise OutOfScope()
        stats_events.orgs_changed(made)
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
                "missing_count": result.missing_count,
            },
        )
    return result


def _hardship_bills(members, month: date) -> Counter:
    """The bills of members with an approved hardship application covering `month` (DUES-10: waived when
    exempt, the approved amount when reduced), row by row: a handful per month. Returns org id → bills."""
    members = list(members.values_list("pk", "org_id"))
    ids = [pk for pk, _ in members]
    profiles = profiles_in_force(ids, month)
    hardship = approved_hardship(ids, month)
    rows = []
    for member_id, org_id in members:
        profile = profiles.get(member_id)
        if profile is None:
            continue
        bill = Bill(member_id=member_id, org_id=org_id, month=month, category=profile.category, base=profile.base,
                    amount=rules.monthly_dues(profile.base, profile.category))  # fmt: skip
        _apply_hardship(bill, hardship[member_id])
        rows.append(bill)
    insert_rows(Bill, rows)
    return Counter(b.org_id for b in rows)


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
        totals.of_bills(locked)
        if actor is not None:
            ids = [p.pk for p in payments]
            if restrict(Payment.objects.filter(pk__in=ids), actor, CHANGE).count() != len(ids):
                raise OutOfScope()
        org_path = _common_path([b.org.path for b in locked])
        stats_events.orgs_changed({b.org_id for b in locked})
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
        events.publish(events.BILLS_SETTLED, bill_ids=[b.pk for b in locked])
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
        stats_events.orgs_changed({b.org_id for b in locked})
        totals.of_bills(locked)
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
        events.publish(events.BILLS_SETTLED, bill_ids=[b.pk for b in locked])
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


# ------------------------------------------------------------------------------ DUES-10 hardship flow


def approved_hardship(member_ids, month: date) -> dict[int, HardshipApplication]:
    """member id → the approved hardship application covering `month`, in one query."""
    month = rules.month_start(month)
    who = values_in("member_id", member_ids) if isinstance(member_ids, list) else Q(member_id__in=member_ids)
    rows = HardshipApplication.objects.filter(
        who, status=HardshipStatus.APPROVED, first_month__lte=month, last_month__gte=month
    ).order_by("approved_on", "pk")
    return {a.member_id: a for a in rows}


def _apply_hardship(bill: Bill, app: HardshipApplication) -> None:
    """Exempt: the bill is waived; reduced: it stays due at the approved amount. Both cite the approval."""
    bill.waiver_reference = app.approval_reference
    bill.waiver_note = f"{app.get_kind_display()}（申请{app.pk}）"
    if app.kind == "exempt":
        bill.status = BillStatus.WAIVED
    else:
        bill.amount = rules.hardship_amount(app.kind, bill.amount, app.monthly_amount)


def _locked_application(app: HardshipApplication, expected_version: int | None) -> HardshipApplication:
    locked = HardshipApplication.objects.select_for_update().select_related("org", "member").get(pk=app.pk)
    if expected_version is not None and locked.version != expected_version:
        raise ConcurrentEdit()
    return locked


def apply_hardship(
    member: Member, *, actor, kind: str, first_month: date, last_month: date, reason: str,
    monthly_amount=ZERO, applied_on: date | None = None,
) -> HardshipApplication:  # fmt: skip
    """DUES-10 step 1: register the member's own application (entered by the branch, or by the member)."""
    _require_self_or_change(actor, member)
    first, last = rules.month_start(first_month), rules.month_start(last_month)
    if kind not in ("reduce", "exempt"):
        raise RuleViolation("DUES-10", f"未知的减免方式：{kind}", field="kind")
    if not rules.hardship_months_valid(first, last):
        raise RuleViolation(
            "DUES-10", f"减免期间应为1至{rules.HARDSHIP_MAX_MONTHS}个月，且起始月份不晚于截止月份", field="last_month"
        )
    amount = _money(monthly_amount)
    if kind == "reduce" and amount <= 0:
        message = "少交党费的，请填写减免后每月交纳的金额；全部免交请选择“免交”"
        raise RuleViolation("DUES-10", message, field="monthly_amount")
    if not reason.strip():
        raise RuleViolation("DUES-10", "请填写申请理由", field="reason")
    with transaction.atomic():
        app = HardshipApplication.objects.create(
            member=member, org=member.org, kind=kind, monthly_amount=amount if kind == "reduce" else ZERO,
            first_month=first, last_month=last, reason=reason.strip(), applied_on=applied_on or _today(),
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )  # fmt: skip
        audit.record(
            "dues.hardship.apply", actor=actor, obj=app, org_path=member.org.path,
            after={"member_id": member.pk, "kind": kind, "first_month": first, "last_month": last, "amount": amount},
        )  # fmt: skip
    return app


def _require_self_or_change(actor, member: Member) -> None:
    if actor is None or user_may_act_on_path(actor, CHANGE, member.org.path):
        return
    own = linked_member(actor)
    if own is None or own.pk != member.pk:
        raise OutOfScope()


def decide_hardship(
    app: HardshipApplication, *, actor, agree: bool, decision: str, decided_on: date | None = None,
    expected_version: int | None = None,
) -> HardshipApplication:  # fmt: skip
    """DUES-10 step 2: the branch studies the application (a 支部委员会 or 支部大会 decision)."""
    _require(actor, app.org.path)
    if not decision.strip():
        raise RuleViolation("DUES-10", "请填写支部研究的会议或记录", field="decision")
    with transaction.atomic():
        locked = _locked_application(app, expected_version)
        target = HardshipStatus.BRANCH_AGREED if agree else HardshipStatus.REJECTED
        if not rules.hardship_step_allowed(locked.status, target):
            raise RuleViolation("DUES-10", f"申请当前为“{locked.get_status_display()}”，不能再由支部研究")
        locked.status, locked.branch_decision = target, decision.strip()
        locked.branch_decided_on = decided_on or _today()
        if not agree:
            locked.rejection_reason = decision.strip()
        locked.version += 1
        locked.save()
        audit.record("dues.hardship.branch", actor=actor, obj=locked, org_path=locked.org.path,
                     after={"status": target, "decision": locked.branch_decision})  # fmt: skip
    return locked


def approve_hardship(
    app: HardshipApplication, *, actor, approve: bool, reference: str = "", reason: str = "",
    approved_on: date | None = None, expected_version: int | None = None,
) -> HardshipApplication:  # fmt: skip
    """DUES-10 step 3: the upper Party committee approves (citing its document) or refuses. Only an account
    holding `dues.change_bill` above the branch may decide. On approval the unpaid bills of the months
    covered are waived (免交) or reduced (少交) at once; bills generated later follow the application."""
    parent = Org.objects.filter(pk=app.org.parent_id).first()
    parent_path = parent.path if parent else None
    if actor is not None and (parent_path is None or not user_may_act_on_path(actor, CHANGE, parent_path)):
        if user_may_act_on_path(actor, CHANGE, app.org.path):
            raise RuleViolation("DUES-10", "困难党员减免党费须报上级党委批准，本支部不能自行批准")
        raise OutOfScope()
    if approve and not reference.strip():
        raise RuleViolation("DUES-10", "请填写上级党委批准文号", field="reference")
    with transaction.atomic():
        locked = _locked_application(app, expected_version)
        target = HardshipStatus.APPROVED if approve else HardshipStatus.REJECTED
        if not rules.hardship_step_allowed(locked.status, target):
            raise RuleViolation("DUES-10", f"申请当前为“{locked.get_status_display()}”，须先经支部研究同意")
        locked.status, locked.approved_on = target, approved_on or _today()
        locked.approval_reference = reference.strip()
        if not approve:
            locked.rejection_reason = reason.strip() or "上级党委未批准"
        locked.version += 1
        locked.save()
        changed = []
        if approve:
            bills = list(
                Bill.objects.select_for_update().filter(
                    member=locked.member,
                    status=BillStatus.DUE,
                    month__gte=locked.first_month,
                    month__lte=locked.last_month,
                )
            )
            for b in bills:
                _apply_hardship(b, locked)
            Bill.objects.bulk_update(bills, ["status", "amount", "waiver_reference", "waiver_note"])
            stats_events.orgs_changed({b.org_id for b in bills})
            totals.of_bills(bills)
            changed = [{"id": b.pk, "month": b.month, "amount": b.amount, "status": b.status} for b in bills]
        audit.record("dues.hardship.approve", actor=actor, obj=locked, org_path=locked.org.path,
                     after={"status": target, "reference": locked.approval_reference, "bills": changed})  # fmt: skip
        if changed:
            events.publish(events.BILLS_SETTLED, bill_ids=[b["id"] for b in changed])
    return locked


# ------------------------------------------------------------------------- DUES-18/19 fund ledger


def record_ledger_entry(
    org: Org, *, actor, kind: str, amount, entry_date: date, counterpart: Org | None = None, category: str = "",
    decision_reference: str = "", period: str = "", note: str = "",
) -> LedgerEntry:  # fmt: skip
    """DUES-18/19: one ledger line of `org`: a remittance to its parent, an allocation to a direct child, or a
    use under a collective decision. Recorded by the org that pays or spends."""
    _require(actor, org.path)
    amount = _money(amount)
    if entry_date > _today():
        raise RuleViolation("DUES-18", "日期不能晚于今天", field="entry_date")
    if kind == "remittance" and counterpart is None and org.parent_id:
        counterpart = Org.objects.get(pk=org.parent_id)
    problem = rules.ledger_problem(
        kind, amount,
        is_parent=counterpart is not None and counterpart.pk == org.parent_id,
        is_child=counterpart is not None and counterpart.parent_id == org.pk,
        category=category, decision_reference=decision_reference,
    )  # fmt: skip
    if problem:
        rule = "DUES-19" if kind in ("remittance", "allocation") else "DUES-18"
        raise RuleViolation(rule, problem, field="counterpart" if "级" in problem else None)
    if period:
        try:
            rules.period_bounds(period)
        except ValueError as exc:
            raise RuleViolation("DUES-18", str(exc), field="period") from exc
    with transaction.atomic():
        entry = LedgerEntry.objects.create(
            org=org, kind=kind, counterpart=counterpart if kind != "usage" else None,
            category=category if kind == "usage" else "", amount=amount, entry_date=entry_date,
            decision_reference=decision_reference.strip(), period=period.strip().upper(), note=note.strip(),
            recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
        )  # fmt: skip
        if actor is not None and not restrict(LedgerEntry.objects.filter(pk=entry.pk), actor, CHANGE).exists():
            raise OutOfScope()
        audit.record(
            "dues.ledger.record", actor=actor, obj=entry, org_path=org.path,
            after={"kind": kind, "amount": amount, "counterpart": entry.counterpart_id, "category": entry.category,
                   "decision_reference": entry.decision_reference, "entry_date": entry_date},
        )  # fmt: skip
    return entry


# ------------------------------------------------------------------------------ 困难党员帮扶

AID_FIELDS = ("visited_on", "visitors", "kind", "given", "amount", "note")


def _clean_aid(fields: dict) -> dict:
    clean = {
        "visited_on": fields["visited_on"],
        "visitors": (fields.get("visitors") or "").strip(),
        "kind": fields["kind"],
        "given": (fields.get("given") or "").strip(),
        "amount": _money(fields.get("amount") or ZERO),
        "note": (fields.get("note") or "").strip(),
    }
    problem = rules.aid_problem(clean["kind"], clean["amount"], visitors=clean["visitors"], given=clean["given"],
                                visited_on=clean["visited_on"], today=_today())  # fmt: skip
    if problem:
        raise RuleViolation("DUES-AID", problem[1], field=problem[0])
    return clean


def _aid_ledger(org_path: str, ledger_entry: LedgerEntry | None, actor) -> None:
    if ledger_entry is None:
        return
    if ledger_entry.kind != "usage" or ledger_entry.category != "hardship_aid":
        raise RuleViolation("DUES-18", "只能关联“补助生活困难的党员”的党费使用记录", field="ledger_entry")
    if actor is not None and not restrict(LedgerEntry.objects.filter(pk=ledger_entry.pk), actor, VIEW).exists():
        raise OutOfScope()


def record_aid(member: Member, *, actor, ledger_entry: LedgerEntry | None = None, **fields) -> HardshipAid:
    """Record one visit or piece of aid to a member in hardship: who visited, when, what was given, the amount
    (Decimal yuan); optionally the DUES-18 `hardship_aid` ledger line that paid it. Audited with ids and
    amounts only (no names)."""
    _require(actor, member.org.path)
    unknown = set(fields) - set(AID_FIELDS)
    if unknown:
        raise TypeError(f"unknown aid fields: {sorted(unknown)}")
    clean = _clean_aid(fields)
    _aid_ledger(member.org.path, ledger_entry, actor)
    with transaction.atomic():
        aid = HardshipAid.objects.create(
            member=member, org=member.org, ledger_entry=ledger_entry,
            recorded_by=actor if getattr(actor, "is_authenticated", False) else None, **clean,
        )  # fmt: skip
        if actor is not None and not restrict(HardshipAid.objects.filter(pk=aid.pk), actor, CHANGE).exists():
            raise OutOfScope()
        audit.record(
            "dues.aid.record", actor=actor, obj=aid, org_path=member.org.path,
            after={"member_id": member.pk, "kind": clean["kind"], "amount": clean["amount"],
                   "visited_on": clean["visited_on"], "ledger_entry": getattr(ledger_entry, "pk", None)},
        )  # fmt: skip
    return aid


def correct_aid(aid: HardshipAid, *, actor, expected_version: int, **fields) -> HardshipAid:
    """Correct a visit/aid record (optimistic version check: a concurrent edit is refused, nothing lost)."""
    _require(actor, aid.org.path)
    unknown = set(fields) - set(AID_FIELDS)
    if unknown:
        raise TypeError(f"unknown aid fields: {sorted(unknown)}")
    clean = _clean_aid({**{f: getattr(aid, f) for f in AID_FIELDS}, **fields})
    with transaction.atomic():
        locked = HardshipAid.objects.select_for_update().select_related("org").get(pk=aid.pk)
        if locked.version != expected_version:
            raise ConcurrentEdit()
        before = {f: getattr(locked, f) for f in ("kind", "amount", "visited_on")}
        for key, value in clean.items():
            setattr(locked, key, value)
        locked.version += 1
        locked.save()
        audit.record(
            "dues.aid.correct", actor=actor, obj=locked, org_path=locked.org.path, before=before,
            after={"kind": locked.kind, "amount": locked.amount, "visited_on": locked.visited_on},
        )  # fmt: skip
    return locked


# ------------------------------------------------------------------------------ self-service link


def linked_member(user) -> Member | None:
    """The roster member a login account is (the one link of `orglife.MemberAccount`), or None."""
    from dangjian.orglife.queries import member_of

    return member_of(user)


# ------------------------------------------------------------------------------ bulk paths (imports, demo)


def bulk_set_profiles(rows: list[tuple[Member, str, Decimal, date]], *, actor, batch_size: int = 5000) -> int:
    """Record many first profiles at once (roster imports, demo data): (member, category, base, month) rows,
    each validated through `rules.monthly_dues`; members that already have a profile for that month are
    skipped. One audit event for the batch. Returns the number created."""
    for member, category, base, _month in rows:
        _require(actor, member.org.path)
        try:
            rules.monthly_dues(base, category)
        except ValueError as exc:
            raise RuleViolation("DUES-03", f"{member.name}：{exc}", field="base") from exc
    who = actor if getattr(actor, "is_authenticated", False) else None
    profiles = [
        DuesProfile(member=m, category=c, base=_money(b), effective_from=rules.month_start(d), created_by=who)
        for m, c, b, d in rows
    ]
    with transaction.atomic():
        DuesProfile.objects.bulk_create(profiles, batch_size=batch_size, ignore_conflicts=True)
        audit.record("dues.profile.bulk_set", actor=actor, object_type="dues.duesprofile",
                     object_repr=f"党费计算基数 {len(profiles)} 人", after={"count": len(profiles)})  # fmt: skip
    return len(profiles)


def bulk_record_payments(groups: list[tuple[list, date, str]], *, actor, batch_size: int = 5000) -> int:
    """Record many payments at once (imports of a branch's cash book, demo data): each group is the bills (or
    bill ids) one member paid together, the day and the method. The same rules as `record_payment` (DUES-15: ≤6 months,
    bills still due, not after today); one audit event with the counts. Returns the number of payments."""
    groups = [([getattr(b, "pk", b) for b in bills], paid_on, method) for bills, paid_on, method in groups]
    ids = [pk for bills, _, _ in groups for pk in bills]
    if len(ids) != len(set(ids)):
        raise RuleViolation("DUES-15", "同一账单不能重复登记交纳")
    today = _today()
    with transaction.atomic():
        made = 0
        touched_orgs: set[int] = set()
        touched_months: set[date] = set()
        for start in range(0, len(groups), batch_size):
            chunk = groups[start : start + batch_size]
            chunk_ids = [pk for bills, _, _ in chunk for pk in bills]
            due = Bill.objects.select_for_update().filter(pk__in=chunk_ids, status=BillStatus.DUE)
            locked = {r[0]: r for r in due.values_list("pk", "member_id", "org_id", "amount", "org__path", "month")}
            if len(locked) != len(chunk_ids):
                raise RuleViolation("DUES-15", "有账单已交纳、已减免或不存在，未登记")
            payments, bill_sets = [], []
            for bills, paid_on, method in chunk:
                if not rules.arrears_payment_allowed(len(bills)) or paid_on > today:
                    raise RuleViolation("DUES-15", "一次交纳超过6个月或交纳日期晚于今天")
                rows = [locked[pk] for pk in bills]
                if actor is not None:
                    _require(actor, rows[0][4])
                dues = sum((r[3] for r in rows), ZERO)
                payments.append({"member_id": rows[0][1], "org_id": rows[0][2], "paid_on": paid_on,
                                 "dues_amount": dues, "extra_amount": ZERO, "amount": dues, "months": len(rows),
                                 "method": method})  # fmt: skip
                bill_sets.append(rows)
            payment_ids = insert_rows(Payment, payments, assign_pks=True)
            pairs = [(pid, r[0]) for pid, rows in zip(payment_ids, bill_sets, strict=True) for r in rows]
            # A set-based UPDATE through a temporary table: bulk_update's CASE is quadratic on SQLite and one
            # statement per bill is slow on both databases.
            table = connection.ops.quote_name(Bill._meta.db_table)
            with connection.cursor() as cursor:
                cursor.execute(
                    "CREATE TEMPORARY TABLE IF NOT EXISTS dues_paid_pairs (bill_id bigint PRIMARY KEY, payment_id bigint)"  # noqa: E501
                )
                cursor.execute("DELETE FROM dues_paid_pairs")
                cursor.executemany("INSERT INTO dues_paid_pairs (bill_id, payment_id) VALUES (%s, %s)",
                                   [(bid, pid) for pid, bid in pairs])  # fmt: skip
                cursor.execute(
                    f"UPDATE {table} SET status = %s, payment_id = (SELECT p.payment_id FROM dues_paid_pairs p "
                    f"WHERE p.bill_id = {table}.id) WHERE id IN (SELECT bill_id FROM dues_paid_pairs) AND status = %s",
                    [BillStatus.PAID.value, BillStatus.DUE.value],
                )
                cursor.execute("DELETE FROM dues_paid_pairs")
            made += len(payments)
            stats_events.orgs_changed({r[2] for r in locked.values()})
            touched_orgs.update(r[2] for r in locked.values())
            touched_months.update(r[5] for r in locked.values())
        if touched_orgs:
            totals.refresh(months=touched_months, org_ids=touched_orgs)
        audit.record("dues.payment.bulk_record", actor=actor, object_type="dues.payment",
                     object_repr=f"党费交纳 {made} 笔", after={"payments": made, "bills": len(ids)})  # fmt: skip
    return made
