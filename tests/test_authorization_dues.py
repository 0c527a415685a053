"""Generated authorization matrix for the 党费 pages (AZ-02): without permission 403, in scope 200/302,
out of scope 404 — and the refused requests change nothing. The dues permissions are not yet in any
built-in role, so a test-local role grants them on 东山镇 (in scope: 杨庄村; out of scope: 河湾村)."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from dangjian.core.models import AuditEvent
from dangjian.dues import actions
from dangjian.dues.models import Bill, DuesProfile, HardshipAid, HardshipApplication, LedgerEntry, Payment
from dangjian.dues.tests.helpers import VIEW_ONLY, dues_user
from dangjian.orglife import actions as orglife_actions
from dangjian.orglife.models import MemberAccount

MAY = date(2026, 5, 1)


@pytest.fixture
def clerk(orgs):
    return dues_user(orgs)


@pytest.fixture
def bills(orgs, people):
    """May bills for 王建国 (杨庄村, in scope) and 赵德胜 (河湾村, out of scope)."""
    for key in ("wang", "zhao"):
        actions.set_profile(people[key], "salaried", Decimal("3000"), MAY, actor=None)
        actions.generate_bills(people[key].org, MAY, actor=None)
        actions.apply_hardship(people[key], actor=None, kind="exempt", first_month=MAY, last_month=MAY, reason="因病")
        actions.record_aid(people[key], actor=None, visited_on=MAY, visitors="镇党委", kind="visit")
    return {"inside": Bill.objects.get(member=people["wang"]), "outside": Bill.objects.get(member=people["zhao"])}


def bill_target(people, bills, side):
    return bills[side]


def member_target(people, bills, side):
    return people["wang"] if side == "inside" else people["zhao"]


def hardship_target(people, bills, side):
    return HardshipApplication.objects.filter(member=member_target(people, bills, side)).first()


# (url name, method, target builder, payload)
VIEWS = [
    ("dues:waive", "get", bill_target, None),
    ("dues:waive", "post", bill_target, {"reference": "东山党委〔2026〕1号"}),
    ("dues:member", "get", member_target, None),
    ("dues:member", "post", member_target, {"category": "retired", "base": "5200", "effective_from": "2026-05"}),
    ("dues:hardship_apply", "get", member_target, None),
    (
        "dues:hardship_apply",
        "post",
        member_target,
        {"kind": "exempt", "first_month": "2026-05", "last_month": "2026-06", "reason": "因病生活困难"},
    ),
    ("dues:hardship", "get", hardship_target, None),
    ("dues:hardship", "post", hardship_target, {"step": "branch", "agree": "1", "decision": "5月支委会", "version": 1}),
    ("dues:aid", "get", member_target, None),
    (
        "dues:aid",
        "post",
        member_target,
        {"visited_on": "2026-05-10", "visitors": "支部书记", "kind": "cash", "given": "慰问金", "amount": "500"},
    ),
]
IDS = [f"{v[0]}-{v[1]}" for v in VIEWS]


def state():
    return (
        list(Bill.objects.order_by("pk").values_list("pk", "status", "amount", "payment_id", "waiver_reference")),
        list(DuesProfile.objects.order_by("pk").values_list("pk", "category", "base")),
        Payment.objects.count(),
        list(HardshipApplication.objects.order_by("pk").values_list("pk", "status", "version")),
        LedgerEntry.objects.count(),
        list(HardshipAid.objects.order_by("pk").values_list("pk", "amount", "version")),
        MemberAccount.objects.count(),
        AuditEvent.objects.exclude(action__startswith="auth.").count(),
    )


def call(client, name, method, target, payload):
    if name == "dues:hardship":
        HardshipApplication.objects.filter(pk=target.pk).update(status="applied", version=1)
    url = reverse(name, args=[target.pk])
    return client.post(url, payload or {}) if method == "post" else client.get(url)


@pytest.mark.parametrize(("name", "method", "target", "payload"), VIEWS, ids=IDS)
def test_without_permission_403_and_nothing_changes(client, people, bills, nobody, name, method, target, payload):
    client.force_login(nobody)
    before = state()
    assert call(client, name, method, target(people, bills, "inside"), payload).status_code == 403
    assert state() == before


@pytest.mark.parametrize(("name", "method", "target", "payload"), VIEWS, ids=IDS)
def test_in_scope_succeeds(client, people, bills, clerk, name, method, target, payload):
    client.force_login(clerk)
    response = call(client, name, method, target(people, bills, "inside"), payload)
    assert response.status_code == (302 if method == "post" else 200), response.content.decode()[-2000:]


@pytest.mark.parametrize(("name", "method", "target", "payload"), VIEWS, ids=IDS)
def test_out_of_scope_404_and_nothing_changes(client, people, bills, clerk, name, method, target, payload):
    client.force_login(clerk)
    before = state()
    assert call(client, name, method, target(people, bills, "outside"), payload).status_code == 404
    assert state() == before


@pytest.mark.parametrize(("name", "method", "target", "payload"), [v for v in VIEWS if v[1] == "post"])
def test_view_only_cannot_change(client, orgs, people, bills, name, method, target, payload):
    client.force_login(dues_user(orgs, "dues_viewer", permissions=VIEW_ONLY))
    before = state()
    assert call(client, name, method, target(people, bills, "inside"), payload).status_code == 403
    assert state() == before


def test_every_pk_view_is_in_the_matrix():
    from dangjian.dues import urls

    covered = {name for name, *_ in VIEWS}
    pk_views = {f"dues:{p.name}" for p in urls.urlpatterns if "pk" in p.pattern.regex.groupindex}
    assert pk_views == covered


# The bulk POSTs name their targets in the body: the same three answers.
def bulk_payload(orgs, bills, side):
    return {
        "dues:generate": {"org": orgs["village2" if side == "inside" else "village3"].pk, "month": "2026-05"},
        "dues:pay": {"bill": [bills[side].pk], "paid_on": "2026-05-20", "method": "cash"},
        "dues:ledger": {
            "org": orgs["village2" if side == "inside" else "village3"].pk,
            "kind": "usage",
            "amount": "120.00",
            "entry_date": "2026-05-20",
            "category": "training",
            "decision_reference": "5月支委会",
        },
    }


@pytest.mark.parametrize("name", ["dues:generate", "dues:pay", "dues:ledger"])
def test_bulk_posts(client, orgs, people, bills, clerk, nobody, name):
    if name == "dues:generate":
        Bill.objects.filter(member=people["wang"]).delete()  # so that generating in scope creates one
    before = state()
    client.force_login(nobody)
    assert client.post(reverse(name), bulk_payload(orgs, bills, "inside")[name]).status_code == 403
    client.force_login(clerk)
    assert client.post(reverse(name), bulk_payload(orgs, bills, "outside")[name]).status_code == 404
    assert state() == before
    assert client.post(reverse(name), bulk_payload(orgs, bills, "inside")[name]).status_code == 302
    assert state() != before


def test_every_dues_url_is_covered():
    from dangjian.dues import urls

    covered = {name for name, *_ in VIEWS} | {"dues:generate", "dues:pay", "dues:ledger", "dues:bill_list"}
    covered |= {"dues:collection", "dues:hardship_list", "dues:mine"}
    assert {f"dues:{p.name}" for p in urls.urlpatterns} == covered


def test_list_page(client, orgs, people, bills, clerk, nobody):
    client.force_login(nobody)
    assert client.get(reverse("dues:bill_list")).status_code == 403
    client.force_login(clerk)
    assert client.get(reverse("dues:bill_list"), {"org": orgs["village3"].pk}).status_code == 404
    html = client.get(reverse("dues:bill_list"), {"org": orgs["village2"].pk, "month": "2026-05"}).content.decode()
    assert "王建国" in html
    assert "赵德胜" not in html


@pytest.mark.parametrize("name", ["dues:collection", "dues:hardship_list", "dues:ledger"])
def test_org_pages(client, orgs, people, bills, clerk, nobody, name):
    client.force_login(nobody)
    assert client.get(reverse(name)).status_code == 403
    client.force_login(clerk)
    assert client.get(reverse(name), {"org": orgs["village3"].pk}).status_code == 404
    assert client.get(reverse(name), {"org": orgs["village2"].pk}).status_code == 200


def test_mine_shows_only_the_linked_member(client, people, bills, nobody):
    client.force_login(nobody)
    assert "尚未关联" in client.get(reverse("dues:mine")).content.decode()
    orglife_actions.link_member_account(nobody, people["wang"], actor=None)
    html = client.get(reverse("dues:mine")).content.decode()
    assert "15.00" in html  # 王建国's May bill (3000 × 0.5 %)
    assert "赵德胜" not in html


# --- API endpoints of the dues additions: the same three answers, and refused requests change nothing ------


def _api(user):
    from rest_framework.test import APIClient

    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def _side(orgs, people, bills, side):
    member = people["wang" if side == "inside" else "zhao"]
    org = orgs["village2" if side == "inside" else "village3"]
    app = HardshipApplication.objects.get(member=member)
    return member, org, app


API_CALLS = [
    ("get", lambda m, o, a: f"/api/v1/dues-hardship/{a.pk}/", None, 200),
    ("post", lambda m, o, a: "/api/v1/dues-hardship/",
     lambda m, o, a: {"member": m.pk, "kind": "exempt", "first_month": "2026-06", "last_month": "2026-06",
                      "reason": "因病"}, 201),
    ("post", lambda m, o, a: f"/api/v1/dues-hardship/{a.pk}/branch/",
     lambda m, o, a: {"agree": True, "decision": "支委会", "version": a.version}, 200),
    ("post", lambda m, o, a: "/api/v1/dues-ledger/",
     lambda m, o, a: {"org": o.pk, "kind": "usage", "amount": "50", "entry_date": "2026-05-20",
                      "category": "training", "decision_reference": "支委会"}, 201),
    ("get", lambda m, o, a: f"/api/v1/dues-collection/?org={o.pk}&period=2026", None, 200),
    ("get", lambda m, o, a: f"/api/v1/dues-hardship-aid/{HardshipAid.objects.get(member=m).pk}/", None, 200),
    ("post", lambda m, o, a: "/api/v1/dues-hardship-aid/",
     lambda m, o, a: {"member": m.pk, "visited_on": "2026-05-20", "visitors": "支部书记", "kind": "cash",
                      "given": "慰问金", "amount": "300.00"}, 201),
    ("post", lambda m, o, a: f"/api/v1/dues-hardship-aid/{HardshipAid.objects.get(member=m).pk}/correct/",
     lambda m, o, a: {"version": 1, "amount": "20.50", "kind": "goods", "given": "米面油"}, 200),
]  # fmt: skip


@pytest.mark.parametrize(("method", "url", "payload", "ok"), API_CALLS, ids=range(len(API_CALLS)))
def test_api_matrix(orgs, people, bills, clerk, nobody, method, url, payload, ok):
    def send(user, side):
        m, o, a = _side(orgs, people, bills, side)
        client = _api(user)
        body = payload(m, o, a) if payload else None
        return client.post(url(m, o, a), body, format="json") if method == "post" else client.get(url(m, o, a))

    before = state()
    assert send(nobody, "inside").status_code == 403
    assert send(clerk, "outside").status_code in (400, 404)  # a named target out of scope: not found / refused
    assert state() == before
    response = send(clerk, "inside")
    assert response.status_code == ok, response.content.decode()[-1000:]


def test_api_upper_approval_and_collection_figures(orgs, people, bills, clerk):
    client = _api(clerk)
    app = HardshipApplication.objects.get(member=people["wang"])
    client.post(
        f"/api/v1/dues-hardship/{app.pk}/branch/", {"agree": True, "decision": "支委会", "version": 1}, format="json"
    )
    approval = {"approve": True, "reference": "东山党委〔2026〕5号", "version": 2}
    response = client.post(f"/api/v1/dues-hardship/{app.pk}/approve/", approval, format="json")
    assert response.json()["status"] == "approved"
    assert Bill.objects.get(member=people["wang"]).status == "waived"
    body = client.get("/api/v1/dues-collection/", {"org": orgs["town"].pk, "period": "2026-Q2"}).json()
    assert (body["total"]["billed"], body["total"]["waived"], body["total"]["rate"]) == (1, 1, None)
    bad = client.get("/api/v1/dues-collection/", {"org": orgs["town"].pk, "period": "2026-Q9"})
    assert bad.status_code == 400


# --- dues-payments (read-only API): the same three answers; writes are refused and change nothing -----------

JUN = date(2026, 6, 1)


@pytest.fixture
def payments(people, bills):
    """A June payment each for 王建国 (杨庄村, in scope) and 赵德胜 (河湾村, out of scope)."""
    made = {}
    for side, key in (("inside", "wang"), ("outside", "zhao")):
        actions.generate_bills(people[key].org, JUN, actor=None)
        bill = Bill.objects.get(member=people[key], month=JUN)
        made[side] = actions.record_payment([bill], actor=None, paid_on=date(2026, 6, 20), method="cash")[0]
    return made


PAYMENT_READS = {
    "detail": lambda p, org: f"/api/v1/dues-payments/{p.pk}/",
    "list": lambda p, org: "/api/v1/dues-payments/",
    "list-org": lambda p, org: f"/api/v1/dues-payments/?org={org.pk}",
    "list-member": lambda p, org: f"/api/v1/dues-payments/?member={p.member_id}&year=2026",
}


def _payment_ids(response):
    return {row["id"] for row in response.json()["results"]}


@pytest.mark.parametrize("name", PAYMENT_READS)
def test_api_payments_matrix(orgs, people, payments, clerk, nobody, name):
    url = PAYMENT_READS[name]
    inside, outside = payments["inside"], payments["outside"]
    org_in, org_out = orgs["village2"], orgs["village3"]
    before = state()
    assert _api(nobody).get(url(inside, org_in)).status_code == 403
    assert _api(None).get(url(inside, org_in)).status_code in (401, 403)
    response = _api(clerk).get(url(outside, org_out))
    if name == "detail":
        assert response.status_code == 404
    else:  # a list names no target: out of scope it shows nothing, never the other town's payment
        assert response.status_code == 200
        assert outside.pk not in _payment_ids(response)
    response = _api(clerk).get(url(inside, org_in))
    assert response.status_code == 200, response.content.decode()[-1000:]
    if name == "detail":
        assert (response.json()["id"], response.json()["bills"]) == (inside.pk, [b.pk for b in inside.bills.all()])
    else:
        assert inside.pk in _payment_ids(response)
    assert state() == before


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_api_payments_cannot_be_written(payments, clerk, nobody, method):
    """Payments are recorded through `dues-bills/pay/` only: any write here is refused (405: the method does
    not exist, whoever asks), inside scope or out, and changes nothing."""
    body = {"member": payments["inside"].member_id, "amount": "1.00", "paid_on": "2026-06-21", "method": "cash"}
    before = state()
    for side in ("inside", "outside"):
        url = "/api/v1/dues-payments/" if method == "post" else f"/api/v1/dues-payments/{payments[side].pk}/"
        for user in (nobody, clerk):
            assert getattr(_api(user), method)(url, body, format="json").status_code in (403, 404, 405)
    assert getattr(_api(clerk), method)(url, body, format="json").status_code == 405
    assert state() == before


def test_every_dues_api_endpoint_is_in_a_matrix():
    from dangjian.api.urls import router

    dues = {prefix for prefix, *_ in router.registry if prefix.startswith("dues-")}
    # dues-bills: the list, generate/pay/waive in src/dangjian/dues/tests/test_api.py; the rest here.
    assert dues == {"dues-bills", "dues-hardship", "dues-ledger", "dues-collection", "dues-hardship-aid",
                    "dues-payments"}  # fmt: skip
