"""Import of existing cases: rows matched to the roster by ID number, each checked with timeline_violations
(warnings, not refusals), errors block the commit, the commit writes all rows."""

from datetime import date

import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dangjian.recruitment.models import RecruitmentCase

HEADER = [
    "姓名",
    "公民身份号码",
    "递交入党申请书日期",
    "党组织派人谈话日期",
    "确定为入党积极分子日期",
    "确定为发展对象日期",
]


def workbook(tmp_path, rows):
    path = tmp_path / "cases.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    for r, values in enumerate([HEADER, *rows]):
        for c, value in enumerate(values):
            sheet.write_string(r, c, value)
    book.close()
    return path.read_bytes()


def upload(client, data):
    return client.post(reverse("recruitment:import"), {"file": SimpleUploadedFile("cases.xlsx", data)})


def batch_of(response):
    from dangjian.recruitment.models import CaseImport

    assert response.status_code == 302, response.content.decode()[-1500:]
    return CaseImport.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))


def applicant(orgs, name, seq):
    from dangjian.members import actions, rules

    number = rules.synthetic_id_number("371302", date(1998, 3, 3), seq, "male")
    actions.add_member(
        orgs["village"],
        actor=None,
        name=name,
        sex="male",
        birth_date=date(1998, 3, 3),
        stage="activist",
        id_number=number,
    )
    return number


def test_preview_flags_violations_and_commit_imports(client_as, orgs, tmp_path):
    a = applicant(orgs, "郑一", 31)
    b = applicant(orgs, "郑二", 33)
    data = workbook(
        tmp_path,
        [
            ["郑一", a, "2023-01-02", "2023-03-01", "2023-06-01", ""],  # talk late (TALK_LATE)
            ["郑二", b, "2023-01-02", "2023-01-10", "2023-06-01", "2024-01-05"],  # candidate too early
        ],
    )
    client = client_as("village_secretary")
    assert client.get(reverse("recruitment:import")).status_code == 200
    batch = batch_of(upload(client, data))
    page = client.get(reverse("recruitment:import_batch", args=[batch.pk])).content.decode()
    assert "TALK_LATE" in page
    assert "CANDIDATE_TOO_EARLY" in page
    assert [r["warnings"][0][0] for r in batch.report] == ["TALK_LATE", "CANDIDATE_TOO_EARLY"]
    assert (batch.state, batch.error_rows, batch.warning_rows) == ("previewed", 0, 2)
    assert not RecruitmentCase.objects.exists()
    assert client.post(reverse("recruitment:import_commit", args=[batch.pk])).status_code == 302
    cases = {c.member.name: c for c in RecruitmentCase.objects.select_related("member")}
    assert cases["郑一"].state == "activist"
    assert cases["郑一"].violations == ["TALK_LATE"]
    assert cases["郑二"].state == "candidate"
    assert cases["郑二"].has_violation
    batch.refresh_from_db()
    assert batch.state == "committed"
    assert {r["case"] for r in batch.report} == {c.pk for c in cases.values()}
    # the same file a second time: refused, nothing written twice
    again = batch_of(upload(client, data))
    assert again.error_rows == 2  # both people now have an open case
    client.post(reverse("recruitment:import_commit", args=[again.pk]))
    assert RecruitmentCase.objects.count() == 2


def test_row_report_and_template_download(client_as, orgs, tmp_path):
    from python_calamine import CalamineWorkbook

    a = applicant(orgs, "郑一", 31)
    client = client_as("village_secretary")
    template = client.get(reverse("recruitment:import_template"))
    assert template.status_code == 200
    path = tmp_path / "t.xlsx"
    path.write_bytes(b"".join(template.streaming_content))
    assert CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()[0][:3] == HEADER[:3]
    batch = batch_of(upload(client, workbook(tmp_path, [["郑一", a, "2023-01-02", "2023-03-01", "", ""]])))
    report = client.get(reverse("recruitment:import_report", args=[batch.pk]))
    path.write_bytes(b"".join(report.streaming_content))
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    assert rows[1][1] == "郑一"
    assert "TALK_LATE" in rows[1][5]


def test_rollback_of_a_committed_batch_and_refusal_once_a_step_is_recorded(client_as, orgs, tmp_path, personas):
    from dangjian.recruitment import actions
    from dangjian.recruitment.tests.conftest import DOCS

    a = applicant(orgs, "郑一", 31)
    b = applicant(orgs, "郑二", 33)
    client = client_as("village_secretary")
    rows = [["郑一", a, "2028-11-02", "", "", ""], ["郑二", b, "2028-11-02", "", "", ""]]
    batch = batch_of(upload(client, workbook(tmp_path, rows)))
    client.post(reverse("recruitment:import_commit", args=[batch.pk]))
    assert RecruitmentCase.objects.count() == 2
    case = RecruitmentCase.objects.get(member__name="郑二")
    actions.record_step(case, "talk", actor=personas["village_secretary"], on=date(2028, 11, 20), documents=DOCS)
    client.post(reverse("recruitment:import_rollback", args=[batch.pk]))
    assert RecruitmentCase.objects.count() == 2  # refused: row 3 has moved on
    batch.refresh_from_db()
    assert batch.state == "committed"
    RecruitmentCase.objects.filter(pk=case.pk).update(import_batch=None)  # take that case out of the batch
    client.post(reverse("recruitment:import_rollback", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.state == "rolled_back"
    assert list(RecruitmentCase.objects.values_list("member__name", flat=True)) == ["郑二"]


def test_unknown_person_blocks_the_commit(client_as, orgs, tmp_path):
    from dangjian.members import rules

    a = applicant(orgs, "郑一", 31)
    stranger = rules.synthetic_id_number("371302", date(1990, 1, 1), 41, "male")
    data = workbook(tmp_path, [["郑一", a, "2023-01-02", "", "", ""], ["外人", stranger, "2023-01-02", "", "", ""]])
    client = client_as("village_secretary")
    batch = batch_of(upload(client, data))
    assert batch.state == "failed"
    assert "名册中" in client.get(reverse("recruitment:import_batch", args=[batch.pk])).content.decode()
    client.post(reverse("recruitment:import_commit", args=[batch.pk]))
    assert not RecruitmentCase.objects.exists()


def test_not_an_xlsx(client_as):
    response = upload(client_as("village_secretary"), b"hello")
    assert response.status_code == 400
    assert "xlsx" in response.content.decode()


def test_cli_import_preview_commit_and_rollback(orgs, tmp_path, personas, capsys):
    from django.core.management import call_command

    a = applicant(orgs, "郑一", 31)
    path = tmp_path / "cli.xlsx"
    path.write_bytes(workbook(tmp_path, [["郑一", a, "2023-01-02", "2023-03-01", "", ""]]))
    call_command("import_recruitment", str(path), "--as", "village_secretary")
    out = capsys.readouterr().out
    assert "TALK_LATE" in out
    assert not RecruitmentCase.objects.exists()
    call_command("import_recruitment", str(path), "--as", "village_secretary", "--commit")
    assert RecruitmentCase.objects.count() == 1
    batch = RecruitmentCase.objects.get().import_batch
    call_command("import_recruitment", "--rollback", str(batch.pk), "--as", "village_secretary")
    assert not RecruitmentCase.objects.exists()


def test_cli_errors_exit_2_and_write_nothing(orgs, tmp_path):
    import pytest
    from django.core.management import call_command

    from dangjian.members import rules

    stranger = rules.synthetic_id_number("371302", date(1990, 1, 1), 41, "male")
    path = tmp_path / "bad.xlsx"
    path.write_bytes(workbook(tmp_path, [["外人", stranger, "2023-01-02", "", "", ""]]))
    with pytest.raises(SystemExit) as stopped:
        call_command("import_recruitment", str(path), "--commit")
    assert stopped.value.code == 2
    assert not RecruitmentCase.objects.exists()
