"""The roster import and export end to end in a real browser: a bad row, the fix, the export."""

from __future__ import annotations

import io
from datetime import date

import pytest
from playwright.sync_api import expect
from python_calamine import CalamineWorkbook

from dangjian.demo.personas import DEMO_PASSWORD
from dangjian.members import rules
from dangjian.members.models import Member
from dangjian.members.tests.test_import import person, write_xlsx

from .test_org_tree import shoot

pytestmark = pytest.mark.browser


def test_import_with_a_bad_row_fix_and_export(page, transactional_db, orgs, personas, tmp_path):
    good = rules.synthetic_id_number("371302", date(1980, 1, 3), 2, "male")
    rows = [person(1), person(2, **{"公民身份号码": good[:17] + ("1" if good[17] != "1" else "2")}), person(3)]
    bad_file = write_xlsx(tmp_path / "名册.xlsx", rows)

    page.goto("/accounts/login/")
    page.fill("input[name=username]", "county_admin")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.locator(".page-title")).to_have_text("工作台")

    # Upload the file with one bad row: the report names the spreadsheet row, nothing is written.
    page.goto("/members/import/")
    page.set_input_files("input[name=file]", str(bad_file))
    page.get_by_role("button", name="上传并校验").click()
    problems = page.locator("#problems")
    expect(problems).to_contain_text("第3行")
    expect(problems).to_contain_text("公民身份号码校验位错误")
    expect(page.locator("#count-errors")).to_have_text("1")
    expect(page.locator("#confirm-import")).to_have_count(0)
    shoot(page, "import-report.png")
    assert not Member.objects.filter(name__startswith="导入人").exists()

    # Fix the row and import again: no problems, confirm, all three written.
    rows[1]["公民身份号码"] = good
    fixed = write_xlsx(tmp_path / "名册-修改后.xlsx", rows)
    page.goto("/members/import/")
    page.set_input_files("input[name=file]", str(fixed))
    page.get_by_role("button", name="上传并校验").click()
    expect(page.locator("#count-create")).to_have_text("3")
    page.locator("#confirm-import").click()
    expect(page.locator(".page-title")).to_contain_text("已导入")
    assert Member.objects.filter(name__startswith="导入人").count() == 3

    # Export the filtered roster: masked by default, the national columns first.
    page.goto("/members/?q=导入人")
    expect(page.locator("#roster-count")).to_have_text("共 3 人")
    page.get_by_role("link", name="导出").click()
    page.locator("#export-purpose").fill("年度党员信息核对")  # PRV-04: every export states its purpose
    with page.expect_download() as download_info:
        page.get_by_role("button", name="导出").click()
    data = download_info.value.path().read_bytes()
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    assert sheet[0][0] == "姓名"
    assert sorted(r[0] for r in sheet[1:]) == ["导入人1", "导入人2", "导入人3"]
    assert all("**" in str(r[2]) for r in sheet[1:])  # ID numbers masked
