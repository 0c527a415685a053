"""Statistics end to end: the county dashboard with its ECharts charts → drill down twice (the county's towns,
then a town's branches) → the roster behind a figure → the annual tables exported to Excel. The screenshots
go to docs/img/ for the README tour."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from dangjian.demo.personas import DEMO_PASSWORD

pytestmark = pytest.mark.browser
IMAGES = Path(__file__).resolve().parents[2] / "docs" / "img"


def shoot(page, name: str) -> None:
    """A viewport-sized PNG (kept small for the README)."""
    IMAGES.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(IMAGES / name), scale="css")


def test_dashboard_drill_down_twice_and_export(page, transactional_db, orgs, people, personas):
    county, town = orgs["county"], orgs["town"]
    page.set_viewport_size({"width": 1200, "height": 860})
    page.goto("/accounts/login/")
    page.fill("input[name=username]", "county_admin")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.locator(".page-title")).to_have_text("工作台")

    # The dashboard: tiles, and every breakdown as an ECharts chart with its table beside it.
    page.goto(f"/stats/?org={county.pk}")
    expect(page.locator(".page-title")).to_contain_text("统计仪表盘")
    expect(page.locator('[data-code="members.total"] .h2')).to_have_text("4")
    expect(page.locator('[data-chart="category"] svg')).to_be_visible()
    expect(page.locator('[data-chart="kind"] svg')).to_be_visible()
    shoot(page, "stats-dashboard.png")

    # Drill down once: 正式党员 by the county's direct children.
    page.locator('[data-table="category"] a').first.click()
    expect(page.locator(".page-title")).to_contain_text("人员类别：正式党员")
    rows = page.locator("#drill tbody tr")
    expect(rows.filter(has_text="中共东山镇委员会")).to_contain_text("2")  # 张三丰 and 王建国
    expect(page.locator("#drill tfoot")).to_contain_text("3")  # and 赵德胜 in 西河镇

    # Drill down twice: the town's branches, each with the roster behind its figure.
    rows.filter(has_text="中共东山镇委员会").get_by_role("link", name="中共东山镇委员会").click()
    expect(page.locator(".page-title")).to_contain_text(town.name)
    branch = page.locator("#drill tbody tr").filter(has_text="柳树村党支部")
    expect(branch).to_contain_text("1")
    shoot(page, "stats-drill.png")
    branch.get_by_role("link", name="名单").click()
    expect(page.locator("body")).to_contain_text("张三丰")
    expect(page.locator("body")).not_to_contain_text("王建国")  # 杨庄村

    # The annual tables, exported to Excel in the usual layout with the validation list.
    page.goto(f"/stats/?org={county.pk}")
    page.get_by_role("link", name="统计年报").click()
    expect(page.locator("body")).to_contain_text("党员基本情况")
    expect(page.locator("body")).to_contain_text("民主评议党员")
    shoot(page, "stats-annual.png")
    with page.expect_download() as download:
        page.locator("#export-xlsx").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    content = Path(download.value.path()).read_bytes()
    with zipfile.ZipFile(io.BytesIO(content)) as book:
        workbook = book.read("xl/workbook.xml").decode()
    for sheet in ("党员基本情况", "民主评议党员", "校验问题"):
        assert sheet in workbook
