"""Generated authorization matrix for the organizational-life pages (AZ-02): without permission 403, in
scope 200/302, out of scope 404 — and the refused requests change nothing."""

from datetime import date

import pytest
from django.urls import reverse

from dangjian.accounts import actions as account_actions
from dangjian.accounts.models import Role
from dangjian.core.models import AuditEvent
from dangjian.orglife import actions
from dangjian.orglife.models import (
    Amendment,
    Attendance,
    Exemption,
    Meeting,
    MeetingFile,
    MemberAccount,
    PartyGroup,
)

ORGLIFE_PERMISSIONS = [
    "orglife.view_meeting", "orglife.change_meeting", "orglife.review_meeting", "orgs.view_org", "members.view_member",
    "members.change_member",
]  # fmt: skip


# What a URL's pk names, for a target inside the actor's scope (东山镇) and outside it (西河镇).
def meeting_target(orgs, inside):
    org = orgs["village2"] if inside else orgs["village3"]
    return actions.schedule_meeting(
        org, actor=None, kind="general_assembly", topic="党员大会", held_on=date(2026, 9, 5)
    )


def held_target(orgs, inside):
    m = meeting_target(orgs, inside)
    m = actions.schedule_meeting(m.org, actor=None, kind="theme_day", topic="主题党日", held_on=date(2026, 9, 5))
    return actions.record_meeting(m, actor=None, minutes="记录")


def submitted_target(orgs, inside):
    return actions.submit_meeting(held_target(orgs, inside), actor=None)


def approved_target(orgs, inside):
    return actions.review_meeting(submitted_target(orgs, inside), actor=None, approve=True)


def version_payload(orgs, m):
    return {"version": m.version}


def review_payload(orgs, m):
    return {"decision": "return", "reason": "记录过简", "version": m.version}


def amend_payload(orgs, m):
    return {"topic": m.topic, "held_on": "2026-09-05", "minutes": "补记", "reason": "补记发言", "version": m.version}


def life_target(orgs, inside):
    org = orgs["village2"] if inside else orgs["village3"]
    return actions.schedule_meeting(org, actor=None, kind="life_meeting", topic="组织生活会", held_on=date(2026, 9, 5))


def checklist_payload(orgs, m):
    return {"study": "on", "rectification": "整改"}


def appraisal_payload(orgs, org):
    return {"op": "open", "year": 2026}


def talk_target(orgs, inside):
    from dangjian.members import actions as member_actions
    from dangjian.members import rules as member_rules

    org = branch_target(orgs, inside)
    number = member_rules.synthetic_id_number("371302", date(1980, 1, 1), 77, "female")
    member_actions.add_member(
        org, actor=None, name="谈话对象", id_number=number, sex="female", birth_date=date(1980, 1, 1),
        ethnicity="汉族", stage="full", joined_on=date(2005, 7, 1), full_on=date(2006, 7, 1),
    )  # fmt: skip
    return org


def talk_payload(orgs, org):
    from dangjian.members.models import Member

    ids = [*Member.objects.filter(org=org).values_list("pk", flat=True), 0, 0]
    return {"held_on": "2026-05-01", "first": ids[0], "second": ids[1], "topic": "谈心"}


def member_target(orgs, inside):
    from dangjian.members.models import Member

    return Member.objects.filter(org=orgs["village2"] if inside else orgs["village3"]).first()


def file_payload(orgs, m):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {"file": SimpleUploadedFile("p.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 16, "image/png")}


def file_target(orgs, inside):
    from django.core.files.uploadedfile import SimpleUploadedFile

    m = meeting_target(orgs, inside)
    return actions.attach_file(m, SimpleUploadedFile("p.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 16), actor=None)


def account_payload(orgs, member):
    return {"username": "town_orglife"}


def branch_target(orgs, inside):
    return orgs["village2"] if inside else orgs["village3"]


def record_payload(orgs, m):
    return {"topic": "党员大会", "held_on": "2026-09-05", "minutes": "记录", "version": m.version}


def attendance_payload(orgs, m):
    return {"version": m.version}


def group_payload(orgs, org):
    return {"name": "第一党小组", "established_on": "2026-01-01"}


def attendance_amend_payload(orgs, m):
    from dangjian.members.models import Member

    member = Member.objects.current().members().filter(org=m.org).first()
    return {"version": m.version, "amend_reason": "核对签到表", f"status_{member.pk}": "excused"}


def exemption_payload(orgs, org):
    return {"kind": "theme_day", "period": "2026-02", "reason": "春节"}


# (url name, method, target builder, payload builder)
VIEWS = [
    ("orglife:meeting_detail", "get", meeting_target, None),
    ("orglife:meeting_record", "get", meeting_target, None),
    ("orglife:meeting_record", "post", meeting_target, record_payload),
    ("orglife:meeting_attendance", "get", meeting_target, None),
    ("orglife:meeting_attendance", "post", meeting_target, attendance_payload),
    ("orglife:meeting_submit", "get", held_target, None),
    ("orglife:meeting_submit", "post", held_target, version_payload),
    ("orglife:meeting_review", "get", submitted_target, None),
    ("orglife:meeting_review", "post", submitted_target, review_payload),
    ("orglife:meeting_amend", "get", approved_target, None),
    ("orglife:meeting_amend", "post", approved_target, amend_payload),
    ("orglife:calendar", "get", branch_target, None),
    ("orglife:appraisal", "get", branch_target, None),
    ("orglife:appraisal", "post", branch_target, appraisal_payload),
    ("orglife:talks", "get", branch_target, None),
    ("orglife:talks", "post", talk_target, talk_payload),
    ("orglife:meeting_pdf", "get", held_target, None),
    ("orglife:file_upload", "get", meeting_target, None),
    ("orglife:file_upload", "post", meeting_target, file_payload),
    ("orglife:file", "get", file_target, None),
    ("orglife:checklist", "get", life_target, None),
    ("orglife:checklist", "post", life_target, checklist_payload),
    ("orglife:member_record", "get", member_target, None),
    ("orglife:member_account", "get", member_target, None),
    ("orglife:member_account", "post", member_target, account_payload),
    ("orglife:meeting_qr", "get", meeting_target, None),
    ("orglife:meeting_qr_code", "get", meeting_target, None),
    ("orglife:exemption_create", "get", branch_target, None),
    ("orglife:exemption_create", "post", branch_target, exemption_payload),
    ("orglife:party_groups", "get", branch_target, None),
    ("orglife:party_groups", "post", branch_target, group_payload),
    ("orglife:meeting_attendance", "post", approved_target, attendance_amend_payload),
]
IDS = [f"{v[0]}-{v[1]}-{v[2].__name__}" for v in VIEWS]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def town_orglife(orgs, personas):
    """A test role with the orglife permissions on 东山镇 (until the built-in roles carry them)."""
    role = Role.objects.create(code="test_orglife", name="测试", permissions=ORGLIFE_PERMISSIONS)
    user, _ = account_actions.create_user("town_orglife", actor=None, password="Town#Orglife2026")
    account_actions.assign_role(user, role, orgs["town"], actor=None)
    return user


def state():
    return (
        list(Meeting.objects.order_by("pk").values_list("pk", "status", "version", "minutes")),
        list(Attendance.objects.order_by("pk").values_list("pk", "status")),
        list(Exemption.objects.order_by("pk").values_list("pk", "org_id", "period")),
        list(MeetingFile.objects.order_by("pk").values_list("pk", flat=True)),
        list(MemberAccount.objects.order_by("pk").values_list("pk", "member_id")),
        list(PartyGroup.objects.order_by("pk").values_list("pk", "name")),
        list(Amendment.objects.order_by("pk").values_list("pk", flat=True)),
        AuditEvent.objects.exclude(action__startswith="auth.").count(),
    )


def call(client, name, method, target, payload):
    url = reverse(name, args=[target.pk])
    return client.post(url, payload or {}) if method == "post" else client.get(url)


@pytest.mark.parametrize(("name", "method", "target", "payload"), VIEWS, ids=IDS)
def test_without_permission_403_and_nothing_changes(client, orgs, people, nobody, name, method, target, payload):
    client.force_login(nobody)
    obj = target(orgs, True)
    before = state()
    response = call(client, name, method, obj, payload(orgs, obj) if payload else None)
    assert response.status_code == 403
    assert state() == before


@pytest.mark.parametrize(("name", "method", "target", "payload"), VIEWS, ids=IDS)
def test_a_role_without_orglife_permissions_gets_403(client_as, orgs, people, name, method, target, payload):
    client = client_as("security_admin")  # sees the org tree, holds no organizational-life permission
    obj = target(orgs, True)
    before = state()
    response = call(client, name, method, obj, payload(orgs, obj) if payload else None)
    assert response.status_code == 403
    assert state() == before


@pytest.mark.parametrize(("name", "method", "target", "payload"), VIEWS, ids=IDS)
def test_in_scope_succeeds(client, orgs, people, town_orglife, name, method, target, payload):
    client.force_login(town_orglife)
    obj = target(orgs, True)
    response = call(client, name, method, obj, payload(orgs, obj) if payload else None)
    expected = 302 if method == "post" or name in ("orglife:meeting_submit", "orglife:file_upload") else 200
    assert response.status_code == expected, response.content.decode()[-2000:]


@pytest.mark.parametrize(("name", "method", "target", "payload"), VIEWS, ids=IDS)
def test_out_of_scope_404_and_nothing_changes(client, orgs, people, town_orglife, name, method, target, payload):
    client.force_login(town_orglife)
    obj = target(orgs, False)
    before = state()
    response = call(client, name, method, obj, payload(orgs, obj) if payload else None)
    assert response.status_code == 404
    assert state() == before


def test_every_orglife_pk_view_is_in_the_matrix():
    from dangjian.orglife import urls

    covered = {name for name, *_ in VIEWS}
    pk_views = {f"orglife:{p.name}" for p in urls.urlpatterns if "pk" in p.pattern.regex.groupindex}
    assert pk_views == covered
    methods = {(name, method) for name, method, *_ in VIEWS}
    for name in pk_views:
        assert (name, "get") in methods


def test_every_orglife_view_refuses_an_account_without_roles(client, orgs, nobody):
    from dangjian.orglife import urls

    client.force_login(nobody)
    for p in urls.urlpatterns:
        kwargs = {"pk": orgs["village2"].pk} if "pk" in p.pattern.regex.groupindex else {}
        if "token" in p.pattern.regex.groupindex:
            kwargs = {"token": "x"}
        url = reverse(f"orglife:{p.name}", kwargs=kwargs)
        assert client.get(url).status_code == 403, p.name
        assert client.post(url).status_code in (403, 405), p.name
