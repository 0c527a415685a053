"""Organizational-life pages: scope, forms, attendance with quorum, compliance, exemptions, nav, to-dos."""

import re
from datetime import date

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dangjian.core import todos as core_todos
from dangjian.orglife import actions
from dangjian.orglife.models import Attendance, Exemption, Meeting
from dangjian.orglife.todos import orglife_todos


def meeting(org, kind="general_assembly", topic="党员大会", day=date(2026, 9, 5)):
    return actions.schedule_meeting(org, actor=None, kind=kind, topic=topic, held_on=day)


def test_list_is_scoped_and_filtered(client, orgs, people, town_officer):
    meeting(orgs["village"], topic="柳树村党员大会")
    meeting(orgs["village2"], kind="theme_day", topic="杨庄村主题党日")
    meeting(orgs["village3"], topic="河湾村党员大会")
    client.force_login(town_officer)
    html = client.get(reverse("orglife:meeting_list")).content.decode()
    assert "柳树村党员大会" in html
    assert "杨庄村主题党日" in html
    assert "河湾村党员大会" not in html
    html = client.get(reverse("orglife:meeting_list"), {"kind": "theme_day"}).content.decode()
    assert "杨庄村主题党日" in html
    assert "柳树村党员大会" not in html
    html = client.get(reverse("orglife:meeting_list"), {"org": orgs["village"].pk}).content.decode()
    assert "柳树村党员大会" in html
    assert "杨庄村主题党日" not in html
    assert f"?org={orgs['village'].pk}" in html  # 安排组织生活 for that branch
    html = client.get(reverse("orglife:meeting_list"), {"org": orgs["village3"].pk}).content.decode()
    assert "河湾村党员大会" not in html


def test_list_query_count_is_fixed(client, orgs, town_officer):
    client.force_login(town_officer)
    meeting(orgs["village"])
    client.get(reverse("orglife:meeting_list"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("orglife:meeting_list"))
    for i in range(5):
        meeting(orgs["village2"], topic=f"第{i}次")
    with CaptureQueriesContext(connection) as six:
        client.get(reverse("orglife:meeting_list"))
    assert len(six) == len(one)


def test_pages_without_permission_are_403(client, nobody):
    client.force_login(nobody)
    for name in ("orglife:meeting_list", "orglife:meeting_create", "orglife:compliance"):
        assert client.get(reverse(name)).status_code == 403


def test_schedule_form(client, orgs, town_officer):
    client.force_login(town_officer)
    assert client.get(reverse("orglife:meeting_create"), {"org": orgs["village"].pk}).status_code == 200
    payload = {"org": orgs["village"].pk, "kind": "party_lecture", "topic": "学习党章", "held_on": "2026-12-10",
               "lecturer": "张书记"}  # fmt: skip
    response = client.post(reverse("orglife:meeting_create"), payload)
    created = Meeting.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("orglife:meeting_detail", args=[created.pk])
    assert (created.kind, created.lecturer, created.status) == ("party_lecture", "张书记", "planned")
    response = client.post(reverse("orglife:meeting_create"), {**payload, "org": orgs["village3"].pk})
    assert response.status_code == 400
    assert "不在您的管辖范围内" in response.content.decode()
    assert Meeting.objects.count() == 1


def test_detail_shows_attendance_and_quorum(client, orgs, people, town_officer):
    m = meeting(orgs["village"])
    client.force_login(town_officer)
    html = client.get(reverse("orglife:meeting_detail", args=[m.pk])).content.decode()
    assert "有表决权的党员应到 1 人，实到 0 人" in html
    assert f'name="status_{people["zhang"].pk}" value="present" checked' in html
    assert f'name="status_{people["li"].pk}"' in html
    assert "王建国" not in html  # 杨庄村's member is not on 柳树村's sheet


def test_attendance_post_records_and_reports_the_quorum(client, orgs, people, town_officer):
    m = meeting(orgs["village"])
    client.force_login(town_officer)
    payload = {"version": m.version, f"status_{people['zhang'].pk}": "present",
               f"status_{people['li'].pk}": "excused", f"reason_{people['li'].pk}": "生病"}  # fmt: skip
    response = client.post(reverse("orglife:meeting_attendance", args=[m.pk]), payload, follow=True)
    html = response.content.decode()
    assert "已登记出勤情况" in html
    assert "有表决权的党员应到1人、实到1人，已超过半数（LIFE-01）" in html
    rows = {a.member_id: (a.status, a.reason) for a in Attendance.objects.filter(meeting=m)}
    assert rows == {people["zhang"].pk: ("present", ""), people["li"].pk: ("excused", "生病")}
    # the same form again, now stale
    response = client.post(reverse("orglife:meeting_attendance", args=[m.pk]), payload)
    assert response.status_code == 400
    assert "已被他人修改" in response.content.decode()


def test_record_minutes(client, orgs, town_officer):
    m = meeting(orgs["village"])
    client.force_login(town_officer)
    assert client.get(reverse("orglife:meeting_record", args=[m.pk])).status_code == 200
    payload = {"topic": m.topic, "held_on": "2026-09-05", "minutes": "一、传达学习……", "version": m.version}
    response = client.post(reverse("orglife:meeting_record", args=[m.pk]), payload)
    assert response.status_code == 302
    m.refresh_from_db()
    assert (m.status, m.minutes) == ("held", "一、传达学习……")
    html = client.get(reverse("orglife:meeting_detail", args=[m.pk])).content.decode()
    assert "一、传达学习……" in html
    assert "已召开" in html
    response = client.post(reverse("orglife:meeting_record", args=[m.pk]), {**payload, "held_on": "2099-01-01"})
    assert response.status_code == 400
    assert "尚未召开" in response.content.decode()


@time_machine.travel(date(2026, 7, 10))
def test_compliance_page(client, orgs, town_officer, county_officer):
    for month in range(1, 7):
        Meeting.objects.create(
            org=orgs["village"], kind="theme_day", topic="t", held_on=date(2026, month, 5), status="held"
        )
    for month in (2, 5):
        for kind in ("general_assembly", "party_lecture"):
            Meeting.objects.create(
                org=orgs["village"], kind=kind, topic="t", held_on=date(2026, month, 5), status="held"
            )
    client.force_login(town_officer)
    html = client.get(reverse("orglife:compliance")).content.decode()
    assert "组织生活完成情况（2026年）" in html
    green = re.search(r'<tr class="compliance-green">.*?</tr>', html, re.S).group(0)
    assert "柳树村党支部" in green
    assert "100.00%" in green
    assert html.count('class="compliance-red"') == 2  # 杨庄村 and 第一党支部 held nothing
    assert "河湾村党支部" not in html
    client.force_login(county_officer)
    html = client.get(reverse("orglife:compliance"), {"year": 2025}).content.decode()
    assert "组织生活完成情况（2025年）" in html
    assert html.count('<tr class="compliance-') == 5


def test_exemption_form(client, orgs, town_officer, village_officer):
    url = reverse("orglife:exemption_create", args=[orgs["village"].pk])
    client.force_login(town_officer)
    assert client.get(url).status_code == 200
    response = client.post(url, {"kind": "theme_day", "period": "2026-02", "reason": "春节期间党员外出"})
    assert response.status_code == 302
    assert Exemption.objects.count() == 1
    client.force_login(village_officer)
    response = client.post(url, {"kind": "theme_day", "period": "2026-03", "reason": "x"})
    assert response.status_code == 400
    assert "上级党组织" in response.content.decode()
    assert Exemption.objects.count() == 1


def test_nav_item_for_holders_only(client, town_officer, nobody):
    client.force_login(town_officer)
    assert reverse("orglife:meeting_list") in client.get("/").content.decode()
    client.force_login(nobody)
    assert reverse("orglife:meeting_list") not in client.get("/").content.decode()


def test_theme_day_reminder_from_the_configured_day(orgs, town_officer, settings):
    Meeting.objects.create(org=orgs["village"], kind="theme_day", topic="t", held_on=date(2026, 11, 5), status="held")
    titles = lambda day: {t.title for t in orglife_todos(town_officer, day, 30) if t.rule == "LIFE-06"}  # noqa: E731
    assert titles(date(2026, 11, 19)) == set()
    assert titles(date(2026, 11, 20)) == {"杨庄村党支部：本月主题党日尚未开展", "第一党支部：本月主题党日尚未开展"}
    settings.ORGLIFE_THEME_DAY_REMINDER_DAY = 25
    assert titles(date(2026, 11, 20)) == set()


def test_overdue_gaps_are_todos(orgs, town_officer, village_officer, nobody):
    items = [t for t in orglife_todos(village_officer, date(2026, 2, 2), 30) if t.rule == "LIFE-GAP"]
    assert [t.title for t in items] == ["柳树村党支部：2026-01 未开展主题党日"]
    assert items[0].overdue
    assert items[0].due == date(2026, 1, 31)
    assert orglife_todos(nobody, date(2026, 2, 21), 30) == []
    groups = dict(core_todos.collect(village_officer, date(2026, 2, 2)))
    assert "组织生活" in groups


def test_submit_and_review_through_the_pages(client, orgs, people, town_officer):
    from dangjian.accounts.models import Role
    from dangjian.orglife import actions
    from dangjian.orglife.models import Meeting

    Role.objects.filter(code="test_orglife").update(
        permissions=[*Role.objects.get(code="test_orglife").permissions, "orglife.review_meeting"]
    )
    m = actions.schedule_meeting(
        orgs["village"], actor=None, kind="theme_day", topic="主题党日", held_on=date(2026, 9, 5)
    )
    m = actions.record_meeting(m, actor=None, minutes="记录")
    client.force_login(town_officer)
    page = client.get(reverse("orglife:meeting_detail", args=[m.pk])).content.decode()
    assert "报送审核" in page
    client.post(reverse("orglife:meeting_submit", args=[m.pk]), {"version": m.version})
    assert Meeting.objects.get(pk=m.pk).status == "submitted"
    page = client.get(reverse("orglife:meeting_detail", args=[m.pk])).content.decode()
    assert 'id="review"' in page
    assert "等待审核" in page
    response = client.post(
        reverse("orglife:meeting_review", args=[m.pk]), {"decision": "return", "version": m.version + 1}
    )
    assert response.status_code == 400
    assert "退回须填写理由" in response.content.decode()
    client.post(reverse("orglife:meeting_review", args=[m.pk]), {"decision": "approve", "version": m.version + 1})
    assert Meeting.objects.get(pk=m.pk).status == "approved"
    assert "审核后修改" in client.get(reverse("orglife:meeting_detail", args=[m.pk])).content.decode()


def test_calendar_list_and_month_views(client, orgs, people, town_officer):
    from dangjian.orglife import actions

    actions.schedule_meeting(
        orgs["village"], actor=None, kind="theme_day", topic="九月主题党日", held_on=date(2026, 9, 5)
    )
    client.force_login(town_officer)
    url = reverse("orglife:calendar", args=[orgs["village"].pk])
    page = client.get(url, {"year": 2026}).content.decode()
    assert page.count("主题党日</td>") == 12
    assert "已安排" in page
    assert "kind=theme_day" in page  # an open slot offers to schedule
    month = client.get(url, {"year": 2026, "month": 9, "view": "month"}).content.decode()
    assert "九月主题党日" in month
    assert "2026年9月" in month


def test_my_orglife_needs_a_linked_member(client, orgs, people, personas):
    from dangjian.orglife import actions

    user = personas["party_member"]
    client.force_login(user)
    assert client.get(reverse("orglife:my")).status_code == 403
    actions.link_member_account(user, people["zhang"], actor=None)
    actions.schedule_meeting(
        orgs["village"], actor=None, kind="party_lecture", topic="学习党章", held_on=date(2099, 1, 5)
    )
    page = client.get(reverse("orglife:my")).content.decode()
    assert "学习党章" in page
    assert "柳树村" in page


def test_set_a_cadence_through_the_page(client, orgs, town_officer):
    from dangjian.orglife.models import CadenceRule

    client.force_login(town_officer)
    url = reverse("orglife:cadences")
    assert "默认频次" in client.get(url).content.decode()
    response = client.post(url, {"org": orgs["town"].pk, "kind": "party_lecture", "cadence": "monthly",
                                 "effective_from": "2026-01-01", "note": "镇规定"})  # fmt: skip
    assert response.status_code == 302
    assert CadenceRule.objects.get().cadence == "monthly"
    response = client.post(url, {"org": orgs["county"].pk, "kind": "party_lecture", "cadence": "monthly",
                                 "effective_from": "2026-01-01"})  # fmt: skip
    assert response.status_code == 400  # the county is out of the town officer's scope


def test_minutes_and_attendance_sheet_pdf(client, orgs, people, town_officer):
    from dangjian.orglife import printing

    m = actions.schedule_meeting(orgs["village"], actor=None, kind="general_assembly", topic="第三季度党员大会",
                                 held_on=date(2026, 9, 5), host="王德胜", recorder="李秀英")  # fmt: skip
    m = actions.record_meeting(m, actor=None, minutes="一、学习党章\n二、讨论发展党员", resolutions="同意接收")
    m = actions.record_attendance(m, {people["li"].pk: {"status": "excused", "reason": "外出务工"}}, actor=None)
    html = printing.minutes_html(m)
    assert "签到表" in html
    assert "外出务工" in html
    assert "同意接收" in html
    client.force_login(town_officer)
    response = client.get(reverse("orglife:meeting_pdf", args=[m.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_photos_and_files(client, orgs, people, town_officer, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from dangjian.core.models import AuditEvent

    settings.MEDIA_ROOT = tmp_path
    m = actions.schedule_meeting(
        orgs["village"], actor=None, kind="theme_day", topic="主题党日", held_on=date(2026, 9, 5)
    )
    client.force_login(town_officer)
    url = reverse("orglife:file_upload", args=[m.pk])
    client.post(url, {"file": SimpleUploadedFile("a.txt", b"hello", "text/plain")})
    assert not m.files.exists()  # content checked, not the name
    client.post(url, {"file": SimpleUploadedFile("合影.png", PNG, "image/png"), "title": "合影"})
    row = m.files.get()
    assert row.title == "合影"
    page = client.get(reverse("orglife:meeting_detail", args=[m.pk])).content.decode()
    assert reverse("orglife:file", args=[row.pk]) in page
    response = client.get(reverse("orglife:file", args=[row.pk]))
    assert b"".join(response.streaming_content) == PNG
    assert AuditEvent.objects.filter(action="meeting.file.download").count() == 1
    m = actions.record_meeting(m, actor=None, minutes="记录")
    m = actions.submit_meeting(m, actor=None)
    client.post(url, {"file": SimpleUploadedFile("b.png", PNG, "image/png")})
    assert m.files.count() == 1  # locked while waiting for review


def test_link_an_account_to_a_member(client, orgs, people, town_officer, personas):
    from dangjian.accounts.models import Role
    from dangjian.orglife.models import MemberAccount

    Role.objects.filter(code="test_orglife").update(
        permissions=[*Role.objects.get(code="test_orglife").permissions, "members.change_member"]
    )
    client.force_login(town_officer)
    url = reverse("orglife:member_account", args=[people["zhang"].pk])
    assert client.post(url, {"username": "no_such_user"}).status_code == 400
    assert client.post(url, {"username": "PARTY_MEMBER"}).status_code == 302
    assert MemberAccount.objects.get(user=personas["party_member"]).member == people["zhang"]
    client.force_login(personas["party_member"])
    assert client.get(reverse("orglife:member_record", args=[people["zhang"].pk])).status_code == 200
    assert client.get(reverse("orglife:member_record", args=[people["li"].pk])).status_code == 403
