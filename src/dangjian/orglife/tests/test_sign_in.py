"""QR sign-in: a one-time token in the meeting's time window, bound to the logged-in member."""

from datetime import date, datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dangjian.core.errors import RuleViolation
from dangjian.core.models import AuditEvent
from dangjian.orglife import actions
from dangjian.orglife.models import Attendance, SignInToken

DAY = date(2026, 9, 5)


def at(h, m=0, day=DAY):
    return timezone.make_aware(datetime.combine(day, time(h, m)))


@pytest.fixture
def meeting(orgs, people):
    return actions.schedule_meeting(
        orgs["village"], actor=None, kind="theme_day", topic="九月主题党日", held_on=DAY, starts_at=time(9, 0),
        ends_at=time(11, 0),
    )  # fmt: skip


@pytest.fixture
def member_user(people, personas):
    user = personas["party_member"]
    actions.link_member_account(user, people["zhang"], actor=None)
    return user


def test_a_member_signs_in_once(meeting, member_user, people):
    token = actions.issue_sign_in_token(meeting, actor=None, now=at(8))
    assert SignInToken.objects.get().token_hash != token  # only the hash is stored
    row = actions.sign_in(token, user=member_user, now=at(9, 5))
    assert (row.member, row.status, row.voting) == (people["zhang"], "present", True)
    assert AuditEvent.objects.filter(action="meeting.sign_in").count() == 1
    with pytest.raises(RuleViolation, match="已被使用"):
        actions.sign_in(token, user=member_user, now=at(9, 6))


@pytest.mark.parametrize(
    ("now", "message"),
    [(at(8, 29), "尚未开始"), (at(11, 1), "已过期"), (at(9, 0, DAY + timedelta(days=1)), "已过期")],
)
def test_a_token_outside_the_window_is_refused(meeting, member_user, now, message):
    token = actions.issue_sign_in_token(meeting, actor=None, now=at(8))
    with pytest.raises(RuleViolation, match=message):
        actions.sign_in(token, user=member_user, now=now)
    assert not Attendance.objects.exists()


def test_unknown_tokens_unlinked_accounts_and_non_members_are_refused(orgs, meeting, people, member_user, nobody):
    token = actions.issue_sign_in_token(meeting, actor=None, now=at(8))
    with pytest.raises(RuleViolation, match="无效"):
        actions.sign_in("guess", user=member_user, now=at(9))
    with pytest.raises(RuleViolation, match="尚未关联"):
        actions.sign_in(token, user=nobody, now=at(9))
    actions.link_member_account(nobody, people["zhao"], actor=None)  # 河湾村, not invited
    with pytest.raises(RuleViolation, match="不是本次会议的参加人员"):
        actions.sign_in(token, user=nobody, now=at(9))
    assert not Attendance.objects.exists()
    assert SignInToken.objects.get().used_at is None


def test_no_token_after_the_window(meeting):
    with pytest.raises(RuleViolation, match="已过"):
        actions.issue_sign_in_token(meeting, actor=None, now=at(12))


def test_phone_flow_through_the_pages(client, orgs, meeting, member_user, town_officer):
    import time_machine

    with time_machine.travel(at(9, 10), tick=False):
        client.force_login(town_officer)
        page = client.get(reverse("orglife:meeting_qr", args=[meeting.pk])).content.decode()
        assert "<svg" in page
        assert 'hx-trigger="every 10s"' in page
        url = page.split('id="qr-url">')[1].split("<")[0]
        path = url.split("testserver", 1)[1]
        client.force_login(member_user)
        assert "确认签到" in client.get(path).content.decode()
        done = client.post(path)
        assert done.status_code == 200
        assert "签到成功" in done.content.decode()
        again = client.post(path)
        assert again.status_code == 400
        assert "已被使用" in again.content.decode()
    assert Attendance.objects.get(meeting=meeting).status == "present"


def test_sign_in_page_needs_a_linked_member(client, nobody):
    client.force_login(nobody)
    assert client.get(reverse("orglife:sign_in", args=["x"])).status_code == 403
    assert client.post(reverse("orglife:sign_in", args=["x"])).status_code == 403
