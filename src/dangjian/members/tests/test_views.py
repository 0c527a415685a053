"""Roster pages: scope, filters, masking, reveal, forms."""

import re
from datetime import date

from django.urls import reverse

from dangjian.core.models import AuditEvent
from dangjian.members import rules
from dangjian.members.models import Member

ID_PATTERN = re.compile(r"\d{17}[\dX]")


def test_roster_is_scoped(client_as, people):
    html = client_as("village_secretary").get(reverse("members:list")).content.decode()
    assert "张三丰" in html
    assert "李秀英" in html
    assert "王建国" not in html
    assert "赵德胜" not in html
    county = client_as("county_admin").get(reverse("members:list")).content.decode()
    assert all(name in county for name in ("张三丰", "王建国", "赵德胜"))


def test_roster_filters(client_as, people, orgs):
    client = client_as("county_admin")

    def names(**params):
        html = client.get(reverse("members:list"), params).content.decode()
        return set(re.findall(r'href="/members/\d+/">([^<]+)</a>', html))

    assert names(q="zsf") == {"张三丰"}
    assert names(q="王建") == {"王建国"}
    assert names(q=people["zhao"].get_secret("id_number")) == {"赵德胜"}
    assert names(stage="probationary") == {"李秀英"}
    assert names(sex="female") == {"李秀英"}
    assert names(subtree=orgs["town"].pk) == {"张三丰", "李秀英", "王建国"}
    assert names(age_band="ge61") == {"王建国"}
    assert names(occupation="retired") == {"王建国"}
    assert names(join_band="since_18th") == {"李秀英"}


def test_roster_sorting(client_as, people):
    html = client_as("county_admin").get(reverse("members:list"), {"sort": "-age"}).content.decode()
    order = re.findall(r'href="/members/\d+/">([^<]+)</a>', html)
    assert order[0] == "王建国"
    assert order[-1] == "李秀英"


def test_no_id_number_in_clear_on_screens(client_as, people):
    client = client_as("county_admin")
    for url in (reverse("members:list"), reverse("members:detail", args=[people["zhang"].pk])):
        html = client.get(url).content.decode()
        assert not [m for m in ID_PATTERN.findall(html) if rules.id_check_digit(m[:17]) == m[17]]
        assert "13800000011" not in html
    assert "138****0011" in html
    assert "3713**********" in html


def test_reveal_shows_the_value_and_audits(client_as, people):
    client = client_as("village_secretary")
    zhang = people["zhang"]
    response = client.post(reverse("members:reveal", args=[zhang.pk, "id_number"]))
    assert response.status_code == 200
    assert zhang.get_secret("id_number") in response.content.decode()
    assert AuditEvent.objects.filter(action="member.reveal", object_id=str(zhang.pk)).exists()
    assert client.get(reverse("members:reveal", args=[zhang.pk, "id_number"])).status_code == 405


def test_the_member_page_loads_its_tabs_when_they_are_first_shown(client_as, people):
    """The page renders 基本信息 only; every other tab has its own URL, fetched by htmx on `shown.bs.tab`, so the
    page itself reads none of the tabs' tables."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from dangjian.members.models import Placement, RewardPunishment, StatusChange, Transfer
    from dangjian.members.views import TABS

    client = client_as("county_admin")
    zhang = people["zhang"]
    with CaptureQueriesContext(connection) as page:
        html = client.get(reverse("members:detail", args=[zhang.pk])).content.decode()
    read = " ".join(q["sql"] for q in page.captured_queries if q["sql"].lstrip().upper().startswith("SELECT"))
    for model in (Placement, StatusChange, RewardPunishment, Transfer, AuditEvent):
        assert model._meta.db_table not in read
    for name, (label, _build) in TABS.items():
        url = reverse("members:detail_tab", args=[zhang.pk, name])
        assert f'hx-get="{url}" hx-target="#tab-{name}" hx-trigger="shown.bs.tab once"' in html
        assert f'id="tab-{name}"' in html
        assert label in html
        tab = client.get(url)
        assert tab.status_code == 200
        assert "<html" not in tab.content.decode()  # the pane's content only
    assert "柳树村党支部" in client.get(reverse("members:detail_tab", args=[zhang.pk, "placements"])).content.decode()
    assert client.get(reverse("members:detail_tab", args=[zhang.pk, "nothing"])).status_code == 404


def test_reveal_without_permission(client_as, people):
    assert (
        client_as("town_secretary").post(reverse("members:reveal", args=[people["zhang"].pk, "phone"])).status_code
        == 403
    )


def test_detail_shows_the_national_items_and_history(client_as, people):
    html = client_as("county_admin").get(reverse("members:detail", args=[people["zhang"].pk])).content.decode()
    for label in (
        "姓名",
        "所在党支部",
        "公民身份号码",
        "性别",
        "民族",
        "出生日期",
        "学历",
        "人员类别",
        "加入党组织日期",
        "转为正式党员日期",
        "工作岗位",
        "联系电话",
        "家庭住址",
        "党籍状态",
        "是否为失联党员",
        "是否为流动党员",
    ):
        assert label in html
    assert "柳树村党支部" in html
    log = client_as("county_admin").get(reverse("members:detail_tab", args=[people["zhang"].pk, "log"]))
    assert "member.create" in log.content.decode()


def test_add_member_through_the_form(client_as, orgs):
    number = rules.synthetic_id_number("371302", date(1995, 4, 2), 50, "female")
    response = client_as("village_secretary").post(
        reverse("members:create"),
        {
            "org": orgs["village"].pk,
            "name": "周敏",
            "id_number": number,
            "ethnicity": "汉族",
            "stage": "probationary",
            "joined_on": "2026-06-01",
            "phone": "13700001111",
        },
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    member = Member.objects.get(name="周敏")
    assert member.sex == "female"
    assert member.org_id == orgs["village"].pk


def test_add_member_errors_are_shown_in_chinese(client_as, orgs):
    response = client_as("village_secretary").post(
        reverse("members:create"),
        {
            "org": orgs["village"].pk,
            "name": "周敏",
            "id_number": "371302199504020001",
            "ethnicity": "汉族",
            "stage": "full",
            "joined_on": "2026-06-01",
        },
    )
    assert response.status_code == 400
    assert "公民身份号码校验位错误" in response.content.decode()


def test_add_member_outside_scope_is_refused(client_as, orgs):
    number = rules.synthetic_id_number("371302", date(1995, 4, 2), 51, "female")
    response = client_as("village_secretary").post(
        reverse("members:create"),
        {
            "org": orgs["village3"].pk,
            "name": "越权",
            "id_number": number,
            "ethnicity": "汉族",
            "stage": "probationary",
            "joined_on": "2026-06-01",
        },
    )
    assert response.status_code == 400
    assert "不在您的管辖范围" in response.content.decode()
    assert not Member.objects.filter(name="越权").exists()


def test_status_change_through_the_form(client_as, people):
    zhao = people["zhao"]
    response = client_as("county_admin").post(
        reverse("members:status", args=[zhao.pk]),
        {"target": "suspended", "on": "2026-03-01", "grounds": "失联超过6个月", "version": zhao.version},
    )
    assert response.status_code == 302
    assert Member.objects.get(pk=zhao.pk).status == "suspended"


def test_lost_contact_through_the_form(client_as, people):
    zhao = people["zhao"]
    client = client_as("county_admin")
    assert (
        client.post(reverse("members:lost_contact", args=[zhao.pk]), {"on": "2026-03-01", "reason": "1"}).status_code
        == 302
    )
    html = client.get(reverse("members:detail", args=[zhao.pk])).content.decode()
    assert "应停止党籍" in html
    assert client.post(reverse("members:lost_contact", args=[zhao.pk]), {"op": "restore"}).status_code == 302
    assert not Member.objects.get(pk=zhao.pk).is_lost_contact


def test_large_scopes_count_filtered_lists_with_a_bound(client_as, people, monkeypatch):
    """Past the exact-count limit: the unfiltered roster shows the counters' estimate ("约"); a search shows
    its real matches, and a broad filter counts up to the bound and says "以上" — never the whole scope."""
    from dangjian.members import queries

    monkeypatch.setattr(queries, "EXACT_COUNT_LIMIT", 1)
    monkeypatch.setattr(queries, "FILTERED_COUNT_BOUND", 2)
    client = client_as("county_admin")
    url = reverse("members:list")

    def count_text(params):
        html = client.get(url, params).content.decode()
        return html.split('id="roster-count">', 1)[1].split("</span>", 1)[0]

    assert count_text({}) == "共 约 4 人"
    assert count_text({"q": people["zhang"].name}) == "共 1 人"
    assert count_text({"stage": ["full", "probationary"]}).startswith("共 2 人以上（仅列出前 2 人")
