"""党费 pages: the branch's month with bulk payment, generation, arrears and rates; a member's dues page."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from dangjian.dues import actions
from dangjian.dues.models import Bill, BillStatus, DuesProfile, Payment

MAY = date(2026, 5, 1)


@pytest.fixture
def clerk_client(client, clerk):
    client.force_login(clerk)
    return client


@pytest.fixture
def may_bills(orgs, people):
    for key in ("zhang", "li", "wang", "zhao"):
        actions.set_profile(people[key], "salaried", Decimal("4000"), MAY, actor=None)
    actions.generate_bills(orgs["county"], MAY, actor=None)
    return {b.member_id: b for b in Bill.objects.all()}


def test_list_shows_the_subtree_month_and_rates(clerk_client, orgs, people, may_bills):
    html = clerk_client.get(reverse("dues:bill_list"), {"month": "2026-05"}).content.decode()
    assert "中共东山镇委员会" in html  # the clerk's own subtree by default
    assert all(name in html for name in ("张三丰", "李秀英", "王建国"))
    assert "赵德胜" not in html
    assert 'id="generate"' in html
    assert "交纳率" in html
    assert "下级党组织交纳率" in html
    assert html.count('name="bill"') == 3


def test_bulk_payment_from_the_list(clerk_client, orgs, people, may_bills):
    ids = [may_bills[people["zhang"].pk].pk, may_bills[people["wang"].pk].pk]
    here = f"/dues/?org={orgs['town'].pk}&month=2026-05"
    response = clerk_client.post(
        reverse("dues:pay"),
        {"bill": ids, "paid_on": "2026-05-20", "method": "cash", "reference": "收据001", "next": here},
    )
    assert response.status_code == 302
    assert response.url == here
    assert Payment.objects.count() == 2
    assert set(Bill.objects.filter(pk__in=ids).values_list("status", flat=True)) == {BillStatus.PAID}
    html = clerk_client.get(here).content.decode()
    assert "66.7%" in html  # 2 of 3 paid


def test_bulk_payment_refuses_other_hosts_as_next(clerk_client, people, may_bills):
    bill = may_bills[people["zhang"].pk]
    response = clerk_client.post(
        reverse("dues:pay"), {"bill": [bill.pk], "paid_on": "2026-05-20", "method": "cash", "next": "//evil.example/"}
    )
    assert response.url == reverse("dues:bill_list")


def test_payment_errors_are_shown_and_change_nothing(clerk_client, people, may_bills):
    bill = may_bills[people["zhang"].pk]
    response = clerk_client.post(reverse("dues:pay"), {"bill": [bill.pk], "paid_on": "", "method": "cash"}, follow=True)
    assert "交纳日期" in response.content.decode() or "必填" in response.content.decode()
    assert Payment.objects.count() == 0


def test_generate_button(clerk_client, orgs, people):
    actions.set_profile(people["zhang"], "farmer", Decimal("0"), MAY, actor=None)
    response = clerk_client.post(reverse("dues:generate"), {"org": orgs["village"].pk, "month": "2026-05"}, follow=True)
    html = response.content.decode()
    assert "新生成账单 1 张" in html
    assert "李秀英尚未登记党费计算基数" in html
    assert Bill.objects.count() == 1


def test_member_page_and_profile_form(clerk_client, people, may_bills):
    zhang = people["zhang"]
    url = reverse("dues:member", args=[zhang.pk])
    html = clerk_client.get(url).content.decode()
    assert "党费计算基数" in html
    assert "2026年5月" in html
    assert 'id="unpaid"' in html
    response = clerk_client.post(url, {"category": "salaried", "base": "6000", "effective_from": "2026-05", "note": ""})
    assert response.status_code == 302
    assert Bill.objects.get(pk=may_bills[zhang.pk].pk).amount == Decimal("90.00")
    bad = clerk_client.post(url, {"category": "salaried", "base": "-5", "effective_from": "2026-05"})
    assert bad.status_code == 400
    assert DuesProfile.objects.filter(member=zhang).count() == 1


def test_waive_page(clerk_client, people, may_bills):
    bill = may_bills[people["wang"].pk]
    url = reverse("dues:waive", args=[bill.pk])
    assert "上级党委批准" in clerk_client.get(url).content.decode()
    assert clerk_client.post(url, {"reference": ""}).status_code == 400
    assert clerk_client.post(url, {"reference": "东山党委〔2026〕5号"}).status_code == 302
    bill.refresh_from_db()
    assert bill.status == BillStatus.WAIVED


def test_view_only_user_sees_no_tick_boxes(client, orgs, viewer, may_bills):
    client.force_login(viewer)
    html = client.get(reverse("dues:bill_list"), {"month": "2026-05"}).content.decode()
    assert "张三丰" in html
    assert 'name="bill"' not in html
    assert 'id="generate"' not in html


def test_nav_entry_and_refusals(client, clerk, nobody, orgs):
    client.force_login(clerk)
    assert "党费" in client.get("/").content.decode()
    assert client.get(reverse("dues:bill_list"), {"org": orgs["village3"].pk}).status_code == 404
    client.force_login(nobody)
    assert client.get(reverse("dues:bill_list")).status_code == 403
