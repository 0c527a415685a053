"""Roster import: template, row-by-row report, all-or-nothing commit, idempotence, rollback, CLI."""

import io
from datetime import date
from pathlib import Path

import pytest
import xlsxwriter
from django.core.management import call_command
from django.urls import reverse
from python_calamine import CalamineWorkbook

from dangjian.core.errors import RuleViolation
from dangjian.core.models import AuditEvent
from dangjian.members import importer, rules
from dangjian.members.columns import HEADERS, NATIONAL_HEADERS
from dangjian.members.models import ImportBatch, ImportStatus, Member
from dangjian.orgs.models import Org


def person(seq, **extra):
    birth = date(1980, 1, 1 + seq % 27)
    row = {
        "姓名": f"导入人{seq}",
        "所在党支部": "柳树村党支部",
        "公民身份号码": rules.synthetic_id_number("371302", birth, seq, "male"),
        "性别": "男",
        "民族": "汉族",
        "出生日期": birth,
        "学历": "大学本科",
        "人员类别": "正式党员",
        "加入党组织日期": date(2005, 7, 1),
        "转为正式党员日期": date(2006, 7, 1),
        "工作岗位": "农牧渔民",
        "联系电话": f"1390000{seq:04d}",
        "家庭住址": "东山镇柳树村一组",
        "党籍状态": "正常",
        "是否为失联党员": "否",
        "是否为流动党员": "否",
    }
    row.update(extra)
    return row


def write_xlsx(path: Path, rows, headers=HEADERS, *, numbers_as=None) -> Path:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("党员信息")
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    for i, h in enumerate(headers):
        sheet.write_string(0, i, h)
    for r, row in enumerate(rows, start=1):
        for i, h in enumerate(headers):
            value = row.get(h)
            if value is None:
                continue
            if isinstance(value, date):
                sheet.write_datetime(r, i, value, day)
            elif isinstance(value, int | float):
                sheet.write_number(r, i, value)
            else:
                sheet.write_string(r, i, value)
    book.close()
    return path


def test_template_has_the_national_columns_in_order(client_as, orgs):
    response = client_as("county_admin").get(reverse("members:import_template"))
    book = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheet_names[:2] == ["党员信息", "填写说明"]
    header = book.get_sheet_by_name("党员信息").to_python()[0]
    assert header[:16] == NATIONAL_HEADERS
    assert header == HEADERS
    codes = book.get_sheet_by_name("代码表").to_python()
    assert "柳树村党支部" in {cell for row in codes for cell in row}


def test_bad_row_is_reported_and_nothing_is_written(tmp_path, orgs):
    rows = [person(i) for i in range(1, 6)]
    rows[2]["公民身份号码"] = rows[2]["公民身份号码"][:17] + ("0" if rows[2]["公民身份号码"][17] != "0" else "1")
    rows[3]["所在党支部"] = "不存在的党支部"
    path = write_xlsx(tmp_path / "roster.xlsx", rows)
    batch = importer.open_batch(path, filename="roster.xlsx", user=None)
    result = importer.run_preview(batch, user=None)
    problems = {(p.row, p.column): p.message for p in result.problems}
    assert problems[(4, "公民身份号码")] == "公民身份号码校验位错误"
    assert problems[(5, "所在党支部")] == "「不存在的党支部」不存在或不在您的管辖范围"
    assert result.summary()["error_rows"] == 2
    with pytest.raises(RuleViolation):
        importer.commit(ImportBatch.objects.get(pk=batch.pk), user=None)
    assert not Member.objects.filter(name__startswith="导入人").exists()


def test_import_commit_reimport_update_and_rollback(tmp_path, orgs):
    rows = [person(i) for i in range(1, 11)]
    path = write_xlsx(tmp_path / "roster.xlsx", rows)
    batch = importer.open_batch(path, filename="roster.xlsx", user=None)
    importer.run_preview(batch, user=None)
    written = importer.commit(ImportBatch.objects.get(pk=batch.pk), user=None)
    assert written == {"created": 10, "updated": 0, "unchanged": 0}
    assert Org.objects.get(pk=orgs["village"].pk).member_count == 10
    assert AuditEvent.objects.filter(action="member.import.commit").count() == 1

    # The same file again: recognised, nothing written twice.
    again = importer.open_batch(path, filename="roster.xlsx", user=None)
    assert importer.previous_commit(again).pk == batch.pk
    importer.run_preview(again, user=None)
    with pytest.raises(RuleViolation, match="已于"):
        importer.commit(ImportBatch.objects.get(pk=again.pk), user=None)

    # A changed phone in one row: one update, nine unchanged.
    rows[4]["联系电话"] = "13712345678"
    changed = write_xlsx(tmp_path / "roster2.xlsx", rows)
    second = importer.open_batch(changed, filename="roster2.xlsx", user=None)
    summary = importer.run_preview(second, user=None).summary()
    assert (summary["to_create"], summary["to_update"], summary["unchanged"]) == (0, 1, 9)
    importer.commit(ImportBatch.objects.get(pk=second.pk), user=None)
    member = Member.objects.get(name="导入人5")
    assert member.get_secret("phone") == "13712345678"

    # Roll back the update, then the first batch.
    importer.rollback(ImportBatch.objects.get(pk=second.pk), user=None)
    assert Member.objects.get(name="导入人5").get_secret("phone") == "13900000005"
    importer.rollback(ImportBatch.objects.get(pk=batch.pk), user=None)
    assert not Member.objects.filter(name__startswith="导入人").exists()
    assert Org.objects.get(pk=orgs["village"].pk).member_count == 0
    assert ImportBatch.objects.get(pk=batch.pk).status == ImportStatus.ROLLED_BACK


def test_rollback_is_refused_after_a_record_changed(tmp_path, orgs):
    from dangjian.members import actions

    path = write_xlsx(tmp_path / "roster.xlsx", [person(1), person(2)])
    batch = importer.open_batch(path, filename="roster.xlsx", user=None)
    importer.run_preview(batch, user=None)
    importer.commit(ImportBatch.objects.get(pk=batch.pk), user=None)
    actions.update_member(Member.objects.get(name="导入人2"), actor=None, job_title="村会计")
    with pytest.raises(RuleViolation, match="第 3 行"):
        importer.rollback(ImportBatch.objects.get(pk=batch.pk), user=None)
    assert Member.objects.filter(name__startswith="导入人").count() == 2


@pytest.mark.parametrize(
    ("case", "cells", "column", "message"),
    [
        ("ID as an Excel number", {"公民身份号码": 371302198001010011}, "公民身份号码", "存成了数字"),
        ("date as text is fine, nonsense is not", {"加入党组织日期": "去年七月"}, "加入党组织日期", "日期格式无法识别"),
        ("unknown stage", {"人员类别": "党员"}, "人员类别", "应从下拉框中选择"),
        ("MEM-AGE joined too young", {"加入党组织日期": date(1990, 1, 1)}, "加入党组织日期", "MEM-AGE"),
        ("phone", {"联系电话": "12345"}, "联系电话", "联系电话格式不正确"),
        ("mobile without destination", {"是否为流动党员": "是"}, "外出流向", "REL-08"),
        ("yes/no", {"是否为失联党员": "也许"}, "是否为失联党员", "是"),
    ],
)
def test_cell_problems(tmp_path, orgs, case, cells, column, message):
    path = write_xlsx(tmp_path / "roster.xlsx", [person(1, **cells)])
    result = importer.preview(path, user=None)
    assert any(p.column == column and message in p.message for p in result.problems), result.problems


def test_lenient_cells_are_read(tmp_path, orgs):
    cells = {"出生日期": None, "性别": None, "加入党组织日期": "２００５年７月１日", "转为正式党员日期": 38899}
    row = person(1, **cells, **{"学历": " 本科 ", "所在党支部": "T0002", "人员类别": "正式"})
    row["公民身份号码"] = " " + row["公民身份号码"].translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})
    path = write_xlsx(tmp_path / "roster.xlsx", [row])
    result = importer.preview(path, user=None)
    assert [p for p in result.problems if p.level == "error"] == []
    facts = result.rows[0].facts
    assert facts["joined_on"] == date(2005, 7, 1)
    assert facts["full_on"] == date(2006, 7, 1)
    assert facts["education"] == "bachelor"
    assert facts["birth_date"] == date(1980, 1, 2)


def test_duplicate_ids_in_one_file(tmp_path, orgs):
    first = person(1)
    second = {**person(2), "公民身份号码": first["公民身份号码"], "出生日期": None}
    path = write_xlsx(tmp_path / "roster.xlsx", [first, second])
    result = importer.preview(path, user=None)
    assert any(p.row == 3 and "与第2行的公民身份号码重复" in p.message for p in result.problems)


@pytest.mark.parametrize(
    ("case", "make", "message"),
    [
        ("not an xlsx", lambda p: p.write_bytes(b"name,id\n1,2\n"), "不是 xlsx"),
        ("missing columns", lambda p: write_xlsx(p, [], headers=["姓名", "所在党支部"]), "表头缺少"),
        ("empty sheet", lambda p: write_xlsx(p, [], headers=[]), "工作表是空的"),
        ("truncated zip", lambda p: p.write_bytes(b"PK\x03\x04" + b"\x00" * 50), "无法读取"),
    ],
)
def test_malformed_files(tmp_path, orgs, case, make, message):
    path = tmp_path / "bad.xlsx"
    make(path)
    with pytest.raises(importer.ImportFileError, match=message):
        importer.preview(path, user=None)


def test_scope_limits_the_orgs(tmp_path, orgs, personas):
    from dangjian.accounts import actions as account_actions
    from dangjian.accounts.models import Role

    user, _ = account_actions.create_user("importer2", actor=None, password="Imp#orter2026")
    account_actions.assign_role(user, Role.objects.get(code="org_admin"), orgs["town2"], actor=None)
    path = write_xlsx(tmp_path / "roster.xlsx", [person(1), person(2, **{"所在党支部": "河湾村党支部"})])
    result = importer.preview(path, user=user)
    errors = [(p.row, p.message) for p in result.problems if p.level == "error"]
    assert errors == [(2, "「柳树村党支部」不存在或不在您的管辖范围")]


def test_web_import_flow(client_as, tmp_path, orgs):
    client = client_as("county_admin")
    good = rules.synthetic_id_number("371302", date(1980, 1, 3), 2, "male")
    rows = [person(1), person(2, **{"公民身份号码": good[:17] + ("1" if good[17] != "1" else "2")})]
    path = write_xlsx(tmp_path / "roster.xlsx", rows)
    with path.open("rb") as fh:
        response = client.post(reverse("members:import"), {"file": fh})
    batch = ImportBatch.objects.latest("pk")
    assert response.url == reverse("members:import_batch", args=[batch.pk])
    page = client.get(response.url).content.decode()
    assert "第3行" in page
    assert "校验位错误" in page
    assert "确认导入" not in page
    problems = client.get(reverse("members:import_problems", args=[batch.pk]))
    assert problems.status_code == 200
    rows[1]["公民身份号码"] = good
    fixed = write_xlsx(tmp_path / "roster-fixed.xlsx", rows)
    with fixed.open("rb") as fh:
        response = client.post(reverse("members:import"), {"file": fh})
    batch = ImportBatch.objects.latest("pk")
    assert "确认导入" in client.get(response.url).content.decode()
    client.post(reverse("members:import_commit", args=[batch.pk]))
    assert ImportBatch.objects.get(pk=batch.pk).status == ImportStatus.COMMITTED
    assert Member.objects.filter(name__startswith="导入人").count() == 2
    client.post(reverse("members:import_rollback", args=[batch.pk]))
    assert Member.objects.filter(name__startswith="导入人").count() == 0


def test_import_pages_need_the_permission(client_as, orgs):
    assert client_as("village_secretary").get(reverse("members:import")).status_code == 403
    assert client_as("village_secretary").get(reverse("members:import_template")).status_code == 403


def test_command_line_import(tmp_path, orgs, capsys):
    bad = write_xlsx(tmp_path / "bad.xlsx", [person(1, **{"联系电话": "123"})])
    with pytest.raises(SystemExit) as exit_code:
        call_command("import_roster", str(bad))
    assert exit_code.value.code == 2
    assert "第2行 联系电话 错误：联系电话格式不正确" in capsys.readouterr().out
    good = write_xlsx(tmp_path / "good.xlsx", [person(1), person(2)])
    call_command("import_roster", str(good))
    assert "校验通过" in capsys.readouterr().out
    assert not Member.objects.filter(name__startswith="导入人").exists()
    call_command("import_roster", str(good), "--commit")
    assert "新增 2 人" in capsys.readouterr().out
    assert Member.objects.filter(name__startswith="导入人").count() == 2


def _book_with_rows(path: Path, rows, *, last_cell=None, formulas=None) -> Path:
    """A template-shaped workbook; `last_cell` (row, col, value) writes one more cell far below the data,
    `formulas` maps (row, header) to (formula, cached value)."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("党员信息")
    styled = book.add_format({"bold": True})
    for i, h in enumerate(HEADERS):
        sheet.write_string(0, i, h)
    for r, row in enumerate(rows, start=1):
        for i, h in enumerate(HEADERS):
            value = row.get(h)
            if (r, h) in (formulas or {}):
                formula, cached = formulas[(r, h)]
                sheet.write_formula(r, i, formula, None, cached)
            elif isinstance(value, date):
                sheet.write_string(r, i, value.isoformat())
            elif value is not None:
                sheet.write_string(r, i, str(value))
    if last_cell == "styled":
        sheet.write_blank(1_048_575, 0, None, styled)
    elif last_cell is not None:
        sheet.write_string(*last_cell)
    book.close()
    return path


def test_a_used_range_to_the_last_excel_row_is_refused_before_reading(tmp_path, orgs):
    """1,048,576 mostly empty rows (a space typed in the last row): refused with a clear message before the
    reader lays out a million empty rows in memory; nothing is written."""
    path = _book_with_rows(tmp_path / "tall.xlsx", [person(1)], last_cell=(1_048_575, 3, " "))
    with pytest.raises(importer.ImportFileError, match="第 1048576 行") as refused:
        importer.preview(path, user=None)
    assert "删除数据下方的多余行" in str(refused.value)
    batch = importer.open_batch(path, filename="tall.xlsx", user=None)
    with pytest.raises(RuleViolation):
        importer.run_preview(batch, user=None)
    assert ImportBatch.objects.get(pk=batch.pk).status == ImportStatus.FAILED
    assert not Member.objects.filter(name__startswith="导入人").exists()


def test_cells_only_styled_down_to_the_last_row_are_ignored(tmp_path, orgs):
    path = _book_with_rows(tmp_path / "styled.xlsx", [person(1), person(2)], last_cell="styled")
    result = importer.preview(path, user=None)
    assert (result.total_rows, result.summary()["to_create"], result.has_errors) == (2, 2, False)


def test_formula_cells_are_read_as_excel_shows_them(tmp_path, orgs):
    formulas = {(1, "姓名"): ('="导入"&"人1"', "导入人1"), (1, "工作岗位"): ('=IF(1>0,"农牧渔民","")', "农牧渔民")}
    path = _book_with_rows(tmp_path / "formulas.xlsx", [person(1)], formulas=formulas)
    result = importer.preview(path, user=None)
    assert not result.has_errors, result.problems
    assert result.rows[0].facts["name"] == "导入人1"
    assert result.rows[0].facts["occupation"] == "farmer"


def test_a_zip_bomb_is_refused_unread(tmp_path, orgs):
    import zipfile

    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as package:
        package.writestr("xl/worksheets/sheet1.xml", b"\0" * (20 * 1024 * 1024))
    with pytest.raises(importer.ImportFileError, match="压缩炸弹"):
        importer.preview(path, user=None)


def _previewed(tmp_path, rows, name="roster.xlsx"):
    path = write_xlsx(tmp_path / name, rows)
    batch = importer.open_batch(path, filename=name, user=None)
    importer.run_preview(batch, user=None)
    return path, ImportBatch.objects.get(pk=batch.pk)


def test_commit_writes_the_rows_the_preview_checked(tmp_path, orgs):
    """The preview keeps its checked rows (sealed, owner-only); the commit writes them without reading the
    spreadsheet again — here the spreadsheet is gone by then."""
    path, batch = _previewed(tmp_path, [person(i) for i in range(1, 4)])
    kept = importer.checked_path(batch)
    assert kept.stat().st_mode & 0o777 == 0o600
    path.unlink()
    assert importer.commit(batch, user=None) == {"created": 3, "updated": 0, "unchanged": 0}
    member = Member.objects.get(name="导入人2")
    assert member.get_secret("id_number") == person(2)["公民身份号码"]
    assert member.id_number_index == importer.id_number_index(person(2)["公民身份号码"])


def test_altered_checked_rows_are_not_trusted(tmp_path, orgs):
    _, batch = _previewed(tmp_path, [person(1), person(2)])
    kept = importer.checked_path(batch)
    blob = bytearray(kept.read_bytes())
    blob[-5] ^= 0xFF
    kept.write_bytes(bytes(blob))
    assert importer.load_checked(batch) is None
    # The commit falls back to reading and checking the file again.
    assert importer.commit(batch, user=None)["created"] == 2


def test_commit_checks_again_what_changed_since_the_preview(tmp_path, orgs):
    from dangjian.members import actions

    path, batch = _previewed(tmp_path, [person(1), person(2)])
    # Someone puts person 1 on the roster between the preview and the commit: no duplicate is created.
    facts = importer.preview(path, user=None).rows[0].facts
    actions.bulk_add_members([(orgs["village"], facts)], actor=None)
    # The orgs and the matched records are as the preview saw them: the ID number taken since is refused by the
    # database as the row goes in (members_one_current_record_per_id), and the commit checks the file again.
    assert importer.unchanged_since_preview(importer.load_checked(batch), None)
    written = importer.commit(batch, user=None)
    assert (written["created"], written["unchanged"]) == (1, 1)
    assert Member.objects.filter(id_number_index=facts["id_number_index"]).count() == 1


def test_an_id_number_taken_since_the_preview_undoes_what_was_written_before_it(tmp_path, orgs, monkeypatch):
    """The row refused at insert is not the first: the rows written before it (member and placement) are undone
    with it, the file is checked again, and each person ends up on the roster once, with one open placement."""
    from dangjian.members import actions
    from dangjian.members.models import Placement

    monkeypatch.setattr(importer, "WRITE_CHUNK", 1)  # a COPY per person: person 1 is in before person 2 fails
    path, batch = _previewed(tmp_path, [person(1), person(2), person(3)])
    facts = importer.preview(path, user=None).rows[1].facts
    (taken,) = actions.bulk_add_members([(orgs["village"], facts)], actor=None)
    written = importer.commit(batch, user=None)
    assert (written["created"], written["updated"], written["unchanged"]) == (2, 0, 1)
    imported = Member.objects.filter(name__startswith="导入人")
    assert sorted(imported.values_list("name", flat=True)) == ["导入人1", "导入人2", "导入人3"]
    assert Placement.objects.filter(member__in=imported, valid_to__isnull=True).count() == 3
    assert sorted(row for _, row in importer._created(ImportBatch.objects.get(pk=batch.pk))) == [2, 4]
    assert importer.rollback(ImportBatch.objects.get(pk=batch.pk), user=None) == {"removed": 2, "restored": 0}
    assert list(Member.objects.filter(name__startswith="导入人").values_list("pk", flat=True)) == [taken.pk]


def test_an_import_cannot_create_an_exited_member(tmp_path, orgs):
    """Why the unique index can stand for the re-check of new ID numbers: every row an import creates is a
    current record (the status column offers 正常 and 停止党籍 only), so each is in the partial unique index
    members_one_current_record_per_id."""
    _, batch = _previewed(tmp_path, [person(1, 党籍状态="已出党"), person(2, 党籍状态="exited")])
    assert batch.error_rows == 2
    assert {p["column"] for p in batch.problems} == {"党籍状态"}


def test_the_created_members_are_listed_as_runs(tmp_path, orgs):
    """Ids and spreadsheet rows of the created members are kept as runs; a row between them that was already on
    the roster splits the rows' run."""
    from dangjian.members import actions

    path, batch = _previewed(tmp_path, [person(1), person(2), person(3), person(4)])
    facts = importer.preview(path, user=None).rows[2].facts
    actions.bulk_add_members([(orgs["village"], facts)], actor=None)
    importer.commit(batch, user=None)
    listed = ImportBatch.objects.get(pk=batch.pk).created_members
    first = Member.objects.get(name="导入人1").pk
    assert listed == {"runs": [[first, 3]], "row_runs": [[2, 2], [5, 1]]}
    assert importer._created(ImportBatch.objects.get(pk=batch.pk)) == [(first, 2), (first + 1, 3), (first + 2, 5)]


def test_rows_listed_before_row_runs_still_roll_back(tmp_path, orgs):
    """Batches committed before the rows were kept as runs list every row ("rows"): still read, still undone."""
    _, batch = _previewed(tmp_path, [person(1), person(2)])
    importer.commit(batch, user=None)
    first = Member.objects.get(name="导入人1").pk
    ImportBatch.objects.filter(pk=batch.pk).update(created_members={"runs": [[first, 2]], "rows": [2, 3]})
    assert importer._created(ImportBatch.objects.get(pk=batch.pk)) == [(first, 2), (first + 1, 3)]
    assert importer.rollback(ImportBatch.objects.get(pk=batch.pk), user=None) == {"removed": 2, "restored": 0}
    assert not Member.objects.filter(name__startswith="导入人").exists()


def test_checked_rows_of_an_earlier_format_are_not_used(tmp_path, orgs):
    """A checked-rows file an earlier version wrote (COPY text rows, no format number) is sealed all right but
    not used: the commit reads and checks the file again."""
    import pickle

    from django.utils.crypto import salted_hmac

    _, batch = _previewed(tmp_path, [person(1)])
    checked = importer.load_checked(batch)
    assert checked is not None
    payload = pickle.dumps((batch.pk, batch.digest, importer.TEMPLATE_VERSION, checked))
    mac = salted_hmac(importer.CHECKED_SALT, payload, algorithm="sha256").digest()
    importer.checked_path(batch).write_bytes(mac + payload)
    assert importer.load_checked(batch) is None
    assert importer.commit(batch, user=None)["created"] == 1


def test_commit_refuses_when_the_target_org_was_dissolved_since(tmp_path, orgs):
    _, batch = _previewed(tmp_path, [person(1)])
    Org.objects.filter(pk=orgs["village"].pk).update(dissolved_on=date(2026, 1, 1))
    with pytest.raises(RuleViolation, match="数据已有变化"):
        importer.commit(batch, user=None)
    assert not Member.objects.filter(name__startswith="导入人").exists()
    assert ImportBatch.objects.get(pk=batch.pk).status == ImportStatus.PREVIEWED


def test_a_second_import_of_a_file_being_committed_is_refused(tmp_path, orgs):
    """Two imports of the same file at once: while the first is being written (status 正在导入), the second is
    refused by the database's unique condition on the file digest, and writes nothing."""
    path = write_xlsx(tmp_path / "roster.xlsx", [person(1), person(2)])
    first = importer.open_batch(path, filename="a.xlsx", user=None)
    second = importer.open_batch(path, filename="b.xlsx", user=None)
    importer.run_preview(first, user=None)
    importer.run_preview(second, user=None)
    ImportBatch.objects.filter(pk=first.pk).update(status=ImportStatus.COMMITTING)  # the first worker, mid-write
    with pytest.raises(RuleViolation, match="同一文件正在导入或已经导入"):
        importer.commit(ImportBatch.objects.get(pk=second.pk), user=None)
    assert not Member.objects.filter(name__startswith="导入人").exists()
    assert ImportBatch.objects.get(pk=second.pk).status == ImportStatus.PREVIEWED


def test_prepared_rows_round_trip_text_that_copy_must_escape(orgs):
    """The commit sends rows worked out in the preview job (COPY text on PostgreSQL, tuples on SQLite): what
    comes back is what went in, tabs, newlines and backslashes included, with the lead fields given at insert."""
    from django.db import transaction

    from dangjian.members import actions
    from dangjian.members.models import ImportBatchItem, Placement

    awkward = "a\tb\\c\nd\re \\N"
    facts = {"name": "转义测试", "sex": "female", "birth_date": date(1990, 1, 2), "joined_on": date(2015, 7, 1),
             "job_title": awkward, "phone": "13800001111"}  # fmt: skip
    member = actions.build_member(orgs["village"], facts)
    members = importer.prepare_rows(Member, [member])
    placements = importer.prepare_rows(
        Placement, [{"org_id": orgs["village"].pk, "valid_from": date(2015, 7, 1), "reason": awkward}],
        exclude=("member_id",),
    )  # fmt: skip
    items = importer.prepare_rows(
        ImportBatchItem, [{"row_number": 7, "action": "create", "before": {"k": awkward}, "version_after": 1}],
        exclude=("batch_id", "member_id"),
    )  # fmt: skip
    batch = ImportBatch.objects.create(
        filename="x.xlsx", digest="d" * 64, scope_org=orgs["county"], stored_file="/nonexistent"
    )
    with transaction.atomic():
        (pk,) = importer.insert_prepared(Member, members, assign_pks=True)
        importer.insert_prepared(Placement, placements, lead={"member_id": [pk]})
        importer.insert_prepared(ImportBatchItem, items, lead={"batch_id": batch.pk, "member_id": [pk]})
    stored = Member.objects.get(pk=pk)
    assert (stored.name, stored.job_title, stored.uid, stored.org_id) == (
        "转义测试",
        awkward,
        member.uid,
        member.org_id,
    )
    assert stored.get_secret("phone") == "13800001111"
    assert stored.created_at is not None
    assert Placement.objects.get(member_id=pk).reason == awkward
    item = ImportBatchItem.objects.get(member_id=pk)
    assert (item.batch_id, item.row_number, item.before) == (batch.pk, 7, {"k": awkward})
    with pytest.raises(ValueError, match="a value per row"), transaction.atomic():
        importer.insert_prepared(Placement, placements, lead={"member_id": [pk, pk]})


def test_rollback_of_a_batch_committed_with_an_item_per_new_member(tmp_path, orgs):
    """Batches committed before the created members were listed on the batch have an item each: still undone."""
    from dangjian.members.models import ImportBatchItem

    path = write_xlsx(tmp_path / "roster.xlsx", [person(1), person(2)])
    batch = importer.open_batch(path, filename="roster.xlsx", user=None)
    importer.run_preview(batch, user=None)
    importer.commit(ImportBatch.objects.get(pk=batch.pk), user=None)
    listed = importer._created(ImportBatch.objects.get(pk=batch.pk))
    assert sorted(row for _, row in listed) == [2, 3]
    ImportBatch.objects.filter(pk=batch.pk).update(created_members={})
    ImportBatchItem.objects.bulk_create(
        ImportBatchItem(batch_id=batch.pk, member_id=pk, row_number=row, action="create", version_after=1)
        for pk, row in listed
    )
    assert importer.rollback(ImportBatch.objects.get(pk=batch.pk), user=None) == {"removed": 2, "restored": 0}
    assert not Member.objects.filter(name__startswith="导入人").exists()
