"""The meetings endpoints: scope, schedule, record, attendance with quorum, compliance."""

from datetime import date

import pytest
from rest_framework.test import APIClient

from dangjian.accounts import actions as account_actions
from dangjian.orglife import actions
from dangjian.orglife.models import Attendance, Meeting


@pytest.fixture
def api_for():
    def make(user):
        _token, raw = account_actions.issue_token(user, name="test", actor=None)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        return client

    return make


def meeting(org, kind="general_assembly"):
    return actions.schedule_meeting(org, actor=None, kind=kind, topic="会议", held_on=date(2026, 9, 5))


def test_list_and_detail_are_scoped(api_for, orgs, people, town_officer):
    inside = meeting(orgs["village"])
    meeting(orgs["village2"], kind="theme_day")
    outside = meeting(orgs["village3"])
    client = api_for(town_officer)
    body = client.get("/api/v1/meetings/").json()
    assert body["count"] == 2
    assert {m["org_name"] for m in body["results"]} == {"柳树村党支部", "杨庄村党支部"}
    assert client.get("/api/v1/meetings/", {"kind": "theme_day"}).json()["count"] == 1
    assert client.get("/api/v1/meetings/", {"org": orgs["village"].pk}).json()["count"] == 1
    detail = client.get(f"/api/v1/meetings/{inside.pk}/").json()
    assert {r["member_name"] for r in detail["attendance"]} == {"张三丰", "李秀英"}
    assert detail["quorum"] == {
        "rule": "LIFE-01",
        "label": "有表决权的党员",
        "present": 0,
        "due": 1,
        "needed": 1,
        "met": False,
    }
    assert client.get(f"/api/v1/meetings/{outside.pk}/").status_code == 404


def test_without_permission_403(api_for, orgs, nobody):
    m = meeting(orgs["village"])
    client = api_for(nobody)
    assert client.get("/api/v1/meetings/").status_code == 403
    assert client.get(f"/api/v1/meetings/{m.pk}/").status_code == 403
    assert client.get("/api/v1/meetings/compliance/").status_code == 403
    assert (
        client.post(f"/api/v1/meetings/{m.pk}/attendance/", {"entries": [], "version": 1}, format="json").status_code
        == 403
    )


def test_schedule_record_and_attendance(api_for, orgs, people, town_officer):
    client = api_for(town_officer)
    r = client.post(
        "/api/v1/meetings/",
        {"org": orgs["village"].pk, "kind": "general_assembly", "topic": "第四季度党员大会", "held_on": "2026-10-08"},
        format="json",
    )
    assert r.status_code == 201, r.json()
    created = r.json()
    assert created["status"] == "planned"
    r = client.patch(
        f"/api/v1/meetings/{created['id']}/", {"minutes": "会议记录", "version": created["version"]}, format="json"
    )
    assert r.status_code == 200, r.json()
    assert (r.json()["status"], r.json()["version"]) == ("held", 2)
    stale = client.patch(f"/api/v1/meetings/{created['id']}/", {"minutes": "旧", "version": 1}, format="json")
    assert stale.status_code == 409
    r = client.post(
        f"/api/v1/meetings/{created['id']}/attendance/",
        {"entries": [{"member": people["zhang"].pk, "status": "present"}], "version": 2},
        format="json",
    )
    assert r.status_code == 200, r.json()
    assert r.json()["quorum"]["met"] is True
    statuses = {a.member_id: a.status for a in Attendance.objects.filter(meeting_id=created["id"])}
    assert statuses == {people["zhang"].pk: "present", people["li"].pk: "absent"}
    wrong = client.post(
        f"/api/v1/meetings/{created['id']}/attendance/",
        {"entries": [{"member": people["wang"].pk, "status": "present"}], "version": 3},
        format="json",
    )
    assert wrong.status_code == 400
    assert wrong.json()["rule"] == "LIFE-DATA"


def test_create_out_of_scope_is_refused(api_for, orgs, town_officer):
    r = api_for(town_officer).post(
        "/api/v1/meetings/",
        {"org": orgs["village3"].pk, "kind": "theme_day", "topic": "x", "held_on": "2026-10-08"},
        format="json",
    )
    assert r.status_code == 400
    assert "org" in r.json()
    assert not Meeting.objects.exists()


def test_compliance_endpoint(api_for, orgs, town_officer, county_officer):
    Meeting.objects.create(org=orgs["village"], kind="theme_day", topic="t", held_on=date(2025, 1, 5), status="held")
    body = api_for(town_officer).get("/api/v1/meetings/compliance/", {"year": 2025}).json()
    assert body["count"] == 3
    rows = {r["org_name"]: r for r in body["results"]}
    village = rows["柳树村党支部"]
    assert village["required"] == 12 + 4 + 4 + 1 + 1
    assert village["gap_count"] == 21
    assert village["rate"] == "4.55"
    assert village["colour"] == "red"
    assert {"kind": "theme_day", "period": "2025-02"} in village["gaps"]
    page = api_for(county_officer).get("/api/v1/meetings/compliance/", {"year": 2025, "limit": 2}).json()
    assert page["count"] == 5
    assert len(page["results"]) == 2


def test_review_chain_through_the_api(api_for, orgs, people, town_officer):
    from dangjian.accounts.models import Role

    Role.objects.filter(code="test_orglife").update(
        permissions=[*Role.objects.get(code="test_orglife").permissions, "orglife.review_meeting"]
    )
    m = meeting(orgs["village"], kind="theme_day")
    client = api_for(town_officer)
    m = actions.record_meeting(m, actor=None, minutes="记录")
    r = client.post(f"/api/v1/meetings/{m.pk}/submit/", {"version": m.version}, format="json")
    assert r.json()["status"] == "submitted"
    r = client.post(f"/api/v1/meetings/{m.pk}/review/", {"approve": False, "version": m.version + 1}, format="json")
    assert r.status_code == 400
    assert "理由" in r.json()["detail"]
    r = client.post(f"/api/v1/meetings/{m.pk}/review/", {"approve": True, "version": m.version + 1}, format="json")
    assert r.json()["status"] == "approved"
    version = r.json()["version"]
    r = client.patch(f"/api/v1/meetings/{m.pk}/", {"minutes": "改", "version": version}, format="json")
    assert r.status_code == 400
    r = client.post(f"/api/v1/meetings/{m.pk}/amend/", {"minutes": "改", "version": version}, format="json")
    assert r.status_code == 400  # reason missing
    r = client.post(f"/api/v1/meetings/{m.pk}/amend/", {"minutes": "改", "reason": "补记", "version": version},
                    format="json")  # fmt: skip
    assert r.json()["minutes"] == "改"


def test_sign_in_through_the_api(api_for, orgs, people, personas, town_officer):
    import time_machine

    m = actions.schedule_meeting(
        orgs["village"], actor=None, kind="theme_day", topic="主题党日", held_on=date(2026, 9, 5)
    )
    actions.link_member_account(personas["party_member"], people["zhang"], actor=None)
    with time_machine.travel("2026-09-05 10:00 +0800", tick=False):
        r = api_for(town_officer).post(f"/api/v1/meetings/{m.pk}/sign-in-token/")
        assert r.status_code == 201
        token = r.json()["token"]
        assert token in r.json()["url"]
        member = api_for(personas["party_member"])
        r = member.post("/api/v1/meetings/sign-in/", {"token": token}, format="json")
        assert r.json() == {"meeting": m.pk, "member": people["zhang"].pk, "status": "present"}
        again = member.post("/api/v1/meetings/sign-in/", {"token": token}, format="json")
        assert again.status_code == 400
        assert "已被使用" in again.json()["detail"]


def test_org_endpoints(api_for, orgs, people, town_officer, county_officer):
    client = api_for(town_officer)
    cal = client.get(f"/api/v1/orglife-orgs/{orgs['village'].pk}/calendar/", {"year": 2026}).json()
    assert {s["state"] for s in cal} <= {"done", "planned", "open", "missed", "exempted"}
    assert len([s for s in cal if s["kind"] == "theme_day"]) == 12
    over = api_for(county_officer).get(f"/api/v1/orglife-orgs/{orgs['county'].pk}/overview/", {"year": 2026}).json()
    assert over["total"]["branches"] == sum(c["branches"] for c in over["children"])
    assert client.get("/api/v1/orglife-orgs/gaps/", {"year": 2026}).json()["count"] >= 1
    assert client.get(f"/api/v1/orglife-orgs/{orgs['village3'].pk}/calendar/").status_code == 404
    url = f"/api/v1/orglife-orgs/{orgs['village'].pk}/appraisal/"
    assert client.get(url, {"year": 2026}).status_code == 404
    body = client.post(url, {"year": 2026, "op": "open"}, format="json").json()
    zhang = next(e for e in body["entries"] if e["member"] == people["zhang"].pk)
    r = client.post(url, {"year": 2026, "op": "close", "version": body["version"],
                          "entries": [{"id": zhang["id"], "grade": "excellent"}]}, format="json")  # fmt: skip
    assert r.status_code == 400
    assert "三分之一" in r.json()["detail"]
    talks = f"/api/v1/orglife-orgs/{orgs['village'].pk}/talks/"
    r = client.post(talks, {"held_on": "2026-05-01", "first": people["zhang"].pk, "second": people["li"].pk,
                            "topic": "谈心"}, format="json")  # fmt: skip
    assert r.status_code == 201
    assert len(client.get(talks, {"year": 2026}).json()["talks"]) == 1
    rule = {"kind": "party_lecture", "cadence": "yearly", "effective_from": "2026-01-01"}
    r = client.post(f"/api/v1/orglife-orgs/{orgs['town'].pk}/cadence/", rule, format="json")
    assert r.status_code == 201
    r = client.post(f"/api/v1/orglife-orgs/{orgs['county'].pk}/cadence/", rule, format="json")
    assert r.status_code == 404


def test_org_endpoints_without_permission_403(api_for, orgs, nobody):
    client = api_for(nobody)
    assert client.get(f"/api/v1/orglife-orgs/{orgs['village'].pk}/calendar/").status_code == 403
    assert client.get("/api/v1/orglife-orgs/gaps/").status_code == 403
    assert client.post("/api/v1/meetings/sign-in/", {"token": "x"}, format="json").status_code == 403


def test_upload_a_photo_through_the_api(api_for, orgs, people, town_officer, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    m = meeting(orgs["village"], kind="theme_day")
    png = SimpleUploadedFile("p.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 16, "image/png")
    r = api_for(town_officer).post(
        f"/api/v1/meetings/{m.pk}/files/", {"file": png, "title": "合影"}, format="multipart"
    )
    assert r.status_code == 201
    assert r.json()["content_type"] == "image/png"
    bad = SimpleUploadedFile("x.png", b"not an image", "image/png")
    assert (
        api_for(town_officer).post(f"/api/v1/meetings/{m.pk}/files/", {"file": bad}, format="multipart").status_code
        == 400
    )
