"""The roster's pages on a 375 px phone (a village secretary's screen): no page wider than the screen."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from dangjian.demo.personas import DEMO_PASSWORD
from dangjian.members import transfer_actions

from .test_org_tree import assert_no_horizontal_scroll, shoot

pytestmark = pytest.mark.browser


def sign_in(page, username):
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.locator(".page-title")).to_have_text("工作台")


def test_roster_pages_fit_a_phone(page, transactional_db, orgs, personas, people):
    transfer_actions.record_outflow(
        people["li"], actor=None, province="广东省", city="深圳市", since=people["li"].joined_on
    )
    page.set_viewport_size({"width": 375, "height": 812})
    sign_in(page, "village_secretary")

    pages = [
        ("/members/", "#roster-count", "roster-mobile.png"),
        (f"/members/{people['zhang'].pk}/", ".page-title", "member-mobile.png"),
        ("/members/transfers/", ".page-title", None),
        ("/members/mobile/", "#mobile", "mobile-members-mobile.png"),
        (f"/members/{people['zhang'].pk}/transfer/", "button:has-text('开具介绍信')", None),
    ]
    for url, marker, screenshot in pages:
        page.goto(url)
        expect(page.locator(marker).first).to_be_visible()
        assert_no_horizontal_scroll(page)
        if screenshot:
            shoot(page, screenshot)
    page.goto("/members/")
    expect(page.locator("#roster-count")).to_have_text("共 2 人")


def test_member_tabs_load_when_first_shown(page, transactional_db, orgs, personas, people):
    """The member page renders 基本信息; each other tab is fetched by htmx when Bootstrap shows it."""
    transfer_actions.record_outflow(
        people["li"], actor=None, province="广东省", city="深圳市", since=people["li"].joined_on
    )
    sign_in(page, "village_secretary")
    page.goto(f"/members/{people['li'].pk}/")
    expect(page.locator("#tab-mobile")).to_contain_text("正在加载", use_inner_text=False)
    page.get_by_role("tab", name="流动情况").click()
    expect(page.locator("#tab-mobile")).to_contain_text("广东省深圳市")
    page.get_by_role("tab", name="组织关系", exact=True).click()
    expect(page.locator("#tab-placements")).to_contain_text(people["li"].org.name)
    page.get_by_role("tab", name="修改记录").click()
    expect(page.locator("#tab-log")).to_be_visible()
    expect(page.locator("#tab-log")).not_to_contain_text("正在加载")


def test_a_tab_that_fails_says_why_in_chinese(page, transactional_db, orgs, personas, people, settings, monkeypatch):
    """A partial request answered 503 (here: the read cannot be audited, AU-05) shows the server's message in the
    pane instead of "正在加载…" (core/static/core/app.js)."""
    from dangjian.core import audit

    settings.MEMBER_READ_LOG_SECONDS = 0  # every read is logged: the tab's own read will fail
    sign_in(page, "village_secretary")
    page.goto(f"/members/{people['zhang'].pk}/")
    expect(page.locator(".page-title")).to_contain_text("张三丰")

    def broken(**fields):
        raise RuntimeError("audit sink down")

    monkeypatch.setattr(audit, "_append", broken)
    page.get_by_role("tab", name="奖惩与档案").click()
    expect(page.locator("#tab-records .alert-danger")).to_contain_text("审计记录无法写入")
    expect(page.locator("#tab-records")).not_to_contain_text("正在加载")
