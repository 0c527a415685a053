"""Organizational life end to end: schedule from the calendar → sign in on a phone by the QR link → minutes →
submit → the township approves → the calendar slot is green (已开展) and the record is locked."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from dangjian.demo.personas import DEMO_PASSWORD
from dangjian.orglife import actions
from dangjian.orglife.models import Attendance, Meeting

from .test_org_tree import assert_no_horizontal_scroll, shoot

pytestmark = pytest.mark.browser
ERRORS: list[str] = []


def login(browser, live_server, username, **size):
    context = browser.new_context(
        base_url=live_server.url, viewport=size or {"width": 1280, "height": 900}, locale="zh-CN",
        timezone_id="Asia/Shanghai",
    )  # fmt: skip
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.on("pageerror", lambda exc: ERRORS.append(str(exc)))
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.locator(".page-title")).to_have_text("工作台")
    return context, page


def test_schedule_sign_in_minutes_submit_approve(browser, live_server, django_db_setup, transactional_db, orgs,
                                                 people, personas):  # fmt: skip
    actions.link_member_account(personas["party_member"], people["zhang"], actor=None)
    village = orgs["village"]
    period = timezone.localdate().strftime("%Y-%m")

    # The branch secretary schedules this month's 主题党日 from the calendar's open slot.
    secretary, page = login(browser, live_server, "village_secretary")
    page.goto(f"/orglife/org/{village.pk}/calendar/")
    slot = page.locator("#slots tr", has_text="主题党日").filter(has_text=period)
    expect(slot).to_contain_text("待安排")
    slot.get_by_role("link", name="安排").click()
    page.fill("input[name=topic]", "重温入党誓词")
    page.fill("input[name=place]", "村党员活动室")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#meeting-status")).to_have_text("计划召开")
    meeting = Meeting.objects.get(topic="重温入党誓词")

    # The QR code page: an SVG and the sign-in link it encodes.
    page.locator("#qr").click()
    expect(page.locator("#qr-code svg")).to_be_visible()
    url = page.locator("#qr-url").inner_text()

    # A member signs in on a phone.
    phone, mobile = login(browser, live_server, "party_member", width=375, height=667)
    mobile.goto(url)
    mobile.get_by_role("button", name="确认签到").click()
    expect(mobile.locator("#signed-in")).to_contain_text("签到成功")
    assert_no_horizontal_scroll(mobile)
    shoot(mobile, "orglife-sign-in-mobile.png")
    mobile.goto(url)
    mobile.get_by_role("button", name="确认签到").click()
    expect(mobile.locator("#sign-in-error")).to_contain_text("已被使用")
    phone.close()
    assert Attendance.objects.get(meeting=meeting, member=people["zhang"]).status == "present"

    # Minutes, then submit.
    page.goto(f"/orglife/{meeting.pk}/")
    page.locator("#record").click()
    # The minutes editor (rich text): a line, then a bold one from the toolbar.
    page.locator("[data-richtext-for=minutes]").click()
    page.keyboard.type("一、全体党员重温入党誓词。")
    page.keyboard.press("Enter")
    page.get_by_role("button", name="加粗").click()
    page.keyboard.type("二、交流学习体会。")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#minutes")).to_contain_text("重温入党誓词")
    expect(page.locator("#minutes strong, #minutes b")).to_contain_text("交流学习体会")
    page.locator("#submit-record").click()
    expect(page.locator("#meeting-status")).to_have_text("待审核")
    secretary.close()

    # The township committee approves.
    town, page = login(browser, live_server, "town_secretary")
    page.goto(f"/orglife/{meeting.pk}/")
    page.locator("#review").click()
    page.select_option("select[name=decision]", "approve")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#meeting-status")).to_have_text("审核通过")
    expect(page.locator("#record")).to_have_count(0)

    # The slot is now green in the branch's calendar.
    page.goto(f"/orglife/org/{village.pk}/calendar/")
    slot = page.locator("#slots tr", has_text="主题党日").filter(has_text=period)
    expect(slot.locator(".badge")).to_have_text("已开展")
    expect(slot.locator(".badge.bg-green-lt")).to_have_count(1)
    shoot(page, "orglife-calendar.png")
    town.close()
    assert not ERRORS, f"JavaScript errors: {ERRORS}"
