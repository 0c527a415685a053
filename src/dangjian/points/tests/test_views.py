"""Points pages: ranking, member page with entry and exclusion forms, pending approvals, catalogue, 我的积分,
the recompute job and command."""

from datetime import date
from io import StringIO

from django.core.management import call_command
from django.urls import reverse

from dangjian.orglife import actions as orglife_actions
from dangjian.points.models import PointEntry, PointRuleSet


def test_ranking_member_and_entry_flow(client, orgs, people, rule_set, clerk, approver):
    client.force_login(clerk)
    html = client.get(reverse("points:ranking"), {"org": orgs["town"].pk, "year": 2026}).content.decode()
    assert "张三丰" in html
    assert "60.00" in html
    item = rule_set.items.get(code="volunteer")
    url = reverse("points:member", args=[people["zhang"].pk])
    response = client.post(url, {"step": "entry", "item": item.pk, "occurred_on": "2026-06-01", "quantity": "1",
                                 "evidence": "社区志愿服务2小时"})  # fmt: skip
    assert response.status_code == 302
    bad = client.post(url, {"step": "entry", "item": item.pk, "occurred_on": "2026-06-01", "quantity": "1",
                            "evidence": " "})  # fmt: skip
    assert bad.status_code == 400
    entry = PointEntry.objects.get()
    client.force_login(approver)
    assert "社区志愿服务" in client.get(reverse("points:pending"), {"org": orgs["town"].pk}).content.decode()
    assert client.post(reverse("points:review", args=[entry.pk]), {"approve": "1"}).status_code == 302
    assert "62.00" in client.get(url).content.decode()
    response = client.post(url, {"step": "exclude", "year": "2026", "reason": "mobile", "decision_reference": "支委会"})
    assert response.status_code == 302
    assert "免于积分" in client.get(url).content.decode()


def test_catalogue_pages(client, orgs, clerk):
    client.force_login(clerk)
    url = reverse("points:rules")
    assert client.get(url, {"org": orgs["town"].pk}).status_code == 200
    response = client.post(url, {"org": orgs["town"].pk, "template": "daily80_appraisal20",
                                 "effective_from": "2026-01-01"})  # fmt: skip
    assert response.status_code == 302
    rule_set = PointRuleSet.objects.get(org=orgs["town"])
    detail = reverse("points:rule_set", args=[rule_set.pk])
    assert "民主评议得分" in client.get(detail).content.decode()
    response = client.post(detail, {"step": "set", "name": "东山镇积分", "base_score": "80", "floor": "0",
                                    "ceiling": "100", "yearly_reset": "on", "star_bands": "95:5, 85:4, 0:1",
                                    "version": rule_set.version})  # fmt: skip
    assert response.status_code == 302
    rule_set.refresh_from_db()
    assert rule_set.star_bands == [["95", 5], ["85", 4], ["0", 1]]
    bad = client.post(detail, {"step": "set", "name": "x", "base_score": "80", "star_bands": "95:9",
                               "version": rule_set.version})  # fmt: skip
    assert bad.status_code == 400
    response = client.post(detail, {"step": "item", "code": "study", "label": "自学笔记", "source": "manual",
                                    "points": "1", "cap": "5"})  # fmt: skip
    assert response.status_code == 302
    response = client.post(detail, {"step": "version", "effective_from": "2026-07-01"})
    assert response.status_code == 302
    assert PointRuleSet.objects.filter(org=orgs["town"]).count() == 2


def test_mine_and_recompute(client, orgs, people, rule_set, approver, nobody):
    client.force_login(nobody)
    assert "尚未关联" in client.get(reverse("points:mine")).content.decode()
    orglife_actions.link_member_account(nobody, people["zhang"], actor=None)
    assert "60.00" in client.get(reverse("points:mine")).content.decode()
    client.force_login(approver)
    response = client.post(reverse("points:recompute"), {"org": orgs["town"].pk, "year": "2026"})
    assert response.status_code == 302


def test_recompute_command(orgs, people, rule_set):
    # Attendance recorded without running the after-commit hook: the command fills the gap, once.
    meeting = orglife_actions.schedule_meeting(
        orgs["village"], actor=None, kind="party_lecture", topic="党课", held_on=date(2026, 4, 2)
    )
    meeting = orglife_actions.record_meeting(meeting, actor=None)
    orglife_actions.record_attendance(meeting, None, actor=None)
    for expected in ("新增2条", "新增0条"):
        out = StringIO()
        call_command("points_recompute", orgs["county"].code, "--year", "2026", stdout=out)
        assert expected in out.getvalue()
    assert PointEntry.objects.filter(item__code="attend_meeting").count() == 2
