"""困难党员帮扶: visits and aid with amounts (Decimal), validated by rules.aid_problem, scoped, audited
without names, corrected under a version check, shown on the member's hardship page and in the API."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from dangjian.core.errors import ConcurrentEdit, OutOfScope, RuleViolation
from dangjian.core.models import AuditEvent
from dangjian.dues import actions, rules
from dangjian.dues.models import HardshipAid
from dangjian.dues.tests.helpers import dues_user

TODAY = date(2026, 11, 26)


@pytest.mark.parametrize(
    ("kind", "amount", "visitors", "given", "day", "problem"),
    [
        ("visit", "0", "书记", "", TODAY, None),
        ("cash", "500.00", "书记", "", TODAY, None),
        ("goods", "120", "书记", "米面油", date(2026, 1, 1), None),
        ("cash", "100000", "书记", "", TODAY, None),  # the edge itself is allowed
        ("cash", "100000.01", "书记", "", TODAY, "amount"),
        ("cash", "0", "书记", "", TODAY, "amount"),
        ("visit", "-0.01", "书记", "", TODAY, "amount"),
        ("visit", "0", "  ", "", TODAY, "visitors"),
        ("visit", "0", "书记", "", date(2026, 11, 27), "visited_on"),
        ("goods", "50", "书记", " ", TODAY, "given"),
        ("other", "0", "书记", "", TODAY, "given"),
        ("gift", "0", "书记", "", TODAY, "kind"),
    ],
)
def test_aid_problem(kind, amount, visitors, given, day, problem):
    found = rules.aid_problem(kind, Decimal(amount), visitors=visitors, given=given, visited_on=day, today=TODAY)
    assert (found[0] if found else None) == problem


@pytest.fixture
def clerk(orgs):
    return dues_user(orgs)


def test_record_and_correct(orgs, people, clerk):
    wang = people["wang"]
    aid = actions.record_aid(wang, actor=clerk, visited_on=date(2026, 2, 1), visitors="镇党委副书记 王某",
                             kind="cash", given="春节慰问金", amount="800")  # fmt: skip
    assert aid.amount == Decimal("800.00")
    assert aid.org == wang.org
    assert aid.recorded_by == clerk
    event = AuditEvent.objects.filter(action="dues.aid.record").latest("seq")
    assert event.after["amount"] == "800.00"
    assert "王某" not in str(event.after)
    aid = actions.correct_aid(aid, actor=clerk, expected_version=1, amount="850.50")
    assert (aid.amount, aid.version) == (Decimal("850.50"), 2)
    with pytest.raises(ConcurrentEdit):
        actions.correct_aid(aid, actor=clerk, expected_version=1, amount="1")
    assert HardshipAid.objects.get(pk=aid.pk).amount == Decimal("850.50")


def test_bad_input_writes_nothing(orgs, people, clerk):
    with pytest.raises(RuleViolation, match="现金补助请填写金额") as exc:
        actions.record_aid(people["wang"], actor=clerk, visited_on=date(2026, 2, 1), visitors="书记", kind="cash")
    assert exc.value.field == "amount"
    with pytest.raises(RuleViolation):
        actions.record_aid(people["wang"], actor=clerk, visited_on=date(2026, 2, 1), visitors="书记", kind="visit",
                           amount="abc")  # fmt: skip
    assert not HardshipAid.objects.exists()


def test_out_of_scope(orgs, people, clerk):
    with pytest.raises(OutOfScope):
        actions.record_aid(people["zhao"], actor=clerk, visited_on=date(2026, 2, 1), visitors="书记", kind="visit")


def test_linked_ledger_must_be_a_hardship_aid_use(orgs, people, clerk):
    town = orgs["town"]
    training = actions.record_ledger_entry(town, actor=None, kind="usage", amount="100", entry_date=date(2026, 1, 5),
                                           category="training", decision_reference="党委会")  # fmt: skip
    aid_use = actions.record_ledger_entry(town, actor=None, kind="usage", amount="800", entry_date=date(2026, 1, 5),
                                          category="hardship_aid", decision_reference="党委会")  # fmt: skip
    with pytest.raises(RuleViolation, match="补助生活困难的党员"):
        actions.record_aid(people["wang"], actor=clerk, ledger_entry=training, visited_on=date(2026, 2, 1),
                           visitors="书记", kind="cash", amount="800")  # fmt: skip
    aid = actions.record_aid(people["wang"], actor=clerk, ledger_entry=aid_use, visited_on=date(2026, 2, 1),
                             visitors="书记", kind="cash", amount="800")  # fmt: skip
    assert aid.ledger_entry == aid_use


def test_member_hardship_page(client, orgs, people, clerk):
    wang = people["wang"]
    client.force_login(clerk)
    url = reverse("dues:aid", args=[wang.pk])
    response = client.post(url, {"visited_on": "2026-03-08", "visitors": "支部书记 李某", "kind": "goods",
                                 "given": "米面油", "amount": "150.00"})  # fmt: skip
    assert response.status_code == 302
    html = client.get(url).content.decode()
    assert "支部书记 李某" in html
    assert "米面油" in html
    assert "150.00" in html
    bad = client.post(url, {"visited_on": "2026-03-08", "visitors": "书记", "kind": "cash", "amount": ""})
    assert bad.status_code == 400
    assert "现金补助请填写金额" in bad.content.decode()
    assert HardshipAid.objects.count() == 1
    assert reverse("dues:aid", args=[wang.pk]) in client.get(reverse("dues:member", args=[wang.pk])).content.decode()


def test_api_list_create_correct(orgs, people, clerk):
    api = APIClient()
    api.force_authenticate(clerk)
    wang = people["wang"]
    body = {"member": wang.pk, "visited_on": "2026-04-01", "visitors": "书记", "kind": "cash", "amount": "300.00"}
    created = api.post("/api/v1/dues-hardship-aid/", body, format="json")
    assert created.status_code == 201
    assert created.json()["amount"] == "300.00"
    listed = api.get("/api/v1/dues-hardship-aid/", {"member": wang.pk}).json()
    assert [r["id"] for r in listed["results"]] == [created.json()["id"]]
    assert api.get("/api/v1/dues-hardship-aid/", {"member": people["zhao"].pk}).json()["results"] == []
    url = f"/api/v1/dues-hardship-aid/{created.json()['id']}/correct/"
    assert api.post(url, {"version": 1, "amount": "-1"}, format="json").status_code == 400
    stale = api.post(url, {"version": 7, "amount": "5"}, format="json")
    assert stale.status_code == 409
    assert HardshipAid.objects.get().amount == Decimal("300.00")


def test_the_archive_situation_and_the_visits_link_both_ways(client, orgs, people, clerk):
    """困难帮扶 has two halves: the hardship situation in the member's archive (members.AidRecord) and the
    visits and aid given (dues.HardshipAid); each page shows or links to the other."""
    from dangjian.members.records import add_record

    wang = people["wang"]
    add_record(wang, "aid", actor=None, kind="因病", description="本人患慢性病，收入低", measures="每季度走访",
               since=date(2026, 1, 1))  # fmt: skip
    client.force_login(clerk)
    html = client.get(reverse("dues:aid", args=[wang.pk])).content.decode()
    assert "本人患慢性病，收入低" in html
    assert "每季度走访" in html
    assert reverse("members:detail", args=[wang.pk]) in html
    detail = client.get(reverse("members:detail_tab", args=[wang.pk, "records"])).content.decode()
    assert 'id="aid-visits"' in detail
    assert reverse("dues:aid", args=[wang.pk]) in detail
    reader = dues_user(orgs, "roster_reader", permissions=["members.view_member"])  # may not open dues pages
    client.force_login(reader)
    response = client.get(reverse("members:detail_tab", args=[wang.pk, "records"]))
    assert response.status_code == 200
    assert 'id="aid-visits"' not in response.content.decode()
