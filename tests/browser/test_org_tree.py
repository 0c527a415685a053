"""The org tree end to end in a real browser: login, lazy tree, pinyin search, moving an org, phone width.

Screenshots for the docs are written to docs/screenshots/.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from dangjian.demo.personas import DEMO_PASSWORD

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

pytestmark = pytest.mark.browser


def shoot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


def assert_styled(page) -> None:
    """Tabler and app.css really loaded (static files served by the live server)."""
    assert page.evaluate("getComputedStyle(document.querySelector('.navbar')).display") == "flex"
    assert page.evaluate("getComputedStyle(document.getElementById('loading')).display") == "none"


def assert_no_horizontal_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375 + 1, f"{page.url} is {width}px wide at a 375px viewport"


def test_org_tree_search_move_and_phone_layout(page, transactional_db, orgs, personas):
    # a. log in through the real form
    page.goto("/accounts/login/")
    expect(page.get_by_role("button", name="登录")).to_be_visible()
    shoot(page, "login.png")
    page.fill("input[name=username]", "county_admin")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.locator(".page-title")).to_have_text("工作台")
    assert_styled(page)

    # b. the lazy tree: expand the county, its towns arrive through htmx
    page.goto("/orgs/")
    tree = page.locator("#org-tree")
    county = tree.locator(".node").filter(has=page.get_by_role("link", name="中共测试县委员会", exact=True))
    expect(county).to_be_visible()
    expect(tree.get_by_role("link", name="中共东山镇委员会", exact=True)).to_have_count(0)
    county.locator("button[data-tree-toggle]").click()
    expect(tree.get_by_role("link", name="中共东山镇委员会", exact=True)).to_be_visible()
    expect(county.locator("button[data-tree-toggle]")).to_have_attribute("aria-expanded", "true")
    shoot(page, "tree.png")

    # c. search by pinyin initials
    page.locator("#tree-q").press_sequentially("lscd", delay=50)
    hit = page.locator("#search-results").get_by_role("link", name=re.compile("柳树村党支部"))
    expect(hit).to_be_visible()
    hit.click()
    expect(page.locator(".page-title")).to_contain_text("柳树村党支部")
    expect(page).to_have_title(re.compile("^柳树村党支部"))
    shoot(page, "org-detail.png")

    # d. move 杨庄村党支部 under 中共西河镇委员会 through the searchable select
    village2, town2 = orgs["village2"], orgs["town2"]
    page.goto(f"/orgs/{village2.pk}/move/")
    expect(page.locator(".page-title")).to_contain_text("杨庄村党支部")
    control = page.locator("#id_new_parent-ts-control")
    control.click()
    control.press_sequentially("西河", delay=50)
    option = page.locator(".ts-dropdown .option", has_text="中共西河镇委员会")
    option.click()
    expect(page.locator("#id_new_parent")).to_have_value(str(town2.pk))
    page.get_by_role("button", name="确认调整").click()
    expect(page.locator("#toasts .toast")).to_contain_text("已将「杨庄村党支部」调整到「中共西河镇委员会」之下")
    expect(page.locator(".page-title")).to_contain_text("杨庄村党支部")
    village2.refresh_from_db()
    assert village2.parent_id == town2.pk

    # e. phone width: no sideways scrolling on an org page or the tree
    page.set_viewport_size({"width": 375, "height": 812})
    page.goto(f"/orgs/{orgs['town'].pk}/")
    expect(page.locator(".page-title")).to_contain_text("中共东山镇委员会")
    assert_no_horizontal_scroll(page)
    shoot(page, "org-mobile.png")
    page.goto("/orgs/")
    county.locator("button[data-tree-toggle]").click()
    expect(tree.get_by_role("link", name="中共西河镇委员会", exact=True)).to_be_visible()
    assert_no_horizontal_scroll(page)
    shoot(page, "tree-mobile.png")
