"""PRV-05/06: the member's own data (all of it, a copy), correction requests answered by the branch within
30 days, the versioned privacy notice with acknowledgement per member and version."""

import json
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dangjian.core import todos
from dangjian.core.errors import OutOfScope, RuleViolation
from dangjian.core.models import AuditEvent
from dangjian.members import actions as member_actions
from dangjian.orglife import actions as orglife_actions
from dangjian.security import privacy_actions, privacy_queries, rules
from dangjian.security.models import (
    DataSubjectRequest,
    NoticeAcknowledgement,
    PrivacyNotice,
    RequestKind,
    RequestStatus,
)


@pytest.fixture
def linked(personas, people):
    """party_member (张三丰's login) linked to the roster member 张三丰."""
    orglife_actions.link_member_account(personas["party_member"], people["zhang"], actor=None)
    return people["zhang"]


@pytest.mark.parametrize(
    ("submitted", "due"),
    [
        (date(2026, 1, 1), date(2026, 1, 31)),
        (date(2026, 2, 15), date(2026, 3, 17)),
        (date(2026, 12, 10), date(2027, 1, 9)),
    ],
)
def test_correction_is_due_in_30_days(submitted, due):
    assert rules.correction_due(submitted) == due


@pytest.mark.parametrize(
    ("status", "accept", "reasons", "expected"),
    [
        ("open", True, "", ""),
        ("open", False, "", "必须说明理由"),
        ("open", False, "与档案一致", ""),
        ("accepted", True, "", "已答复"),
    ],
)
def test_correction_answer_rule(status, accept, reasons, expected):
    result = rules.request_refusal(kind="correction", status=status, accept=accept, reasons=reasons)
    assert (expected in result) if expected else result == ""


# ---------------------------------------------------------------- all data held, and a copy


def test_member_sees_all_data_held_on_them_and_nobody_else(client_as, linked, people):
    member_actions.update_member(linked, job_title="村委委员", actor=None)
    html = client_as("party_member").get(reverse("security:my_data")).content.decode()
    assert linked.get_secret("id_number") in html  # their own, in full
    assert "13800000011" in html
    assert "村委委员" in html
    from dangjian.members.models import Placement

    assert str(Placement._meta.verbose_name) in html  # the placement history is listed
    for other in ("李秀英", "王建国", "赵德胜", people["li"].get_secret("id_number")):
        assert other not in html
    assert "v1:" not in html  # no ciphertext


def test_every_record_pointing_at_the_member_is_included(linked):
    """The page is built from the model metadata: each model with rows about the member appears."""
    from dangjian.members.models import Member

    groups = privacy_queries.related_records(linked)
    expected = set()
    for rel in Member._meta.get_fields(include_hidden=True):
        if rel.is_relation and rel.auto_created and not rel.many_to_many and rel.field.concrete:
            if rel.related_model._meta.auto_created:
                continue
            if rel.related_model._base_manager.filter(**{rel.field.name: linked}).exists():
                expected.add(rel.related_model._meta.label_lower)
    assert expected  # at least the placement
    assert {g["model"] for g in groups if g["model"]} == expected


def test_the_copy_holds_exactly_their_data_and_is_audited(client_as, linked, people):
    response = client_as("party_member").get(reverse("security:my_data_copy"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    copy = json.loads(response.content)
    assert copy["基本信息"]["姓名"] == "张三丰"
    assert copy["基本信息"]["公民身份号码"] == linked.get_secret("id_number")
    assert copy["基本信息"] == dict(privacy_queries.own_record(linked))
    assert "李秀英" not in response.content.decode()
    event = AuditEvent.objects.get(action="privacy.copy_download")
    assert event.object_id == str(linked.pk)
    assert linked.get_secret("id_number") not in json.dumps(event.after or {})


def test_an_account_without_a_member_sees_an_explanation(client_as, people):
    client = client_as("county_admin")
    assert "尚未关联党员信息" in client.get(reverse("security:my_data")).content.decode()
    assert client.get(reverse("security:my_data_copy")).status_code == 404


# ---------------------------------------------------------------- correction requests


def test_correction_goes_to_the_branch_and_is_answered_with_reasons(client, client_as, linked, personas):
    member_client = client_as("party_member")
    member_client.post(reverse("security:my_request"), {"item": "联系电话", "proposed": "13900001111"})
    request = DataSubjectRequest.objects.get()
    assert request.due_on == timezone.localdate() + timedelta(days=30)
    assert "13900001111" not in json.dumps(AuditEvent.objects.get(action="privacy.correction_request").after)
    # The branch secretary has it as a to-do with the 30-day deadline; another town's committee does not.
    items = dict(todos.collect(personas["village_secretary"], timezone.localdate()))["个人信息申请"]
    assert [(t.rule, t.due) for t in items] == [("PRV-06", request.due_on)]
    assert "个人信息申请" not in dict(todos.collect(personas["party_member"], timezone.localdate()))
    with pytest.raises(OutOfScope):
        privacy_actions.answer_request(
            request, actor=personas["party_member"], accept=True, reasons="", version=1, today=timezone.localdate()
        )
    # Refusal without reasons is refused; with reasons it stands and the member sees it.
    secretary = client_as("village_secretary")
    url = reverse("security:correction", args=[request.pk])
    assert "联系电话" in secretary.get(url).content.decode()
    secretary.post(url, {"decision": "refuse", "reasons": "", "version": 1})
    request.refresh_from_db()
    assert request.status == RequestStatus.OPEN
    secretary.post(url, {"decision": "refuse", "reasons": "与本人档案记载一致，请携带证明材料到支部核实", "version": 1})
    request.refresh_from_db()
    assert request.status == RequestStatus.REFUSED
    assert AuditEvent.objects.get(action="privacy.correction_answer").after["status"] == "refused"
    html = client_as("party_member").get(reverse("security:my_data")).content.decode()
    assert "不予更正" in html
    assert "与本人档案记载一致" in html


def test_an_overdue_correction_is_flagged(linked, personas):
    import time_machine

    request = privacy_actions.submit_request(
        linked,
        kind=RequestKind.CORRECTION,
        actor=personas["party_member"],
        item="学历",
        proposed="硕士研究生",
        today=timezone.localdate(),
    )
    later = request.due_on + timedelta(days=1)
    with time_machine.travel(timezone.make_aware(timezone.datetime(later.year, later.month, later.day, 10))):
        (item,) = dict(todos.collect(personas["village_secretary"], timezone.localdate()))["个人信息申请"]
        assert item.overdue


def test_corrections_are_scoped(client_as, linked, personas):
    privacy_actions.submit_request(
        linked,
        kind=RequestKind.CORRECTION,
        actor=personas["party_member"],
        item="学历",
        proposed="硕士研究生",
        today=timezone.localdate(),
    )
    pk = DataSubjectRequest.objects.get().pk
    url = reverse("security:correction", args=[pk])
    assert client_as("town_secretary").get(url).status_code == 200  # the branch's committee
    assert client_as("party_member").get(reverse("security:corrections")).status_code == 403
    assert client_as("auditor").get(url).status_code == 403


def test_only_the_member_may_request_a_correction(people, personas):
    with pytest.raises(OutOfScope):
        privacy_actions.submit_request(
            people["zhang"],
            kind=RequestKind.CORRECTION,
            actor=personas["village_secretary"],
            item="学历",
            proposed="x",
            today=date(2026, 1, 1),
        )
    orglife_actions.link_member_account(personas["party_member"], people["zhang"], actor=None)
    with pytest.raises(RuleViolation):
        privacy_actions.submit_request(
            people["zhang"],
            kind=RequestKind.CORRECTION,
            actor=personas["party_member"],
            item="",
            proposed="",
            today=date(2026, 1, 1),
        )


# ---------------------------------------------------------------- the privacy notice


def test_notice_acknowledged_per_member_and_version(client_as, linked, personas):
    client = client_as("party_member")
    notice = privacy_actions.current_notice()
    n = notice.version
    assert f"请阅读个人信息处理告知（第{n}版）" in [
        t.title for t in dict(todos.collect(personas["party_member"], timezone.localdate()))["个人信息处理告知"]
    ]
    page = client.get(reverse("security:notice")).content.decode()
    assert notice.title in page
    assert "我已阅读并知悉" in page
    client.post(reverse("security:notice"), {"version": str(n)})
    client.post(reverse("security:notice"), {"version": str(n)})  # a double click counts once
    assert NoticeAcknowledgement.objects.filter(member=linked, notice=notice).count() == 1
    assert "个人信息处理告知" not in dict(todos.collect(personas["party_member"], timezone.localdate()))
    # A new version asks again; the old acknowledgement is kept.
    privacy_actions.publish_notice(title="党员个人信息处理告知", body="新版正文", actor=None)
    assert "阅读并确认" in client.get(reverse("security:my_data")).content.decode()
    client.post(reverse("security:notice"), {"version": str(n)})  # a stale page does not acknowledge the new one
    assert not privacy_actions.has_acknowledged(linked)
    client.post(reverse("security:notice"), {"version": str(n + 1)})
    assert sorted(NoticeAcknowledgement.objects.filter(member=linked).values_list("notice__version", flat=True)) == [
        n,
        n + 1,
    ]
    assert AuditEvent.objects.filter(action="privacy.notice_acknowledge").count() == 2


def test_the_notice_names_every_data_subject_right(db):
    """PRV-05/06: the current notice (version 2, migration 0007) names correction, deletion and restriction."""
    notice = privacy_actions.current_notice()
    assert notice.version == 2
    for right in ("查阅", "副本", "更正", "删除", "限制处理", "30 日内答复", "未被接收"):
        assert right in notice.body
    assert PrivacyNotice.objects.filter(version=1).exists()  # the first version is kept as it was


def test_notice_page_is_readable_by_any_signed_in_user(client_as, people):
    assert "党员个人信息处理告知" in client_as("county_admin").get(reverse("security:notice")).content.decode()
