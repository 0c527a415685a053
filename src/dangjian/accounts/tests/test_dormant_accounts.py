"""AC-03: dormant (90 days) and expired accounts are disabled by the daily command, each with an audit event and
its reason; the last system and security administrators are kept; members who leave lose their account and
members who move take their self-service role along. Time travel with time-machine."""

from datetime import date, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dangjian.accounts import actions, rules
from dangjian.accounts.models import Role, RoleAssignment, User
from dangjian.core.errors import RuleViolation
from dangjian.core.models import AuditEvent
from dangjian.members import actions as member_actions
from dangjian.orglife import actions as orglife_actions
from dangjian.security import controls

D = date(2026, 6, 1)


@pytest.mark.parametrize(
    ("last_active", "expires_on", "days", "expected"),
    [
        (D - timedelta(days=89), None, 90, ""),
        (D - timedelta(days=90), None, 90, "连续 90 天未登录"),
        (D - timedelta(days=400), None, 0, ""),  # switched off
        (D - timedelta(days=30), None, 30, "连续 30 天未登录"),
        (D, D, 90, ""),  # the expiry date is the last day of use
        (D, D - timedelta(days=1), 90, "账号已过有效期（有效期至 2026-05-31）"),
        (D - timedelta(days=200), D - timedelta(days=1), 90, "账号已过有效期"),  # expiry named first
        (None, None, 90, ""),
    ],
)
def test_disable_reason_rule(last_active, expires_on, days, expected):
    reason = rules.disable_reason(today=D, last_active=last_active, expires_on=expires_on, dormant_days=days)
    assert reason.startswith(expected) if expected else reason == ""


@pytest.mark.parametrize(
    ("expires_on", "problem"),
    [(None, ""), (D, ""), (D + timedelta(days=365), ""), (D - timedelta(days=1), "有效期不能早于今天"),
     (D + timedelta(days=366 * 10 + 1), "有效期不能超过 10 年")],
)  # fmt: skip
def test_expiry_rule(expires_on, problem):
    assert rules.expiry_problem(expires_on, today=D) == problem


def test_activity_and_duty_rules():
    assert rules.last_activity(None, D, D - timedelta(days=3), None) == D
    assert rules.last_activity(None, None) is None
    assert rules.kept_for_duty("security", 0)
    assert rules.kept_for_duty("system", 0)
    assert not rules.kept_for_duty("security", 1)
    assert not rules.kept_for_duty("audit", 0)


def _run(**kwargs) -> str:
    out = StringIO()
    call_command("disable_dormant_accounts", stdout=out, **kwargs)
    return out.getvalue()


def _active(username) -> bool:
    return User.objects.get(username=username).is_active


def test_dormant_staff_accounts_are_disabled_after_90_days(personas, people, settings):
    now = timezone.now()
    # party_member is a self-service account: linked to a member, only the member role
    orglife_actions.link_member_account(personas["party_member"], people["zhang"], actor=None)
    session = Client()
    session.force_login(personas["county_admin"])
    with time_machine.travel(now + timedelta(days=60)):
        User.objects.filter(username="town_secretary").update(last_login=timezone.now())
    with time_machine.travel(now + timedelta(days=89)):
        assert "共已停用 0 个账号" in _run()
    with time_machine.travel(now + timedelta(days=90, hours=1)):
        assert "将停用：county_admin" in _run(dry_run=True)
        assert _active("county_admin")  # a dry run changes nothing
        output = _run()
        check = {r.title: r for r in controls.run()}["长期未登录、过期和离开人员的账号自动停用"]
        assert check.status == controls.WARN  # only the kept last administrators remain
        assert "system_admin" in check.detail
    assert not _active("county_admin")
    assert not _active("village_secretary")
    assert not _active("auditor")
    assert _active("town_secretary")  # logged in on day 60
    assert _active("party_member")  # self-service: DANGJIAN_DORMANT_MEMBER_DAYS=0
    # the last active system and security administrators are kept, and say so
    assert _active("system_admin")
    assert _active("security_admin")
    assert "未停用：system_admin" in output
    assert "未停用：security_admin" in output
    assert AuditEvent.objects.filter(action="account.disable.kept").count() == 2
    # one audit event per account, with the reason; the sessions ended
    event = AuditEvent.objects.get(action="account.disable", object_id=str(personas["county_admin"].pk))
    assert event.actor_id is None
    assert "连续 90 天未登录" in event.after["reason"]
    assert AuditEvent.objects.filter(action="account.disable").count() == 3
    assert session.get(reverse("home")).status_code == 302
    # members' accounts follow their own setting
    settings.DORMANT_MEMBER_DAYS = 180
    with time_machine.travel(now + timedelta(days=181)):
        _run()
    assert not _active("party_member")


def test_a_second_administrator_can_be_disabled_and_re_enabling_restarts_the_clock(personas, orgs):
    now = timezone.now()
    spare, _ = actions.create_user("security_admin2", actor=None, password="Strong#2026xx")
    actions.assign_role(spare, Role.objects.get(code="security_admin"), orgs["county"], actor=None)
    with time_machine.travel(now + timedelta(days=90, hours=1)):
        User.objects.filter(username="security_admin2").update(last_login=timezone.now())
        _run()
        assert not _active("security_admin")  # another security administrator stays active
        assert _active("security_admin2")
        actions.set_active(User.objects.get(username="county_admin"), True, actor=personas["system_admin"])
    with time_machine.travel(now + timedelta(days=100)):
        _run()
        assert _active("county_admin")  # re-enabled on day 90: dormant again only on day 180


def test_api_token_use_counts_as_activity(personas):
    now = timezone.now()
    token, _raw = actions.issue_token(personas["county_admin"], name="统计脚本", actor=personas["county_admin"])
    with time_machine.travel(now + timedelta(days=80)):
        type(token).objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    with time_machine.travel(now + timedelta(days=100)):
        _run()
    assert _active("county_admin")
    assert not _active("village_secretary")


def test_break_glass_accounts_are_left_to_their_own_expiry(personas, orgs):
    from dangjian.security import breakglass

    user, _password, _entry = breakglass.open_account(reason="测试应急处置", hours=24 * 365)
    with time_machine.travel(timezone.now() + timedelta(days=120)):
        assert user.username not in _run()
    assert User.objects.get(pk=user.pk).is_active


def test_expiry_is_set_by_the_system_administrator_and_ends_the_account(personas, orgs, client_as):
    today = timezone.localdate()
    client = client_as("system_admin")
    r = client.post(
        reverse("accounts:user_create"),
        {"username": "temp_clerk", "display_name": "临时人员", "expires_on": today - timedelta(days=1)},
    )
    assert r.status_code == 400
    assert "有效期不能早于今天" in r.content.decode()
    r = client.post(
        reverse("accounts:user_create"),
        {"username": "temp_clerk", "display_name": "临时人员", "expires_on": today + timedelta(days=10)},
    )
    assert r.status_code == 200
    clerk = User.objects.get(username="temp_clerk")
    assert clerk.expires_on == today + timedelta(days=10)
    url = reverse("accounts:user_detail", args=[clerk.pk])
    assert "有效期至" in client.get(url).content.decode()
    # a stale form (someone changed the date meanwhile) is refused; the right one is saved and audited
    client.post(url, {"op": "expiry", "expires_on": today + timedelta(days=20), "was": today})
    assert User.objects.get(pk=clerk.pk).expires_on == today + timedelta(days=10)
    client.post(url, {"op": "expiry", "expires_on": today + timedelta(days=5), "was": today + timedelta(days=10)})
    assert User.objects.get(pk=clerk.pk).expires_on == today + timedelta(days=5)
    assert AuditEvent.objects.filter(action="account.expiry", object_id=str(clerk.pk)).count() == 1
    # only the system administrator sets it
    client_as("security_admin").post(url, {"op": "expiry", "expires_on": "", "was": today + timedelta(days=5)})
    assert User.objects.get(pk=clerk.pk).expires_on == today + timedelta(days=5)
    clerk.set_password("Strong#2026xx")
    clerk.save(update_fields=["password"])
    actions.assign_role(clerk, Role.objects.get(code="member"), orgs["village"], actor=None)
    _token, raw = actions.issue_token(clerk, name="脚本", actor=clerk)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.get("/api/v1/orgs/").status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=6)):
        # refused at login already, before the daily job runs
        r = Client().post(reverse("accounts:login"), {"username": "temp_clerk", "password": "Strong#2026xx"})
        assert "该账号已过有效期" in r.content.decode()
        refused = api.get("/api/v1/orgs/")  # nor with an API token
        assert refused.status_code in (401, 403)
        assert "有效期" in refused.json()["detail"]
        assert "已停用：temp_clerk（账号已过有效期" in _run()
        with pytest.raises(RuleViolation, match="请先修改有效期"):
            actions.set_active(User.objects.get(pk=clerk.pk), True, actor=personas["system_admin"])


def test_a_member_who_leaves_loses_the_account(personas, people, django_capture_on_commit_callbacks):
    orglife_actions.link_member_account(personas["party_member"], people["zhang"], actor=None)
    with django_capture_on_commit_callbacks(execute=True):
        member_actions.change_status(
            people["zhang"], "exited", actor=personas["village_secretary"], on=timezone.localdate(),
            grounds="本人申请退党", exit_kind="withdrawal",
        )  # fmt: skip
    assert not _active("party_member")
    event = AuditEvent.objects.get(action="account.disable", object_id=str(personas["party_member"].pk))
    assert "党员已出党" in event.after["reason"]


def test_the_daily_job_catches_a_departure_whose_event_was_missed(personas, people):
    orglife_actions.link_member_account(personas["party_member"], people["zhang"], actor=None)
    type(people["zhang"]).objects.filter(pk=people["zhang"].pk).update(status="exited")  # e.g. a transfer out
    assert {r.title: r for r in controls.run()}["长期未登录、过期和离开人员的账号自动停用"].status == controls.FAIL
    assert "已停用：party_member（关联的党员已不在党员名册中）" in _run()
    assert not _active("party_member")


def test_a_member_transferred_inside_the_system_takes_the_self_service_role_along(
    personas, people, orgs, django_capture_on_commit_callbacks
):
    member_user = personas["party_member"]  # member role on 柳树村 (village)
    secretary = personas["village_secretary"]  # branch secretary of 柳树村, and a member there
    orglife_actions.link_member_account(member_user, people["zhang"], actor=None)
    orglife_actions.link_member_account(secretary, people["li"], actor=None)
    actions.assign_role(secretary, Role.objects.get(code="member"), orgs["county"], actor=None)  # covers both
    on = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        member_actions.place(people["zhang"], orgs["village2"], actor=None, on=on, reason="组织关系转接")
        member_actions.place(people["li"], orgs["village2"], actor=None, on=on, reason="组织关系转接")
    held = set(RoleAssignment.objects.filter(user=member_user).values_list("role__code", "org_id"))
    assert held == {("member", orgs["village2"].pk)}
    # the secretary of the branch left behind is no longer its secretary; the county-wide role stays
    held = set(RoleAssignment.objects.filter(user=secretary).values_list("role__code", "org_id"))
    assert held == {("member", orgs["county"].pk)}
    revoked = AuditEvent.objects.filter(action="account.role.revoke", object_id=str(secretary.pk)).get()
    assert "转至" in revoked.after["reason"]
    assert personas["county_admin"].assignments.count() == 1  # not linked: untouched


def test_the_daily_job_moves_a_self_service_role_whose_placement_event_was_missed(personas, people, orgs):
    member_user = personas["party_member"]  # member role on 柳树村 (village)
    orglife_actions.link_member_account(member_user, people["zhang"], actor=None)
    type(people["zhang"]).objects.filter(pk=people["zhang"].pk).update(org=orgs["village2"])  # no event
    _run()
    held = set(RoleAssignment.objects.filter(user=member_user).values_list("role__code", "org_id"))
    assert held == {("member", orgs["village2"].pk)}
    assert AuditEvent.objects.filter(action="account.role.revoke", object_id=str(member_user.pk)).exists()
    _run()  # nothing left to move
    assert RoleAssignment.objects.filter(user=member_user).count() == 1
