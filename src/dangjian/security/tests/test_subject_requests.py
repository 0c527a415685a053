"""PRV-06: deletion and restriction requests, answered like corrections (same answerers, to-do, 30 days, reasons
for a refusal); an accepted deletion removes the optional data, an accepted restriction keeps the member out of
every export and of unmasking until it is lifted with a reason."""

import json
from datetime import date, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from dangjian.core import todos
from dangjian.core.errors import OutOfScope, RuleViolation
from dangjian.core.models import AuditEvent
from dangjian.members import actions as member_actions
from dangjian.members import exporter, letters
from dangjian.members.models import FamilyMember
from dangjian.members.tests.test_export import as_dicts, sheet
from dangjian.orglife import actions as orglife_actions
from dangjian.security import privacy_actions, rules
from dangjian.security.models import DataSubjectRequest, ProcessingRestriction, RequestKind, RequestStatus


@pytest.fixture
def linked(personas, people):
    orglife_actions.link_member_account(personas["party_member"], people["zhang"], actor=None)
    FamilyMember.objects.create(member=people["zhang"], relation="妻子", name="王桂芝", work_unit="东山镇卫生院")
    return people["zhang"]


def _events_text() -> str:
    return json.dumps(list(AuditEvent.objects.values("object_repr", "before", "after")), ensure_ascii=False)


@pytest.mark.parametrize(
    ("kind", "item", "proposed", "explanation", "parts", "expected"),
    [
        ("correction", "学历", "硕士", "", [], ""),
        ("correction", "学历", "", "", [], "应更正为"),
        ("deletion", "", "", "不再使用该号码", ["phone"], ""),
        ("deletion", "", "", "不再使用", ["phone", "family", "address"], ""),
        ("deletion", "", "", "不再使用", [], "请选择"),
        ("deletion", "", "", "", ["phone"], "理由"),
        ("deletion", "", "", "理由", ["id_number"], "依规保存"),
        ("deletion", "", "", "理由", ["name"], "依规保存"),
        ("restriction", "", "", "担心泄露", [], ""),
        ("restriction", "", "", " ", [], "理由"),
        ("archive", "", "", "x", [], "未知"),
    ],
)
def test_request_rule(kind, item, proposed, explanation, parts, expected):
    result = rules.request_problem(kind=kind, item=item, proposed=proposed, explanation=explanation, parts=parts)
    assert (expected in result) if expected else result == ""


@pytest.mark.parametrize(
    ("kind", "status", "accept", "reasons", "expected"),
    [
        ("deletion", "open", True, "", ""),
        ("deletion", "open", False, "", "不予删除时必须说明理由"),
        ("restriction", "open", False, "", "不予限制处理时必须说明理由"),
        ("restriction", "open", False, "依法须保存", ""),
        ("deletion", "refused", True, "", "已答复"),
    ],
)
def test_answer_rule(kind, status, accept, reasons, expected):
    result = rules.request_refusal(kind=kind, status=status, accept=accept, reasons=reasons)
    assert (expected in result) if expected else result == ""


def test_deletion_goes_to_the_branch_and_removes_only_the_optional_data(client_as, linked, personas):
    member_client = client_as("party_member")
    response = member_client.post(
        reverse("security:my_request"),
        {"kind": "deletion", "parts": ["phone", "family"], "explanation": "号码已停用，家属不愿登记"},
    )
    assert response.status_code == 302
    request = DataSubjectRequest.objects.get()
    assert (request.kind, request.parts, request.item) == ("deletion", ["phone", "family"], "联系电话、家庭成员信息")
    assert request.due_on == timezone.localdate() + timedelta(days=30)
    (item,) = dict(todos.collect(personas["village_secretary"], timezone.localdate()))["个人信息申请"]
    assert (item.title, item.due) == ("个人信息删除申请待答复", request.due_on)
    secretary = client_as("village_secretary")
    url = reverse("security:correction", args=[request.pk])
    assert "号码已停用" in secretary.get(url).content.decode()
    secretary.post(url, {"decision": "refuse", "reasons": "", "version": 1})  # a refusal needs reasons
    request.refresh_from_db()
    assert request.status == RequestStatus.OPEN
    secretary.post(url, {"decision": "accept", "reasons": "", "version": 1})
    request.refresh_from_db()
    linked.refresh_from_db()
    assert request.status == RequestStatus.ACCEPTED
    assert linked.get_secret("phone") == ""
    assert not FamilyMember.objects.filter(member=linked).exists()
    assert linked.get_secret("address") == "东山镇柳树村三组12号"  # not requested: kept
    assert linked.get_secret("id_number")  # kept by duty
    event = AuditEvent.objects.get(action="privacy.delete")
    assert event.after["deleted"] == {"phone": 1, "family": 1}
    text = _events_text()
    assert "13800000011" not in text
    assert "王桂芝" not in text
    assert "号码已停用" not in text
    html = client_as("party_member").get(reverse("security:my_data")).content.decode()
    assert "已同意删除" in html
    assert "王桂芝" not in html


def test_deletion_of_data_kept_by_duty_cannot_be_requested(linked, personas):
    with pytest.raises(RuleViolation, match="依规保存"):
        privacy_actions.submit_request(
            linked, actor=personas["party_member"], kind="deletion", parts=["id_number"], explanation="不想留",
            today=date(2026, 1, 5),
        )  # fmt: skip
    with pytest.raises(OutOfScope):
        privacy_actions.submit_request(
            linked, actor=personas["village_secretary"], kind="restriction", explanation="x", today=date(2026, 1, 5)
        )
    assert not DataSubjectRequest.objects.exists()


def test_a_refused_deletion_names_the_lawful_basis_and_changes_nothing(client_as, linked, personas):
    request = privacy_actions.submit_request(
        linked, actor=personas["party_member"], kind="deletion", parts=["address"], explanation="搬家了",
        today=timezone.localdate(),
    )  # fmt: skip
    privacy_actions.answer_request(
        request,
        actor=personas["town_secretary"],
        accept=False,
        reasons="住址为流动党员管理所需，依《个人信息保护法》第十三条第一款第三项保存",
        version=1,
        today=timezone.localdate(),
    )
    linked.refresh_from_db()
    assert linked.get_secret("address") == "东山镇柳树村三组12号"
    assert not AuditEvent.objects.filter(action="privacy.delete").exists()
    assert AuditEvent.objects.get(action="privacy.deletion_answer").after["status"] == "refused"
    html = client_as("party_member").get(reverse("security:my_data")).content.decode()
    assert "不予删除" in html
    assert "第十三条第一款第三项" in html


def test_restriction_keeps_the_member_out_of_exports_and_unmasking_until_lifted(client_as, linked, personas, people):
    county = personas["county_admin"]
    assert linked in exporter.export_queryset(county, {})
    request = privacy_actions.submit_request(
        linked, actor=personas["party_member"], kind="restriction", explanation="担心信息泄露",
        today=timezone.localdate(),
    )  # fmt: skip
    assert AuditEvent.objects.get(action="privacy.restriction_request").after["kind"] == "restriction"
    privacy_actions.answer_request(
        request, actor=personas["village_secretary"], accept=True, reasons="", version=1, today=timezone.localdate()
    )
    restriction = ProcessingRestriction.objects.get(member=linked, lifted_on__isnull=True)
    assert AuditEvent.objects.get(action="privacy.restrict").object_id == str(restriction.pk)
    # Exports: every path takes its rows from export_queryset.
    rows = list(exporter.export_queryset(county, {}))
    assert linked not in rows
    assert people["li"] in rows
    client = client_as("county_admin")
    response = client.post(reverse("members:export"), {"unmask": "0", "purpose": "年度核对花名册"})
    assert response.status_code == 200
    names = {row["姓名"] for row in as_dicts(sheet(response.content))}
    assert "李秀英" in names
    assert "张三丰" not in names
    # Unmasking: refused to everyone, on the page and in the transfer letter.
    with pytest.raises(RuleViolation, match="限制处理"):
        member_actions.reveal(linked, "id_number", actor=county)
    assert client.post(reverse("members:reveal", args=[linked.pk, "phone"])).status_code == 400
    assert client.post(reverse("members:reveal", args=[people["li"].pk, "phone"])).status_code == 200
    assert not AuditEvent.objects.filter(action="member.reveal", object_id=str(linked.pk)).exists()
    assert not member_actions.may_reveal(linked)
    # The member sees the restriction on their page; the branch lifts it with a reason.
    assert "已限制处理" in client_as("party_member").get(reverse("security:my_data")).content.decode()
    secretary = client_as("village_secretary")
    url = reverse("security:correction", args=[request.pk])
    secretary.post(url, {"decision": "lift", "reasons": ""})
    assert privacy_actions.is_restricted(linked)
    secretary.post(url, {"decision": "lift", "reasons": "本人书面同意恢复正常处理"})
    assert not privacy_actions.is_restricted(linked)
    assert AuditEvent.objects.get(action="privacy.restriction_lift").after["request"] == request.pk
    assert linked in exporter.export_queryset(county, {})
    assert member_actions.reveal(linked, "id_number", actor=county) == linked.get_secret("id_number")


def test_restricted_member_in_a_transfer_letter_is_masked(linked, personas):
    from dangjian.members.rules import mask_id_number

    request = privacy_actions.submit_request(
        linked, actor=personas["party_member"], kind="restriction", explanation="担心信息泄露", today=date(2026, 1, 5)
    )
    privacy_actions.answer_request(
        request, actor=personas["village_secretary"], accept=True, reasons="", version=1, today=date(2026, 1, 6)
    )

    class Letter:  # the fields letter_context reads
        member = linked
        from_org = to_org = linked.org
        from_org_name = to_org_name = ""
        issued_on = date(2026, 1, 6)
        valid_until = date(2026, 3, 6)

    context = letters.letter_context(Letter(), personas["county_admin"])
    assert context["id_number"] == mask_id_number(linked.get_secret("id_number"))


def test_a_late_answer_is_flagged_and_recorded(linked, personas):
    """SLA timer (time-travel): 30 days to answer; after that the to-do is overdue and the answer is marked late."""
    request = privacy_actions.submit_request(
        linked, actor=personas["party_member"], kind="deletion", parts=["phone"], explanation="停用",
        today=timezone.localdate(),
    )  # fmt: skip
    on_time = request.due_on
    with time_machine.travel(timezone.make_aware(timezone.datetime(on_time.year, on_time.month, on_time.day, 10))):
        (item,) = dict(todos.collect(personas["village_secretary"], timezone.localdate()))["个人信息申请"]
        assert not item.overdue
    later = request.due_on + timedelta(days=1)
    with time_machine.travel(timezone.make_aware(timezone.datetime(later.year, later.month, later.day, 10))):
        (item,) = dict(todos.collect(personas["village_secretary"], timezone.localdate()))["个人信息申请"]
        assert item.overdue
        privacy_actions.answer_request(
            request, actor=personas["village_secretary"], accept=True, reasons="", version=1,
            today=timezone.localdate(),
        )  # fmt: skip
    assert AuditEvent.objects.get(action="privacy.deletion_answer").after["late"] is True
    assert "个人信息申请" not in dict(todos.collect(personas["village_secretary"], later))


def test_existing_correction_requests_read_as_corrections(linked, personas):
    """Rows written before the generalisation (migration 0006) are corrections: the default kind."""
    request = privacy_actions.submit_request(
        linked,
        kind=RequestKind.CORRECTION,
        actor=personas["party_member"],
        item="学历",
        proposed="硕士研究生",
        today=date(2026, 1, 5),
    )
    assert request.kind == RequestKind.CORRECTION
    assert DataSubjectRequest._meta.get_field("kind").default == RequestKind.CORRECTION
    assert request.status_label == "待处理"
