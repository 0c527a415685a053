"""Demo dues and points for the demo county: twelve months of bills and payments (most on time, some late,
some in arrears, a few 5–6-month cases), a few approved hardship waivers, a usage ledger, the default point
rules and a year of points accrued from the meetings and payments. Deterministic for the seed.

Writes go through dues/points actions (the bulk ones for the 10⁵ rows); called once by `dangjian demo`. Also a few
hardship aid visits (困难党员帮扶) for the members whose dues were waived.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from dangjian.dues import actions as dues_actions
from dangjian.dues import rules as dues_rules
from dangjian.dues.models import Bill, BillStatus
from dangjian.members.choices import MEMBER_STAGES, MemberStatus
from dangjian.members.models import Member
from dangjian.orgs.models import Org
from dangjian.points import accrual
from dangjian.points import actions as points_actions

MONTHS = 12
METHODS = ("cash", "cash", "transfer", "online", "online")


def _profile(rng: random.Random, occupation: str) -> tuple[str, Decimal]:
    """A plausible 党费类别 and monthly after-tax base for an occupation."""
    if occupation == "farmer":
        return "farmer", Decimal("0")
    if occupation == "retired":
        return "retired", Decimal(rng.randrange(2600, 8200, 50))
    if occupation == "student":
        return "student", Decimal("0")
    if occupation in ("", "other") and rng.random() < 0.3:
        return "unemployed", Decimal("0")
    return "salaried", Decimal(rng.randrange(2400, 14000, 50))


def _pattern(rng: random.Random) -> tuple[str, int]:
    """How a member pays over the year: ("on_time", 0), ("late", lag months), ("stopped", unpaid months)."""
    x = rng.random()
    if x < 0.0012:
        return "stopped", rng.choice((5, 6))  # the MEM-01 cases: a handful in a county
    if x < 0.012:
        return "stopped", rng.choice((3, 4))
    if x < 0.05:
        return "stopped", rng.choice((1, 2))
    if x < 0.12:
        return "late", rng.choice((1, 2))
    return "on_time", 0


def build(root: Org, *, seed: int, today: date) -> dict:
    rng = random.Random(seed + 61)
    last = dues_rules.month_shift(today, -1)  # the last complete month
    first = dues_rules.month_shift(last, -(MONTHS - 1))
    months = [dues_rules.month_shift(first, i) for i in range(MONTHS)]
    members = list(
        Member.objects.filter(org__path__in_subtree=root.path, stage__in=MEMBER_STAGES, status=MemberStatus.NORMAL)
        .select_related("org")
        .order_by("pk")
    )
    rows = []
    for m in members:
        category, base = _profile(rng, m.occupation)
        start = max(first, dues_rules.month_start(m.joined_on)) if m.joined_on else first
        rows.append((m, category, base, start))
    dues_actions.bulk_set_profiles(rows, actor=None)
    for month in months:
        dues_actions.generate_bills(root, month, actor=None)

    # A few hardship waivers through the real three-step flow (DUES-10), for three recent months.
    candidates = [m for m in members if m.occupation in ("farmer", "retired") and (m.joined_on or first) <= first]
    for m in rng.sample(candidates, min(6, len(candidates))):
        month = months[-3]
        app = dues_actions.apply_hardship(m, actor=None, kind="exempt", first_month=month, last_month=months[-1],
                                          reason="因病致贫，生活困难", applied_on=month)  # fmt: skip
        app = dues_actions.decide_hardship(app, actor=None, agree=True, decision=f"{month:%Y年%m月}支委会",
                                           decided_on=month + timedelta(days=5))  # fmt: skip
        dues_actions.approve_hardship(app, actor=None, approve=True, reference=f"减免批复〔{month:%Y}〕{app.pk}号",
                                      approved_on=month + timedelta(days=12))  # fmt: skip
        # 困难党员帮扶: the town committee's visit with a living allowance, the branch secretary's with goods.
        allowance = Decimal(rng.choice((300, 500, 800)))
        visit = {"actor": None, "visitors": "镇党委副书记、村党支部书记", "kind": "cash", "given": "生活补助金"}
        dues_actions.record_aid(m, visited_on=month + timedelta(days=20), amount=allowance, **visit)
        goods = {"actor": None, "visitors": "村党支部书记", "kind": "goods", "given": "米、面、油"}
        dues_actions.record_aid(m, visited_on=months[-1] + timedelta(days=8), amount=Decimal("150"), **goods)

    bills: dict[int, list[tuple[int, date]]] = {}
    due_bills = Bill.objects.filter(org__path__in_subtree=root.path, month__gte=first, status=BillStatus.DUE)
    for pk, member_id, month in due_bills.order_by("member_id", "month").values_list("pk", "member_id", "month"):
        bills.setdefault(member_id, []).append((pk, month))

    groups = []
    for due in bills.values():
        kind, n = _pattern(rng)
        method = rng.choice(METHODS)
        if kind == "stopped":
            due = due[: max(0, len(due) - n)]
        if kind == "late":  # paid in arrears n months later, up to n + 1 months at once
            i = 0
            while i < len(due):
                chunk = due[i : i + n + 1]
                paid = dues_rules.month_shift(chunk[-1][1], n) + timedelta(days=rng.randint(2, 20))
                if paid < today:
                    groups.append(([pk for pk, _ in chunk], paid, method))
                i += n + 1
            continue
        if rng.random() < 0.5:  # quarterly in advance with the branch's consent (DUES-15): one payment a quarter
            quarters: dict[tuple[int, int], list[tuple[int, date]]] = {}
            for pk, month in due:
                quarters.setdefault((month.year, (month.month - 1) // 3), []).append((pk, month))
            for rows in quarters.values():
                groups.append(([pk for pk, _ in rows], rows[0][1] + timedelta(days=rng.randint(2, 12)), method))
            continue
        for pk, month in due:
            groups.append(([pk], month + timedelta(days=rng.randint(4, 26)), method))
    dues_actions.bulk_record_payments(groups, actor=None)

    _ledger(root, rng, first, today)
    rule_set = points_actions.create_rule_set(
        root, actor=None, template="base60", effective_from=date(today.year, 1, 1)
    )
    # A year of points for the whole county from its meetings and payments (set-based: ≈5·10⁵ entries).
    result = accrual.recompute(root, today.year, today=today)
    # The party_member persona's account is linked to its member by the orglife demo (built first).
    return {"members": len(members), "payments": len(groups), "points": result["created"],
            "rule_set": rule_set.pk}  # fmt: skip


def _ledger(root: Org, rng: random.Random, first: date, today: date) -> None:
    """Each town-level committee remits part of its collection to the county; the county allocates to three of
    them; each spends on training and on aid to members in hardship by collective decision (DUES-18/19)."""
    towns = list(Org.objects.filter(parent=root, dissolved_on__isnull=True).order_by("sort_order", "pk")[:12])
    quarter_end = date(today.year, 10, 15) if today.month > 10 else today - timedelta(days=10)
    for i, town in enumerate(towns):
        dues_actions.record_ledger_entry(town, actor=None, kind="remittance", amount=Decimal(rng.randrange(800, 4000)),
                                         entry_date=quarter_end, period=f"{today.year}-Q3",
                                         note="按规定比例上缴县委组织部")  # fmt: skip
        if i < 3:
            dues_actions.record_ledger_entry(root, actor=None, kind="allocation", counterpart=town,
                                             amount=Decimal(rng.randrange(2000, 6000)), entry_date=quarter_end,
                                             decision_reference=f"县委组织部部务会〔{today.year}〕{i + 3}号",
                                             note="下拨用于党员教育培训")  # fmt: skip
        dues_actions.record_ledger_entry(town, actor=None, kind="usage", category="training",
                                         amount=Decimal(rng.randrange(500, 3000)), entry_date=quarter_end,
                                         decision_reference=f"{quarter_end:%Y年%m月}党委会议",
                                         note="党员冬春训教材和场地")  # fmt: skip
        dues_actions.record_ledger_entry(town, actor=None, kind="usage", category="hardship_aid",
                                         amount=Decimal(rng.randrange(200, 1200)), entry_date=quarter_end,
                                         decision_reference=f"{quarter_end:%Y年%m月}党委会议",
                                         note="走访慰问生活困难党员")  # fmt: skip
