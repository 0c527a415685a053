"""Roster export: columns and labels, masking, scope, filters, formula neutralisation, audit, background jobs."""

import re
import zipfile
from datetime import date, timedelta
from io import BytesIO
from urllib.parse import quote

import pytest
from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook

from dangjian.core import crypto
from dangjian.core.models import AuditEvent, Job, JobStatus
from dangjian.members import actions, exporter, rules
from dangjian.members.columns import HEADERS
from dangjian.members.models import Member

ID_PATTERN = re.compile(r"\d{17}[\dX]")


def sheet(content: bytes) -> list[list]:
    return CalamineWorkbook.from_filelike(BytesIO(content)).get_sheet_by_index(0).to_python()


def as_dicts(rows: list[list]) -> list[dict]:
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def clear_id_numbers(rows: list[list]) -> list[str]:
    """Every valid 18-character ID number in any cell (AC-05 scan)."""
    found = []
    for row in rows:
        for cell in row:
            for m in ID_PATTERN.findall(str(cell)):
                if rules.id_check_digit(m[:17]) == m[17]:
                    found.append(m)
    return found


def export(client, params=None, *, unmask=False):
    url = reverse("members:export")
    if params:
        from urllib.parse import urlencode

        url += "?" + urlencode(params, doseq=True)
    response = client.post(url, {"unmask": "1" if unmask else "0", "purpose": "年度党员信息核对"})
    if unmask and response.status_code == 302 and "/security/exports/" in response.url:
        return _approve_and_download(client, response.url)  # PRV-04: four-eyes (security/tests/test_exports.py)
    return response


def _approve_and_download(client, request_url):
    from dangjian.accounts import actions as account_actions
    from dangjian.accounts.models import Role
    from dangjian.orgs.models import Org
    from dangjian.security import export_actions
    from dangjian.security.models import ExportRequest

    request = ExportRequest.objects.get(pk=int(request_url.rstrip("/").rsplit("/", 1)[1]))
    approver, _ = account_actions.create_user("second_approver", actor=None, password="Second#2026xx")
    role = Role.objects.get(code="org_admin")
    account_actions.assign_role(approver, role, Org.objects.get(path=request.org_path), actor=None)
    export_actions.decide(request, actor=approver, approve=True, version=request.version)
    return client.post(reverse("security:export_download", args=[request.pk]))


def names(content: bytes) -> list[str]:
    return [row["姓名"] for row in as_dicts(sheet(content))]


# ---------------------------------------------------------------- the file


def test_headers_values_and_labels(client_as, people):
    response = export(client_as("county_admin"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    rows = sheet(response.content)
    assert rows[0] == HEADERS
    by_name = {row["姓名"]: row for row in as_dicts(rows)}
    assert set(by_name) == {"张三丰", "李秀英", "王建国", "赵德胜"}
    zhang = by_name["张三丰"]
    assert zhang["所在党支部"] == "柳树村党支部"
    assert zhang["性别"] == "男"
    assert zhang["民族"] == "汉族"
    assert zhang["出生日期"] == date(1970, 3, 5)
    assert zhang["学历"] == "大学本科"
    assert zhang["人员类别"] == "正式党员"
    assert zhang["加入党组织日期"] == date(1995, 7, 1)
    assert zhang["转为正式党员日期"] == date(1996, 7, 1)
    assert zhang["工作岗位"] == "农牧渔民"
    assert zhang["党籍状态"] == "正常"
    assert zhang["是否为失联党员"] == "否"
    assert zhang["是否为流动党员"] == "否"
    assert zhang["失去联系日期"] == ""
    li = by_name["李秀英"]
    assert li["人员类别"] == "预备党员"
    assert li["性别"] == "女"
    assert li["转为正式党员日期"] == ""
    assert by_name["王建国"]["工作岗位"] == "离退休人员"


def test_rows_follow_the_roster_order(client_as, people):
    client = client_as("county_admin")
    # Default order: org path, then pinyin initials (as on the roster page).
    assert names(export(client).content) == ["李秀英", "张三丰", "王建国", "赵德胜"]
    assert names(export(client, {"sort": "-age"}).content) == ["王建国", "张三丰", "赵德胜", "李秀英"]


def test_masked_by_default(client_as, people):
    rows = sheet(export(client_as("county_admin")).content)
    assert clear_id_numbers(rows) == []
    zhang = next(r for r in as_dicts(rows) if r["姓名"] == "张三丰")
    number = people["zhang"].get_secret("id_number")
    assert zhang["公民身份号码"] == rules.mask_id_number(number)
    assert zhang["联系电话"] == "138****0011"
    assert zhang["家庭住址"] == rules.mask_text("东山镇柳树村三组12号")
    assert "13800000011" not in str(rows)


def test_role_without_unmask_gets_masked_only(client_as, people):
    client = client_as("town_secretary")  # committee_secretary: export, no unmask
    page = client.get(reverse("members:export")).content.decode()
    assert "含完整身份证号码和联系电话" not in page
    assert "您的权限只能导出脱敏数据" in page
    assert export(client, unmask=True).status_code == 403
    rows = sheet(export(client).content)
    assert len(rows) == 4  # header + 张三丰, 李秀英, 王建国 (东山镇)
    assert clear_id_numbers(rows) == []
    assert not [c for row in rows for c in row if re.fullmatch(r"1[3-9]\d{9}", str(c))]


def test_unmasked_when_chosen_by_a_role_that_may(client_as, people):
    client = client_as("county_admin")
    assert "含完整身份证号码和联系电话" in client.get(reverse("members:export")).content.decode()
    rows = sheet(export(client, unmask=True).content)
    zhang = next(r for r in as_dicts(rows) if r["姓名"] == "张三丰")
    assert zhang["公民身份号码"] == people["zhang"].get_secret("id_number")
    assert zhang["联系电话"] == "13800000011"
    assert zhang["家庭住址"] == "东山镇柳树村三组12号"
    assert len(clear_id_numbers(rows)) == 4


def test_unmask_needs_unmask_over_the_whole_view_scope(personas, orgs):
    from dangjian.accounts import actions as account_actions
    from dangjian.accounts.models import Role

    assert exporter.may_unmask(personas["county_admin"])
    assert exporter.may_unmask(personas["village_secretary"])
    assert not exporter.may_unmask(personas["town_secretary"])
    assert not exporter.may_unmask(personas["auditor"])
    # Unmask over one branch, view over the whole town: the export of the town must stay masked.
    user, _ = account_actions.create_user("mixed", actor=None, password="Mixed#2026xx")
    account_actions.assign_role(user, Role.objects.get(code="committee_secretary"), orgs["town"], actor=None)
    account_actions.assign_role(user, Role.objects.get(code="branch_secretary"), orgs["village"], actor=None)
    assert not exporter.may_unmask(user)


def test_formula_injection_is_neutralised(client_as, people):
    actions.update_member(people["zhang"], job_title="=1+1", actor=None)
    actions.update_member(people["wang"], job_title="@SUM(A1)", actor=None)
    response = export(client_as("county_admin"))
    by_name = {r["姓名"]: r for r in as_dicts(sheet(response.content))}
    assert by_name["张三丰"]["职务/岗位说明"] == "'=1+1"
    assert by_name["王建国"]["职务/岗位说明"] == "'@SUM(A1)"
    with zipfile.ZipFile(BytesIO(response.content)) as xlsx:
        xml = xlsx.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("张三", "张三"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_neutralise(text, expected):
    assert exporter.neutralise(text) == expected


def test_scope_village_secretary_exports_only_their_branch(client_as, people):
    rows = sheet(export(client_as("village_secretary")).content)
    assert {r["姓名"] for r in as_dicts(rows)} == {"张三丰", "李秀英"}
    assert {r["所在党支部"] for r in as_dicts(rows)} == {"柳树村党支部"}


def test_filters_are_honoured(client_as, people, orgs):
    client = client_as("county_admin")
    assert names(export(client, {"stage": "probationary"}).content) == ["李秀英"]
    assert names(export(client, {"sex": "female"}).content) == ["李秀英"]
    assert names(export(client, {"occupation": "retired"}).content) == ["王建国"]
    assert set(names(export(client, {"subtree": orgs["town"].pk}).content)) == {"张三丰", "李秀英", "王建国"}
    number = people["zhao"].get_secret("id_number")
    assert names(export(client, {"q": number}).content) == ["赵德胜"]
    # An out-of-scope subtree narrows to nothing, never widens.
    village_client = client_as("village_secretary")
    assert names(export(village_client, {"subtree": orgs["village3"].pk}).content) == []


def test_confirmation_page_counts_the_filtered_rows(client_as, people, orgs):
    client = client_as("county_admin")
    page = client.get(reverse("members:export"), {"subtree": orgs["town"].pk, "sex": "male", "page": "2"})
    html = page.content.decode()
    assert page.status_code == 200
    assert re.search(r'id="export-count">2<', html)
    assert "中共东山镇委员会" in html
    assert "男" in html
    assert "page=2" not in html


def test_roster_has_the_export_button(client_as, people):
    html = client_as("county_admin").get(reverse("members:list"), {"sex": "male"}).content.decode()
    assert f'href="{reverse("members:export")}?sex=male"' in html
    assert "导出</a>" in html


def test_htmx_button_goes_to_the_confirmation_page(client_as, people):
    response = client_as("county_admin").get(reverse("members:export"), {"sex": "female"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("members:export") + "?sex=female"


def test_attachment_name(client_as, people):
    response = export(client_as("county_admin"))
    name = f"党员花名册-{timezone.localdate():%Y%m%d}.xlsx"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; ")
    assert f"filename*=UTF-8''{quote(name)}" in disposition
    assert response["Cache-Control"] == "no-store"


# ---------------------------------------------------------------- audit


def test_export_is_audited_with_digest_and_rows(client_as, people):
    client = client_as("county_admin")
    response = export(client, {"sex": "male", "q": people["zhao"].get_secret("id_number")})
    event = AuditEvent.objects.get(action="member.export")
    assert event.actor_username == "county_admin"
    assert event.after["rows"] == 1
    assert event.after["unmasked"] is False
    assert event.after["digest"] == crypto.sm3(response.content).hex()
    assert event.after["filter"]["sex"] == ["male"]
    # The ID number typed into the search box is recorded masked (AU-02).
    assert event.after["filter"]["q"] == [rules.mask_id_number(people["zhao"].get_secret("id_number"))]
    assert not ID_PATTERN.search(str(event.after))
    export(client, unmask=True)
    assert AuditEvent.objects.filter(action="member.export").order_by("-seq").first().after["unmasked"] is True


def test_audit_failure_leaves_no_file(personas, people, tmp_path, monkeypatch):
    from dangjian.core import audit

    def broken(*args, **kwargs):
        raise RuntimeError("audit sink down")

    monkeypatch.setattr(audit, "record", broken)
    target = tmp_path / "out.xlsx"
    with pytest.raises(exporter.AuditUnavailable):
        exporter.export_to(personas["county_admin"], {}, target, unmask=False, mode="sync")
    assert list(tmp_path.iterdir()) == []


def test_audit_failure_is_503_and_no_file(client_as, people, monkeypatch):
    """AU-05: the export fails closed when its audit event cannot be written."""
    from dangjian.core import audit

    def broken(*args, **kwargs):
        raise RuntimeError("audit sink down")

    client = client_as("county_admin")
    monkeypatch.setattr(audit, "record", broken)
    response = export(client)
    assert response.status_code == 503
    assert "审计记录写入失败" in response.content.decode()
    assert [p.name for p in exporter.export_dir().iterdir() if p.name.startswith(("sync-", ".sync-"))] == []


def test_file_carries_the_watermark(client_as, people):
    response = export(client_as("county_admin"))
    with zipfile.ZipFile(BytesIO(response.content)) as xlsx:
        core = xlsx.read("docProps/core.xml").decode()
        sheet_xml = xlsx.read("xl/worksheets/sheet1.xml").decode()
    assert "导出人：county_admin" in core
    assert "导出人：county_admin" in sheet_xml  # printed page footer


# ---------------------------------------------------------------- the writer


def test_writer_is_atomic_reports_progress_and_returns_the_digest(people, tmp_path):
    class Recorder:
        def __init__(self):
            self.calls = []

        def report(self, done, total, phase="", *, force=False):
            self.calls.append((done, total))

    recorder = Recorder()
    target = tmp_path / "roster.xlsx"
    result = exporter.write_roster_xlsx(Member.objects.order_by("pk"), target, unmask=False, progress=recorder)
    assert result["rows"] == 4
    assert result["digest"] == crypto.sm3(target.read_bytes()).hex()
    assert [p.name for p in tmp_path.iterdir()] == ["roster.xlsx"]
    assert recorder.calls[0] == (0, 4)
    assert recorder.calls[-1] == (4, 4)
    assert sheet(target.read_bytes())[0] == HEADERS


def test_writer_removes_its_temp_file_on_failure(people, tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(exporter, "_write_rows", broken)
    with pytest.raises(OSError, match="disk full"):
        exporter.write_roster_xlsx(Member.objects.all(), tmp_path / "x.xlsx", unmask=False)
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------- permission


@pytest.mark.parametrize("username", ["party_member", "auditor", "system_admin"])
def test_export_without_permission_is_403(client_as, people, username):
    client = client_as(username)
    assert client.get(reverse("members:export")).status_code == 403
    assert export(client).status_code == 403
    assert not AuditEvent.objects.filter(action="member.export").exists()


def test_export_without_any_role_is_403(client, nobody, people):
    client.force_login(nobody)
    assert client.get(reverse("members:export")).status_code == 403
    assert export(client).status_code == 403


# ---------------------------------------------------------------- background path


@pytest.fixture
def background(settings, monkeypatch):
    settings.EXPORT_SYNC_MAX_ROWS = 1
    # run_job starts with close_old_connections(), which would close the test's transaction on PostgreSQL.
    monkeypatch.setattr("dangjian.core.tasks.close_old_connections", lambda: None)
    return settings


def _start_job(client, **kwargs) -> Job:
    response = export(client, **kwargs)
    assert response.status_code == 302
    job = Job.objects.get(kind="members.export")
    assert response.url == reverse("job", args=[job.pk])
    return job


def test_background_export_and_download_by_its_creator(client_as, people, background):
    client = client_as("county_admin")
    page = client.get(reverse("members:export")).content.decode()
    assert "将在后台生成" in page
    job = _start_job(client)
    assert job.status == JobStatus.SUCCEEDED, job.message
    assert job.params["user_id"] == job.created_by_id
    url = reverse("members:export_download", args=[job.pk])
    assert job.result["url"] == url
    assert job.result["rows"] == 4
    # The progress page sends the browser to the download when the job is done.
    status = client.get(reverse("job", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert status["HX-Redirect"] == url
    response = client.get(url)
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    assert sheet(content)[0] == HEADERS
    assert len(sheet(content)) == 5
    assert crypto.sm3(content).hex() == job.result["digest"]
    assert f"filename*=UTF-8''{quote('党员花名册-')}" in response["Content-Disposition"]
    event = AuditEvent.objects.get(action="member.export")
    assert event.after["digest"] == job.result["digest"]
    assert event.after["mode"] == "background"
    assert event.after["rows"] == 4
    assert AuditEvent.objects.filter(action="member.export_download", object_id=str(job.pk)).count() == 1


def test_background_export_honours_filter_and_scope(client_as, people, orgs, background):
    background.EXPORT_SYNC_MAX_ROWS = 0
    client = client_as("village_secretary")
    number = people["zhang"].get_secret("id_number")
    # A full (unmasked) export goes through a second approver and is made at download (PRV-04), so the
    # background path serves masked exports.
    job = _start_job(client, params={"stage": "full", "q": number})
    assert number not in str(job.params)  # the filter is stored sealed: it may hold an ID number
    content = b"".join(client.get(reverse("members:export_download", args=[job.pk])).streaming_content)
    rows = as_dicts(sheet(content))
    assert [r["姓名"] for r in rows] == ["张三丰"]
    assert rows[0]["公民身份号码"] == rules.mask_id_number(people["zhang"].get_secret("id_number"))


def test_download_is_404_for_another_user(client, client_as, people, personas, nobody, background):
    job = _start_job(client_as("county_admin"))
    url = reverse("members:export_download", args=[job.pk])
    client.force_login(personas["town_secretary"])
    assert client.get(url).status_code == 404
    client.force_login(nobody)
    assert client.get(url).status_code == 404
    assert not AuditEvent.objects.filter(action="member.export_download").exists()


def test_download_of_unknown_job_is_404(client_as, people):
    assert client_as("county_admin").get(reverse("members:export_download", args=[999999])).status_code == 404


def test_expired_link_is_404_and_the_file_is_deleted(client_as, people, background):
    client = client_as("county_admin")
    job = _start_job(client)
    path = exporter.job_file(job.pk)
    assert path.exists()
    # The link lives EXPORT_LINK_TTL_HOURS (24) from the job's end; the session would not survive a clock jump.
    Job.objects.filter(pk=job.pk).update(finished_at=timezone.now() - timedelta(hours=24, minutes=1))
    response = client.get(reverse("members:export_download", args=[job.pk]))
    assert response.status_code == 404
    assert "有效期" in response.content.decode()
    assert not path.exists()


def test_tampered_file_is_not_served(client_as, people, background):
    client = client_as("county_admin")
    job = _start_job(client)
    path = exporter.job_file(job.pk)
    path.write_bytes(path.read_bytes() + b"x")
    assert client.get(reverse("members:export_download", args=[job.pk])).status_code == 404


def test_purge_removes_old_files_only(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    old = exporter.export_dir() / "1.xlsx"
    new = exporter.export_dir() / "2.xlsx"
    old.write_bytes(b"a")
    new.write_bytes(b"b")
    import os
    import time

    stale = time.time() - 25 * 3600
    os.utime(old, (stale, stale))
    assert exporter.purge_expired_exports() == 1
    assert not old.exists()
    assert new.exists()
