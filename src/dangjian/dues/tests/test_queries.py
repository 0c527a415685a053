"""Dues read side: arrears streaks and levels (DUES-16, MEM-01), to-dos, collection rates over subtrees."""

from datetime import date
from decimal import Decimal

import pytest

from dangjian.core.todos import collect
from dangjian.dues import actions, queries
from dangjian.dues.models import Bill
from dangjian.dues.tests.helpers import dues_user
from dangjian.members.models import Member

MAY = date(2026, 5, 1)
PAID_ON = date(2026, 7, 1)


def month(m):
    return date(2026, m, 1)


@pytest.fixture
def billed(orgs, people, clerk):
    """张三丰, 李秀英 (柳树村), 王建国 (杨庄村) and 赵德胜 (河湾村) billed January–June 2026, nothing paid."""
    for key in ("zhang", "li", "wang", "zhao"):
        actions.set_profile(people[key], "salaried", Decimal("2000"), month(1), actor=None)
    for m in range(1, 7):
        actions.generate_bills(orgs["county"], month(m), actor=None)
    return people


def streaks(user, through):
    return {a.name: (a.months, a.level) for a in queries.arrears(queries.visible_bills(user), through)}


def test_arrears_streaks_and_levels(billed, clerk):
    assert streaks(clerk, month(6)) == {"张三丰": (6, "lapse"), "李秀英": (4, "remind"), "王建国": (6, "lapse")}
    zhang = Bill.objects.get(member=billed["zhang"], month=month(1))
    actions.record_payment([zhang], actor=clerk, paid_on=PAID_ON, method="cash")
    assert streaks(clerk, month(6))["张三丰"] == (5, "warn")
    assert streaks(clerk, month(2))["张三丰"] == (1, None)
    june = Bill.objects.get(member=billed["wang"], month=month(6))
    actions.waive_bills([june], actor=clerk, reference="批复1号")
    assert "王建国" not in streaks(clerk, month(6))  # the latest month is settled: no streak
    assert streaks(clerk, month(5))["王建国"] == (5, "warn")
    row = next(a for a in queries.arrears(queries.visible_bills(clerk), month(6)) if a.name == "李秀英")
    assert (row.since, row.amount) == (month(3), Decimal("40.00"))


def test_arrears_leave_out_members_no_longer_in_good_standing(billed, clerk):
    Member.objects.filter(pk=billed["zhang"].pk).update(status="suspended")
    assert "张三丰" not in streaks(clerk, month(6))


def test_todos_at_3_5_and_6_months(billed, clerk, orgs):
    items = {t.title: t for _group, todos in collect(clerk, date(2026, 7, 10)) for t in todos}
    assert set(items) == {"张三丰：党费连续6个月未交", "王建国：党费连续6个月未交", "李秀英：党费连续4个月未交"}
    lapse = items["张三丰：党费连续6个月未交"]
    assert lapse.rule == "MEM-01"
    assert "支部大会" in lapse.detail
    assert "不会自动变更党籍" in lapse.detail
    assert lapse.overdue
    assert items["李秀英：党费连续4个月未交"].rule == "DUES-16"
    assert not items["李秀英：党费连续4个月未交"].overdue
    # Counted through the last complete month: early in June only January–May count.
    june = {t.title for _g, todos in collect(clerk, date(2026, 6, 2)) for t in todos}
    assert "张三丰：党费连续5个月未交" in june
    assert Member.objects.get(pk=billed["zhang"].pk).status == "normal"  # never changed automatically


def test_todos_are_scoped(billed, orgs):
    other = dues_user(orgs, "west_clerk", on="town2")
    titles = {t.title for _g, todos in collect(other, date(2026, 7, 10)) for t in todos}
    assert titles == {"赵德胜：党费连续6个月未交"}


def test_collection_rate_per_subtree(orgs, billed, clerk):
    may = {b.member_id: b for b in Bill.objects.filter(month=MAY)}
    actions.record_payment([may[billed["zhang"].pk]], actor=clerk, paid_on=PAID_ON, method="cash")
    actions.waive_bills([may[billed["li"].pk]], actor=clerk, reference="批复2号")
    town = queries.collection(orgs["town"], MAY, clerk)
    assert (town.billed, town.paid, town.waived, town.expected) == (3, 1, 1, 2)
    assert town.rate == Decimal("50.0")
    assert (town.due_amount, town.paid_amount) == (Decimal("20.00"), Decimal("10.00"))
    children = {c.key.name: (c.paid, c.expected, c.rate) for c in queries.collection_by_child(orgs["town"], MAY, clerk)}
    assert children == {
        "柳树村党支部": (1, 1, Decimal("100.0")),
        "杨庄村党支部": (0, 1, Decimal("0.0")),
        "石桥村党总支部委员会": (0, 0, None),
    }
    # Out of scope: the clerk sees nothing of 西河镇, even when asking about the county.
    county = queries.collection(orgs["county"], MAY, clerk)
    assert county.billed == 3
    by_month = queries.collection_by_month(orgs["town"], month(6), clerk, months=3)
    assert [(c.key, c.paid, c.expected) for c in by_month] == [(month(6), 0, 3), (MAY, 1, 2), (month(4), 0, 3)]


def test_collection_by_child_is_one_query(orgs, billed, clerk, django_assert_num_queries):
    queries.collection(orgs["town"], MAY, clerk)  # loads the grants
    with django_assert_num_queries(2):  # the children, then one GROUP BY over the path prefix
        queries.collection_by_child(orgs["county"], MAY, clerk)
    with django_assert_num_queries(1):
        queries.collection_by_month(orgs["county"], MAY, clerk)
