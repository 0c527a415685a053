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


def upload(client, data, commit=False):
    payload = {"file": SimpleUploadedFile("cases.xlsx", data)}
    if commit:
        payload["commit"] = "1"
    return client.post(reverse("recruitment:import"), payload)


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
    body = upload(client, data).content.decode()
    assert "TALK_LATE" in body
    assert "CANDIDATE_TOO_EARLY" in body
    assert not RecruitmentCase.objects.exists()
    assert upload(client, data, commit=True).status_code == 302
    cases = {c.member.name: c for c in RecruitmentCase.objects.select_related("member")}
    assert cases["郑一"].state == "activist"
    assert cases["郑一"].violations == ["TALK_LATE"]
    assert cases["郑二"].state == "candidate"
    assert cases["郑二"].has_violation


def test_unknown_person_blocks_the_commit(client_as, orgs, tmp_path):
    from dangjian.members import rules

    a = applicant(orgs, "郑一", 31)
    stranger = rules.synthetic_id_number("371302", date(1990, 1, 1), 41, "male")
    data = workbook(tmp_path, [["郑一", a, "2023-01-02", "", "", ""], ["外人", stranger, "2023-01-02", "", "", ""]])
    client = client_as("village_secretary")
    response = upload(client, data, commit=True)
    assert response.status_code == 400
    assert "名册中" in response.content.decode()
    assert not RecruitmentCase.objects.exists()


def test_not_an_xlsx(client_as):
    response = upload(client_as("village_secretary"), b"hello")
    assert response.status_code == 400
    assert "xlsx" in response.content.decode()
