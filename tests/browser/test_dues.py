"""党费 end to end (issue 6): the branch secretary generates the month's bills → ticks who paid in the branch's
one payment screen → the collection rate on that screen and on the township's 交纳率 page updates."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from dangjian.dues import actions
from dangjian.dues.models import Bill, BillStatus

from .test_orglife import ERRORS, login

pytestmark = pytest.mark.browser


def test_generate_bills_record_branch_payments_rate_updates(browser, live_server, django_db_setup, transactional_db,
                                                            orgs, people, personas):  # fmt: skip
    village, town = orgs["village"], orgs["town"]
    month = timezone.localdate().replace(day=1)
    zhang, li = people["zhang"], people["li"]  # 柳树村: a full member and a probationary one (billed too, DUES-11)
    actions.set_profile(zhang, "salaried", Decimal("4000"), month, actor=None)
    actions.set_profile(li, "retired", Decimal("2600"), month, actor=None)

    context, page = login(browser, live_server, "village_secretary")
    page.goto(f"/dues/?org={village.pk}&month={month:%Y-%m}")
    expect(page.locator("#bills")).to_contain_text("本月尚未生成党费账单")
    page.locator("#generate").click()
    expect(page.locator("#bills tbody tr")).to_have_count(2)
    assert Bill.objects.filter(org=village, month=month).count() == 2
    expect(page.locator("#summary")).to_contain_text("0 / 2")

    # One screen for the whole branch: tick who paid, the method and the reference, one submit.
    page.get_by_role("checkbox", name=zhang.name).check()
    page.select_option("select[name=method]", "transfer")
    page.fill("input[name=reference]", "BANK-20261126-01")
    page.get_by_role("button", name="登记交纳（勾选的党员）").click()
    expect(page.locator("#summary")).to_contain_text("50.0%")
    expect(page.locator("#summary")).to_contain_text("1 / 2")
    expect(page.locator("#bills tr", has_text=zhang.name)).to_contain_text("已交")

    page.get_by_role("checkbox", name=li.name).check()
    page.get_by_role("button", name="登记交纳（勾选的党员）").click()
    expect(page.locator("#summary")).to_contain_text("100.0%")
    assert set(Bill.objects.filter(org=village, month=month).values_list("status", flat=True)) == {BillStatus.PAID}
    context.close()

    # The township sees the branch's month in its 交纳率 overview.
    context, page = login(browser, live_server, "town_secretary")
    page.goto(f"/dues/rates/?org={town.pk}&period={month:%Y-%m}")
    expect(page.locator("#summary")).to_contain_text("100.0%")
    expect(page.locator("#by-child tr", has_text=village.short_name or village.name)).to_contain_text("2/2")
    context.close()
    assert not ERRORS, ERRORS
