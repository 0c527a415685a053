"""The dues endpoints: scoped bill list with filters, generation, payments, waivers; the same rules as the pages."""

from datetime import date
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from dangjian.accounts import actions as account_actions
from dangjian.dues import actions
from dangjian.dues.models import Bill, Payment

MAY = date(2026, 5, 1)


def api_client(user):
    _token, raw = account_actions.issue_token(user, name="test", actor=None)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


@pytest.fixture
def may_bills(orgs, people):
    for key in ("zhang", "li", "wang", "zhao"):
        actions.set_profile(people[key], "salaried", Decimal("4000"), MAY, actor=None)
    actions.generate_bills(orgs["county"], MAY, actor=None)
    return {b.member_id: b for b in Bill.objects.all()}


def names(response):
    return {b["member_name"] for b in response.json()["results"]}


def test_list_is_scoped_and_filtered(clerk, orgs, people, may_bills):
    client = api_client(clerk)
    assert names(client.get("/api/v1/dues-bills/")) == {"张三丰", "李秀英", "王建国"}
    assert names(client.get("/api/v1/dues-bills/", {"org": orgs["village2"].pk})) == {"王建国"}
    assert names(client.get("/api/v1/dues-bills/", {"org": orgs["village3"].pk})) == set()
    assert names(client.get("/api/v1/dues-bills/", {"month": "2026-04"})) == set()
    assert len(names(client.get("/api/v1/dues-bills/", {"month": "2026-05", "status": "due"}))) == 3
    detail = client.get(f"/api/v1/dues-bills/{may_bills[people['zhang'].pk].pk}/").json()
    assert (detail["amount"], detail["status"], detail["month"]) == ("40.00", "due", "2026-05-01")
    assert client.get(f"/api/v1/dues-bills/{may_bills[people['zhao'].pk].pk}/").status_code == 404


def test_generate(clerk, orgs, people):
    actions.set_profile(people["zhang"], "retired", Decimal("5000"), MAY, actor=None)
    client = api_client(clerk)
    body = client.post("/api/v1/dues-bills/generate/", {"org": orgs["town"].pk, "month": "2026-05"}, format="json")
    assert body.status_code == 200, body.json()
    assert body.json() == {
        "month": "2026-05-01",
        "created": 1,
        "existing": 0,
        "missing_profile": [people["li"].pk, people["wang"].pk],  # in roster order
    }
    again = client.post("/api/v1/dues-bills/generate/", {"org": orgs["town"].pk, "month": "2026-05"}, format="json")
    assert again.json()["created"] == 0
    outside = client.post("/api/v1/dues-bills/generate/", {"org": orgs["town2"].pk, "month": "2026-05"}, format="json")
    assert outside.status_code == 400
    assert Bill.objects.count() == 1


def test_pay_with_voluntary_extra(clerk, people, may_bills):
    client = api_client(clerk)
    bill = may_bills[people["zhang"].pk]
    r = client.post(
        "/api/v1/dues-bills/pay/",
        {"bills": [bill.pk], "paid_on": "2026-05-20", "method": "online", "reference": "WX123", "extra": "1000.00"},
        format="json",
    )
    assert r.status_code == 201, r.json()
    (payment,) = r.json()
    assert (payment["amount"], payment["remit_upward"], payment["bills"]) == ("1040.00", True, [bill.pk])
    again = client.post(
        "/api/v1/dues-bills/pay/", {"bills": [bill.pk], "paid_on": "2026-05-20", "method": "cash"}, format="json"
    )
    assert again.status_code == 400
    assert again.json()["rule"] == "DUES-15"


def test_pay_refuses_out_of_scope_bills_and_view_only_users(clerk, viewer, people, may_bills):
    outside = may_bills[people["zhao"].pk]
    inside = may_bills[people["zhang"].pk]
    r = api_client(clerk).post(
        "/api/v1/dues-bills/pay/", {"bills": [inside.pk, outside.pk], "method": "cash"}, format="json"
    )
    assert r.status_code == 400
    r = api_client(viewer).post("/api/v1/dues-bills/pay/", {"bills": [inside.pk], "method": "cash"}, format="json")
    assert r.status_code == 403
    assert Payment.objects.count() == 0


def test_waive(clerk, people, may_bills):
    client = api_client(clerk)
    bill = may_bills[people["wang"].pk]
    r = client.post(f"/api/v1/dues-bills/{bill.pk}/waive/", {"reference": "批复3号"}, format="json")
    assert r.status_code == 200
    assert r.json()["status"] == "waived"
    outside = may_bills[people["zhao"].pk]
    assert client.post(f"/api/v1/dues-bills/{outside.pk}/waive/", {"reference": "x"}, format="json").status_code == 404


def test_no_permission_is_403(nobody, may_bills):
    assert api_client(nobody).get("/api/v1/dues-bills/").status_code == 403


def test_payments_listed_scoped_and_unbilled_months_refused(clerk, people, may_bills):
    client = api_client(clerk)
    zhang = people["zhang"]
    r = client.post("/api/v1/dues-bills/pay/", {"bills": [may_bills[zhang.pk].pk], "method": "cash"}, format="json")
    assert r.status_code == 201
    listed = client.get("/api/v1/dues-payments/", {"member": zhang.pk, "year": 2026}).json()["results"]
    assert [(p["member"], p["months"], p["amount"]) for p in listed] == [(zhang.pk, 1, "40.00")]  # 4000 × 1 %
    assert client.get(f"/api/v1/dues-payments/{listed[0]['id']}/").json()["bills"] == [may_bills[zhang.pk].pk]
    zhao_pay = actions.record_payment([may_bills[people["zhao"].pk]], actor=None, paid_on=MAY, method="cash")[0]
    assert client.get(f"/api/v1/dues-payments/{zhao_pay.pk}/").status_code == 404  # 河湾村: outside 东山镇
    assert client.get("/api/v1/dues-payments/", {"year": "0"}).status_code == 400
    # A month with no bill (June was never generated): nothing to pay, nothing written.
    unbilled = client.post("/api/v1/dues-bills/pay/", {"bills": [max(b.pk for b in may_bills.values()) + 1],
                                                        "method": "cash"}, format="json")  # fmt: skip
    assert unbilled.status_code == 400
    assert "账单不存在" in str(unbilled.json()["bills"])
    assert Payment.objects.count() == 2
