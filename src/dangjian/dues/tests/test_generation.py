"""Set-based bill generation (`dues.billing`) against the rule functions, member by member.

A varied roster (every category and band edge, probationary members accepted on the month's edges, members
without an acceptance date, suspended and exited members, activists, profile changes mid-year and in the
future, approved / pending / overlapping hardship applications, a member moved between branches, bills issued
earlier for part of the tree) is billed month by month over a subtree and then the whole tree; every bill must be
the one an oracle written with `rules.bill_months`, `profile_in_force`, `monthly_dues` and `hardship_amount`
expects, and the counts, totals, audit event and statistics notice must match. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from dangjian.core.models import AuditEvent
from dangjian.dues import actions, rules, totals
from dangjian.dues.models import Bill, BillTotal, DuesProfile, HardshipApplication
from dangjian.members import actions as member_actions
from dangjian.members import rules as member_rules
from dangjian.members.models import Member

JAN, MAR, APR, JUN = date(2026, 1, 1), date(2026, 3, 1), date(2026, 4, 1), date(2026, 6, 1)
BASES = ["0", "1", "2999.99", "3000", "3000.01", "4999.99", "5000", "5000.01", "9999.99", "10000", "10000.01",
         "12345.67", "3001.11", "7777.77", "250000"]  # fmt: skip
CATEGORIES = sorted(rules.CATEGORIES)


@pytest.fixture
def roster(orgs):
    """~60 members over 柳树村, 杨庄村, 石桥村 (东山镇) and 河湾村 (西河镇), with profiles and hardship."""
    keys = ["village", "village2", "general", "village3"]
    members = []
    for i in range(60):
        birth = date(1950 + i % 30, 1 + i % 12, 1 + i % 27)
        members.append(
            member_actions.add_member(
                orgs[keys[i % 4]], actor=None, name=f"测试党员{i:02d}", sex="male" if i % 2 else "female",
                id_number=member_rules.synthetic_id_number("371302", birth, i, "male" if i % 2 else "female"),
                birth_date=birth, ethnicity="汉族", education="bachelor", stage="full", joined_on=date(2005, 7, 1),
                full_on=date(2006, 7, 1), occupation="worker",
            )
        )  # fmt: skip
    by_pk = {m.pk: m for m in members}
    # DUES-11: acceptance on the month's edges; probationary and full without a date; not (yet) paying.
    edges = [date(2026, 3, 1), date(2026, 3, 31), date(2026, 4, 1), date(2026, 2, 28), date(2026, 6, 30)]
    for i, joined in enumerate(edges):
        Member.objects.filter(pk=members[i].pk).update(stage="probationary", joined_on=joined)
    Member.objects.filter(pk=members[5].pk).update(stage="probationary", joined_on=None)
    Member.objects.filter(pk=members[6].pk).update(joined_on=None)  # full, date not on record: billed
    Member.objects.filter(pk=members[7].pk).update(stage="activist", joined_on=None)
    Member.objects.filter(pk=members[8].pk).update(status="suspended")
    Member.objects.filter(pk=members[9].pk).update(status="exited", exit_kind="death")
    # Moved: 柳树村 → 河湾村 (out of 东山镇), and 河湾村 → 杨庄村 (into it).
    Member.objects.filter(pk=members[10].pk).update(org=orgs["village3"])
    Member.objects.filter(pk=members[11].pk).update(org=orgs["village2"])
    # Profiles: every category and band edge; changes mid-year; one only from July; some members with none.
    for i, m in enumerate(members):
        if i in (12, 13, 14):
            continue  # no profile at all
        category, base = CATEGORIES[i % len(CATEGORIES)], Decimal(BASES[i % len(BASES)])
        DuesProfile.objects.create(member=m, category=category, base=base, effective_from=JAN)
        if i % 5 == 0:
            DuesProfile.objects.create(member=m, category="salaried", base=Decimal("6000.50"), effective_from=APR)
        if i % 7 == 0:
            DuesProfile.objects.create(member=m, category="retired", base=Decimal("5000.01"), effective_from=MAR)
    DuesProfile.objects.filter(member=members[15]).delete()  # only from July on: none in force before
    DuesProfile.objects.create(
        member=members[15], category="retired", base=Decimal("8000"), effective_from=date(2026, 7, 1)
    )

    # DUES-10: approved exempt and reduce (below and above the amount), pending, rejected, another period,
    # and two approved for the same months (the later approval wins).
    def hardship(m, kind, amount, first, last, status="approved", approved_on=date(2026, 1, 5), ref="县委〔2026〕1号"):
        HardshipApplication.objects.create(
            member=m, org=m.org, kind=kind, monthly_amount=Decimal(amount), first_month=first, last_month=last,
            reason="因病", applied_on=date(2026, 1, 2), status=status, approved_on=approved_on,
            approval_reference=ref if status == "approved" else "",
        )  # fmt: skip

    hardship(members[20], "exempt", "0", JAN, JUN)
    hardship(members[21], "reduce", "0.50", MAR, APR)
    hardship(members[22], "reduce", "999", JAN, JUN)  # more than billed: the billed amount
    hardship(members[23], "exempt", "0", JAN, JUN, status="branch_agreed", approved_on=None)
    hardship(members[24], "exempt", "0", JAN, JUN, status="rejected", approved_on=None)
    hardship(members[25], "exempt", "0", date(2026, 8, 1), date(2026, 9, 1))
    hardship(members[26], "exempt", "0", JAN, JUN, approved_on=date(2026, 1, 5), ref="甲")
    hardship(members[26], "reduce", "1.20", JAN, JUN, approved_on=date(2026, 2, 5), ref="乙")
    hardship(members[12], "exempt", "0", JAN, JUN)  # approved, but no profile: no bill, reported
    return {"members": [by_pk[m.pk] for m in members]}


def expected_bill(member: Member, month: date, subtree: str):
    """The oracle: the bill `member` should get for `month`, from the rule functions, or a reason for none."""
    if not member.org.path.startswith(subtree) or member.stage not in ("probationary", "full"):
        return None
    if member.status != "normal":
        return None
    if not rules.bill_months(member.joined_on, member.stage, month):
        return "not_yet"
    profiles = {p.effective_from: p for p in DuesProfile.objects.filter(member=member)}
    in_force = rules.profile_in_force(list(profiles), month)
    if in_force is None:
        return "missing"
    profile = profiles[in_force]
    amount = rules.monthly_dues(profile.base, profile.category)
    status, reference, note = "due", "", ""
    apps = HardshipApplication.objects.filter(
        member=member, status="approved", first_month__lte=month, last_month__gte=month
    ).order_by("approved_on", "pk")
    app = apps.last()
    if app is not None:
        reference, note = app.approval_reference, f"{app.get_kind_display()}（申请{app.pk}）"
        if app.kind == "exempt":
            status = "waived"
        else:
            amount = rules.hardship_amount(app.kind, amount, app.monthly_amount)
    return (member.pk, member.org_id, month, profile.category, profile.base, amount, status, reference, note)


def bills(month: date) -> dict[int, tuple]:
    rows = Bill.objects.filter(month=month).values_list(
        "member_id", "org_id", "month", "category", "base", "amount", "status", "waiver_reference", "waiver_note"
    )
    return {r[0]: tuple(r) for r in rows}


def fresh_totals():
    rows = Bill.objects.values("org_id", "month").annotate(**totals.FIGURES).order_by("org_id", "month")
    return [(r["org_id"], r["month"], r["billed"], r["paid"], r["waived"], r["due_amount"] or 0,
             r["paid_amount"] or 0) for r in rows]  # fmt: skip


def kept_totals():
    rows = BillTotal.objects.order_by("org_id", "month")
    return [(t.org_id, t.month, t.billed, t.paid, t.waived, t.due_amount, t.paid_amount) for t in rows]


@pytest.mark.parametrize("month", [JAN, MAR, APR, JUN])
def test_bills_are_those_of_the_rule_functions(orgs, roster, month, monkeypatch):
    from dangjian.dues import actions as dues_actions

    noticed = []
    monkeypatch.setattr(dues_actions.stats_events, "orgs_changed", lambda ids: noticed.append(set(ids)))
    members = list(Member.objects.select_related("org"))
    # First the town (东山镇) only, then the whole county: the town's bills exist by then.
    for org in (orgs["town"], orgs["county"]):
        earlier = bills(month)
        events = AuditEvent.objects.filter(action="dues.bills.generate").count()
        result = actions.generate_bills(org, month, actor=None)
        expected = {m.pk: expected_bill(m, month, org.path) for m in members}
        issued = {pk: row for pk, row in expected.items() if isinstance(row, tuple)}
        assert bills(month) == {**issued, **earlier}
        new = {pk: row for pk, row in issued.items() if pk not in earlier}
        missing = sorted(pk for pk, row in expected.items() if row == "missing")
        assert (result.created, result.existing) == (len(new), len(issued) - len(new))
        assert result.not_yet_member == sum(1 for row in expected.values() if row == "not_yet")
        assert (result.missing_count, [m.pk for m in result.missing_profile]) == (len(missing), missing)
        assert kept_totals() == fresh_totals()
        assert noticed.pop() == {row[1] for row in new.values()}
        assert AuditEvent.objects.filter(action="dues.bills.generate").count() == events + 1
        event = AuditEvent.objects.filter(action="dues.bills.generate").order_by("pk").last()
        assert (event.after["created"], event.after["missing_count"]) == (len(new), len(missing))
    again = actions.generate_bills(orgs["county"], month, actor=None)
    assert (again.created, again.existing) == (0, result.created + result.existing)
    assert noticed.pop() == set()


def test_every_category_and_band_edge_is_billed(orgs, roster):
    actions.generate_bills(orgs["county"], JAN, actor=None)
    billed = set(Bill.objects.filter(month=JAN).values_list("category", "base"))
    assert {c for c, _ in billed} == set(rules.CATEGORIES)
    assert {Decimal(b) for b in ("3000", "3000.01", "5000", "5000.01", "10000", "10000.01")} <= {b for _, b in billed}
    assert Bill.objects.filter(month=JAN, status="waived").exists()


def test_a_refused_profile_fails_as_the_rule_says_and_writes_nothing(orgs, roster):
    member = roster["members"][30]
    DuesProfile.objects.filter(member=member).update(base=Decimal("-5"))
    with pytest.raises(ValueError, match="不能为负数"):
        actions.generate_bills(orgs["county"], JAN, actor=None)
    assert not Bill.objects.exists()
    assert not BillTotal.objects.exists()


@pytest.mark.parametrize("joined", [date(2026, 2, 28), date(2026, 3, 1), date(2026, 3, 31), date(2026, 4, 1)])
@pytest.mark.parametrize("month", [date(2026, 3, 1), date(2026, 3, 15)])
def test_billing_ends_agrees_with_bill_months(joined, month):
    """DUES-11: the bound the SQL uses gives the answer of `bill_months` for dates on the month's edges."""
    owes = joined < rules.billing_ends(rules.month_start(month))
    assert owes == rules.bill_months(joined, rules.PROBATIONARY, month) == rules.bill_months(joined, rules.FULL, month)
