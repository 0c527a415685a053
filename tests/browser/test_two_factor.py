"""Two-factor login in a real browser under the CSP: enrol an authenticator, keep the recovery codes,
log out, log in again with a code."""

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from dangjian.demo.personas import DEMO_PASSWORD
from dangjian.security import actions

pytestmark = [pytest.mark.browser, pytest.mark.two_factor]


def _password(page, username):
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()


def test_enrol_then_log_in_with_a_code(page, transactional_db, orgs, personas):
    user = personas["county_admin"]
    _password(page, "county_admin")
    expect(page.get_by_role("heading", name="绑定手机认证器")).to_be_visible()
    expect(page.locator("#qr svg")).to_be_visible()
    device = actions.TwoFactorDevice.objects.get(user=user)
    page.fill("input[name=code]", actions.current_code(device))
    page.get_by_role("button", name="完成绑定").click()
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    page.get_by_role("link", name="我已保存，继续").click()
    expect(page.locator(".page-title")).to_have_text("工作台")

    page.context.clear_cookies()
    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=1), tick=True):
        _password(page, "county_admin")
        expect(page.get_by_role("heading", name="双因素认证")).to_be_visible()
        page.fill("input[name=code]", actions.current_code(actions.confirmed_device(user)))
        page.get_by_role("button", name="验证").click()
        expect(page.locator(".page-title")).to_have_text("工作台")
