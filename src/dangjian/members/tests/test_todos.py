"""Roster deadlines appear as to-dos in scope (MEM-06, REL-02)."""

from datetime import date

import time_machine
from django.urls import reverse

from dangjian.core.todos import collect
from dangjian.members import actions
from dangjian.members.models import Member


def titles(user, today):
    return [t.title for group, items in collect(user, today) if group == "党员管理" for t in items]


def test_lost_contact_becomes_a_todo_before_six_months(people, personas):
    actions.mark_lost_contact(people["zhang"], actor=None, on=date(2026, 1, 15), reason="1")
    secretary = personas["village_secretary"]
    assert titles(secretary, date(2026, 6, 1)) == []
    assert titles(secretary, date(2026, 6, 20)) == ["张三丰：失联党员停止党籍"]  # within 30 days of 07-15
    items = dict(collect(secretary, date(2026, 7, 16)))["党员管理"]
    assert items[0].overdue
    assert items[0].due == date(2026, 7, 15)
    assert titles(personas["town_secretary"], date(2026, 7, 16)) == ["张三丰：失联党员停止党籍"]
    assert titles(personas["auditor"], date(2026, 7, 16)) == []


def test_two_years_of_suspension(people, personas):
    zhao = people["zhao"]
    actions.mark_lost_contact(zhao, actor=None, on=date(2023, 1, 1), reason="6")
    zhao.refresh_from_db()
    actions.change_status(zhao, "suspended", actor=None, on=date(2023, 8, 1), grounds="失联满6个月")
    assert "赵德胜：停止党籍满2年" in titles(personas["county_admin"], date(2025, 8, 1))


def test_mobile_members_away_six_months(people, personas):
    Member.objects.filter(pk=people["wang"].pk).update(
        is_mobile=True, mobile_destination="广东省深圳市", mobile_since=date(2025, 1, 1)
    )
    assert titles(personas["town_secretary"], date(2026, 1, 1)) == ["王建国：流动党员应转移组织关系"]


def test_todo_page(client_as, people):
    actions.mark_lost_contact(people["zhang"], actor=None, on=date(2025, 1, 15), reason="1")
    with time_machine.travel(date(2026, 11, 26)):
        html = client_as("village_secretary").get(reverse("todos")).content.decode()
    assert "张三丰：失联党员停止党籍" in html
    assert "已到期" in html
