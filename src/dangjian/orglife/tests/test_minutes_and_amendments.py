"""Rich-text minutes (allow-list sanitising, editor page, PDF) and the audited amendment of an approved
record's attendance."""

from datetime import date

import pytest
from django.urls import reverse

from dangjian.core.errors import RuleViolation
from dangjian.core.models import AuditEvent
from dangjian.orglife import actions, printing, richtext
from dangjian.orglife.models import Amendment, Attendance, Meeting


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("<p>一、<strong>学习</strong>党章</p>", "<p>一、<strong>学习</strong>党章</p>"),
        ("<h3>议程</h3><ul><li>甲</li><li>乙</li></ul>", "<h3>议程</h3><ul><li>甲</li><li>乙</li></ul>"),
        ('<p onclick="x()">点</p>', "<p>点</p>"),  # attributes dropped
        ("<p>a<script>alert(1)</script></p>", "<p>a</p>"),  # script and its content dropped
        ('<p><a href="javascript:x">链接</a><img src=x onerror=y></p>', "<p>链接</p>"),  # no links, no images
        ('<h3 style="color:red">标题</h3><!-- 注释 -->', "<h3>标题</h3>"),  # no styles, no comments
        ("<div><em>倾斜</em></div>", "<em>倾斜</em>"),  # tags outside the list unwrapped, text kept
        ("一、学习党章\n二、讨论", "一、学习党章\n二、讨论"),  # plain text stored as it is
        ("人数 3<5 人", "人数 3<5 人"),
    ],
)
def test_minutes_are_kept_to_the_allow_list(raw, stored):
    assert richtext.clean_minutes(raw) == stored


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("一、学习党章\n二、讨论\n\n决议", "<p>一、学习党章<br>二、讨论</p><p>决议</p>"),
        ("a < b & c", "<p>a &lt; b &amp; c</p>"),
        ("<p>ok</p><script>x</script>", "<p>ok</p>"),  # a row written around the action is cleaned on output
        ("", ""),
    ],
)
def test_minutes_html_for_pages_and_pdf(stored, shown):
    assert str(richtext.minutes_html(stored)) == shown


def test_record_stores_sanitised_minutes_and_pages_show_them(client, orgs, town_officer):
    m = actions.schedule_meeting(
        orgs["village"], actor=None, kind="theme_day", topic="主题党日", held_on=date(2026, 9, 5)
    )
    client.force_login(town_officer)
    page = client.get(reverse("orglife:meeting_record", args=[m.pk])).content.decode()
    assert "data-richtext" in page
    assert "orglife/richtext.js" in page
    minutes = '<h3>议程</h3><p onmouseover="x">一、<strong>学习</strong></p><script>alert(1)</script>'
    data = {"topic": "主题党日", "held_on": "2026-09-05", "version": m.version, "minutes": minutes}
    response = client.post(reverse("orglife:meeting_record", args=[m.pk]), data)
    assert response.status_code == 302
    m.refresh_from_db()
    assert m.minutes == "<h3>议程</h3><p>一、<strong>学习</strong></p>"
    detail = client.get(reverse("orglife:meeting_detail", args=[m.pk])).content.decode()
    assert "<h3>议程</h3><p>一、<strong>学习</strong></p>" in detail
    assert "alert(1)" not in detail
    html = printing.minutes_html(m)
    assert "<strong>学习</strong>" in html
    assert "<script" not in html.split("</head>")[1]


def test_plain_text_minutes_of_the_demo_keep_working(client, orgs, town_officer):
    m = actions.schedule_meeting(
        orgs["village"], actor=None, kind="theme_day", topic="主题党日", held_on=date(2026, 9, 5)
    )
    Meeting.objects.filter(pk=m.pk).update(minutes="一、学习<党章>\n二、讨论", status="held")
    client.force_login(town_officer)
    detail = client.get(reverse("orglife:meeting_detail", args=[m.pk])).content.decode()
    assert "一、学习" in detail
    form = client.get(reverse("orglife:meeting_record", args=[m.pk])).content.decode()
    assert "&lt;p&gt;" in form  # the editor starts from paragraphs (escaped inside the textarea)
    assert "<p>一、学习<br>二、讨论</p>" in str(richtext.minutes_html("一、学习\n二、讨论"))


@pytest.fixture
def approved(orgs, people, town_officer):
    from dangjian.accounts.models import Role

    Role.objects.filter(code="test_orglife").update(
        permissions=[*Role.objects.get(code="test_orglife").permissions, "orglife.review_meeting"]
    )
    m = actions.schedule_meeting(
        orgs["village"], actor=None, kind="general_assembly", topic="党员大会", held_on=date(2026, 9, 5)
    )
    m = actions.record_meeting(m, actor=None, minutes="记录")
    m = actions.record_attendance(m, None, actor=None)  # everyone present
    m = actions.submit_meeting(m, actor=None)
    return actions.review_meeting(m, actor=None, approve=True)


def test_attendance_of_an_approved_record_is_locked_but_for_the_amendment(people, town_officer, approved):
    li = people["li"].pk
    with pytest.raises(RuleViolation, match="审核后修改"):
        actions.record_attendance(approved, {li: "absent"}, actor=town_officer)
    with pytest.raises(RuleViolation, match="修改理由"):
        actions.amend_attendance(approved, {li: "absent"}, actor=town_officer, reason="  ")
    with pytest.raises(RuleViolation, match="没有修改"):
        actions.amend_attendance(approved, {li: "present"}, actor=town_officer, reason="核对签到表")
    assert not Amendment.objects.exists()
    m = actions.amend_attendance(
        approved, {li: {"status": "excused", "reason": "外出务工"}}, actor=town_officer, reason="核对签到表"
    )
    assert m.status == "approved"
    assert Attendance.objects.get(meeting=m, member_id=li).status == "excused"
    amendment = Amendment.objects.get(meeting=m)
    assert amendment.reason == "核对签到表"
    assert amendment.changed_labels == ["出勤"]
    assert list(amendment.changes["attendance"].values()) == [["出席", "请假（外出务工）"]]
    event = AuditEvent.objects.get(action="meeting.amend_attendance")
    assert event.after["reason"] == "核对签到表"


def test_an_amendment_cannot_take_away_the_quorum(people, town_officer, approved):
    """LIFE-01: 张三丰 is the only voting member; marking him absent would leave the assembly without quorum."""
    with pytest.raises(RuleViolation, match="未超过半数"):
        actions.amend_attendance(approved, {people["zhang"].pk: "absent"}, actor=town_officer, reason="补正")
    assert Attendance.objects.get(meeting=approved, member=people["zhang"]).status == "present"
    assert not Amendment.objects.exists()


def test_amend_attendance_through_the_page(client, people, town_officer, approved):
    client.force_login(town_officer)
    detail = client.get(reverse("orglife:meeting_detail", args=[approved.pk])).content.decode()
    assert 'id="amend-attendance"' in detail
    page = client.get(reverse("orglife:meeting_attendance", args=[approved.pk])).content.decode()
    assert 'name="amend_reason"' in page
    approved.refresh_from_db()
    li = people["li"].pk
    url = reverse("orglife:meeting_attendance", args=[approved.pk])
    response = client.post(url, {"version": approved.version, f"status_{li}": "absent"})
    assert response.status_code == 400
    assert "修改理由" in response.content.decode()
    assert Attendance.objects.get(meeting=approved, member_id=li).status == "present"
    response = client.post(url, {"version": approved.version, f"status_{li}": "absent", "amend_reason": "核对签到表"})
    assert response.status_code == 302
    assert Attendance.objects.get(meeting=approved, member_id=li).status == "absent"
    detail = client.get(reverse("orglife:meeting_detail", args=[approved.pk])).content.decode()
    assert "核对签到表" in detail


def test_amend_attendance_through_the_api(people, town_officer, approved):
    from rest_framework.test import APIClient

    from dangjian.accounts import actions as account_actions

    _token, raw = account_actions.issue_token(town_officer, name="t", actor=None)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    approved.refresh_from_db()
    body = {"entries": [{"member": people["li"].pk, "status": "absent"}], "version": approved.version}
    r = api.post(f"/api/v1/meetings/{approved.pk}/attendance/", body, format="json")
    assert r.status_code == 400
    assert "修改理由" in str(r.json())
    r = api.post(f"/api/v1/meetings/{approved.pk}/attendance/", {**body, "reason": "核对签到表"}, format="json")
    assert r.status_code == 200, r.json()
    assert Attendance.objects.get(meeting=approved, member=people["li"]).status == "absent"
    assert Amendment.objects.get(meeting=approved).reason == "核对签到表"
