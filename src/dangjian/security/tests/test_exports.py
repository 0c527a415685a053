"""PRV-04: exports of personal data: stated purpose, row cap, four-eyes for a full export, download once,
watermark (user, time, address) in the file, digest + filter + purpose + row count in the audit event."""

import zipfile
from datetime import timedelta
from io import BytesIO

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from dangjian.accounts import actions as account_actions
from dangjian.accounts.models import Role
from dangjian.core import crypto, todos
from dangjian.core.errors import RuleViolation
from dangjian.core.models import AuditEvent
from dangjian.members.tests.test_export import as_dicts, clear_id_numbers, sheet
from dangjian.security import export_actions, rules
from dangjian.security.models import ExportRequest, ExportRequestStatus

PURPOSE = "年度党员信息核对"


def post_export(client, *, unmask: bool, purpose: str = PURPOSE, query: str = ""):
    url = reverse("members:export") + (f"?{query}" if query else "")
    return client.post(url, {"unmask": "1" if unmask else "0", "purpose": purpose})


def make_user(username, role_code, org):
    user, _ = account_actions.create_user(username, actor=None, password="Strong#2026xx")
    account_actions.assign_role(user, Role.objects.get(code=role_code), org, actor=None)
    return user


@pytest.fixture
def second_admin(orgs):
    return make_user("second_admin", "org_admin", orgs["county"])


# ---------------------------------------------------------------- rules (table-driven)


@pytest.mark.parametrize(
    ("rows", "cap", "purpose", "expected"),
    [
        (10, 5000, "年度核对", ""),
        (10, 5000, "", "请填写导出用途"),
        (10, 5000, " 核 ", "请填写导出用途"),
        (5000, 5000, "年度核对", ""),
        (5001, 5000, "年度核对", "一次最多导出 5000 人"),
        (99999, 0, "年度核对", ""),
    ],
)
def test_export_refusal_rule(rows, cap, purpose, expected):
    result = rules.export_refusal(rows=rows, max_rows=cap, purpose=purpose)
    assert (expected in result) if expected else result == ""


@pytest.mark.parametrize(
    ("requester", "approver", "covers", "status", "expected"),
    [
        (1, 2, True, "pending", ""),
        (1, 1, True, "pending", "不能审批本人"),
        (1, 2, False, "pending", "不覆盖"),
        (1, 2, True, "approved", "已处理"),
    ],
)
def test_approval_refusal_rule(requester, approver, covers, status, expected):
    result = rules.approval_refusal(requester_id=requester, approver_id=approver, approver_covers=covers, status=status)
    assert (expected in result) if expected else result == ""


# ---------------------------------------------------------------- purpose and cap


def test_an_export_needs_a_stated_purpose(client_as, people):
    response = post_export(client_as("county_admin"), unmask=False, purpose="")
    assert response.status_code == 400
    assert "请填写导出用途" in response.content.decode()
    assert not AuditEvent.objects.filter(action="member.export").exists()


def test_the_purpose_is_recorded_in_the_audit_event(client_as, people):
    response = post_export(client_as("county_admin"), unmask=False, query="sex=male")
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="member.export")
    assert event.after["purpose"] == PURPOSE
    assert event.after["filter"] == {"sex": ["male"]}
    assert event.after["rows"] == len(sheet(response.content)) - 1
    assert event.after["digest"] == crypto.sm3(response.content).hex()


@pytest.mark.parametrize("unmask", [False, True])
def test_row_cap_refuses_a_larger_export(client_as, people, settings, unmask):
    settings.EXPORT_MAX_ROWS = 2
    response = post_export(client_as("county_admin"), unmask=unmask)
    assert response.status_code == 400
    assert "一次最多导出 2 人" in response.content.decode()
    assert not ExportRequest.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="member.export").exists()


# ---------------------------------------------------------------- four-eyes


def test_full_export_needs_a_second_approver_and_is_downloaded_once(client_as, people, second_admin):
    from django.test import Client

    requester = client_as("county_admin")
    client = Client()
    response = post_export(requester, unmask=True, query="sex=male")
    export = ExportRequest.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("security:export_request", args=[export.pk])
    assert export.status == ExportRequestStatus.PENDING
    assert export.purpose == PURPOSE
    assert not AuditEvent.objects.filter(action="member.export").exists()  # nothing exported yet
    assert AuditEvent.objects.get(action="member.export_request").after["purpose"] == PURPOSE
    # The requester cannot download before approval, nor approve their own request.
    refused = requester.post(reverse("security:export_download", args=[export.pk]), follow=True)
    assert "不能下载" in refused.content.decode()
    requester.post(reverse("security:export_decide", args=[export.pk]), {"decision": "approve", "version": 1})
    export.refresh_from_db()
    assert export.status == ExportRequestStatus.PENDING
    # The second approver sees it as a to-do and approves.
    items = dict(todos.collect(second_admin, timezone.localdate()))
    assert [t.rule for t in items["导出审批"]] == ["PRV-04"]
    client.force_login(second_admin)
    page = client.get(reverse("security:export_request", args=[export.pk])).content.decode()
    assert "批准" in page
    assert PURPOSE in page
    client.post(reverse("security:export_decide", args=[export.pk]), {"decision": "approve", "version": 1})
    export.refresh_from_db()
    assert export.status == ExportRequestStatus.APPROVED
    assert export.decided_by == second_admin
    # The approver cannot download it: only the requester (404 for anyone else).
    assert client.post(reverse("security:export_download", args=[export.pk])).status_code == 404
    # The requester downloads once: full data, watermark, digest in the audit event.
    response = requester.post(reverse("security:export_download", args=[export.pk]))
    assert response.status_code == 200
    rows = sheet(response.content)
    assert len(clear_id_numbers(rows)) == len(rows) - 1 > 0
    assert {r["性别"] for r in as_dicts(rows)} == {"男"}
    with zipfile.ZipFile(BytesIO(response.content)) as xlsx:
        core = xlsx.read("docProps/core.xml").decode()
    assert "导出人：county_admin" in core
    assert "导出时间：" in core
    assert "来源地址：127.0.0.1" in core
    event = AuditEvent.objects.get(action="member.export")
    assert event.after["unmasked"] is True
    assert event.after["digest"] == crypto.sm3(response.content).hex()
    assert event.after["purpose"] == PURPOSE
    assert event.after["filter"] == {"sex": ["male"]}
    assert event.after["rows"] == len(rows) - 1
    assert event.after["request_id"] == export.pk
    assert event.after["approved_by"] == "second_admin"
    export.refresh_from_db()
    assert export.status == ExportRequestStatus.DOWNLOADED
    assert export.digest == event.after["digest"]
    # Once only.
    again = requester.post(reverse("security:export_download", args=[export.pk]), follow=True)
    assert "每次批准只能下载一次" in again.content.decode()
    assert AuditEvent.objects.filter(action="member.export").count() == 1


def test_refusal_needs_a_note_and_an_approver_outside_the_scope_cannot_decide(client_as, people, orgs):
    post_export(client_as("county_admin"), unmask=True)
    export = ExportRequest.objects.get()
    branch_approver = make_user("branch_approver", "branch_secretary", orgs["village"])
    with pytest.raises(RuleViolation, match="不覆盖"):
        export_actions.decide(export, actor=branch_approver, approve=True, version=export.version)
    county_approver = make_user("county_approver", "org_admin", orgs["county"])
    with pytest.raises(RuleViolation, match="请填写意见"):
        export_actions.decide(export, actor=county_approver, approve=False, version=export.version)
    export_actions.decide(export, actor=county_approver, approve=False, note="用途不明确", version=export.version)
    export.refresh_from_db()
    assert export.status == ExportRequestStatus.REFUSED
    assert AuditEvent.objects.get(action="member.export_refuse").after["note"] == "用途不明确"
    with pytest.raises(RuleViolation):
        export_actions.download(export, actor=export.requester)


def test_approval_expires_after_the_link_lifetime(client_as, people, second_admin, settings):
    settings.EXPORT_LINK_TTL_HOURS = 24
    requester = client_as("county_admin")
    post_export(requester, unmask=True)
    export = ExportRequest.objects.get()
    export_actions.decide(export, actor=second_admin, approve=True, version=export.version)
    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        requester = client_as("county_admin")  # the old session has reached its absolute limit
        response = requester.post(reverse("security:export_download", args=[export.pk]), follow=True)
    assert "已过期" in response.content.decode()
    export.refresh_from_db()
    assert export.status == ExportRequestStatus.EXPIRED
    assert not AuditEvent.objects.filter(action="member.export").exists()


def test_requests_are_seen_only_by_the_requester_and_approvers_in_scope(client, client_as, people, orgs):
    post_export(client_as("county_admin"), unmask=True)
    export = ExportRequest.objects.get()
    url = reverse("security:export_request", args=[export.pk])
    assert client_as("village_secretary").get(url).status_code == 404  # approver, but not over the county
    assert client_as("party_member").get(url).status_code == 403
    assert client_as("auditor").get(reverse("security:export_requests")).status_code == 403
    assert client_as("county_admin").get(reverse("security:export_requests")).status_code == 200
