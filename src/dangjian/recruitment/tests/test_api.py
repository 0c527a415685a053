"""The recruitment endpoints: scope, start, steps with refusals (rule id, 400, nothing written), decisions,
queues, transfer, counts."""

from datetime import date

import pytest
from rest_framework.test import APIClient

from dangjian.accounts import actions as account_actions
from dangjian.recruitment.models import RecruitmentCase
from dangjian.recruitment.tests.conftest import VOTE


@pytest.fixture
def api_for(personas):
    def make(username):
        _token, raw = account_actions.issue_token(personas[username], name="test", actor=None)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        return client

    return make


def test_start_list_detail_and_scope(api_for, orgs):
    client = api_for("village_secretary")
    response = client.post(
        "/api/v1/recruitment-cases/",
        {
            "org": orgs["village"].pk,
            "name": "吴刚",
            "sex": "male",
            "birth_date": "2000-01-01",
            "on": "2029-01-02",
            "documents": ["application_letter"],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["state"] == "applicant"
    assert body["next_steps"][0]["event"] == "talk"
    assert client.get("/api/v1/recruitment-cases/").json()["count"] == 1
    assert client.get("/api/v1/recruitment-cases/", {"state": "activist"}).json()["count"] == 0
    assert api_for("county_admin").get(f"/api/v1/recruitment-cases/{body['id']}/").status_code == 200
    outside = client.post(
        "/api/v1/recruitment-cases/",
        {"org": orgs["village3"].pk, "name": "吴刚", "sex": "male", "birth_date": "2000-01-01", "on": "2029-01-02"},
        format="json",
    )
    assert outside.status_code == 404


def test_step_refusal_and_success(api_for, applicant):
    client = api_for("village_secretary")
    url = f"/api/v1/recruitment-cases/{applicant.pk}/step/"
    refused = client.post(
        url, {"event": "assembly", "on": "2026-06-10", "version": applicant.version, "vote": VOTE}, format="json"
    )
    assert refused.status_code == 400
    assert refused.json()["rule"] == "DEV-15"
    assert RecruitmentCase.objects.get(pk=applicant.pk).version == applicant.version
    ok = client.post(
        url,
        {"event": "talk", "on": "2026-06-10", "version": applicant.version, "documents": ["talk_record"]},
        format="json",
    )
    assert ok.status_code == 200, ok.json()
    assert ok.json()["talk_date"] == "2026-06-10"
    stale = client.post(
        url,
        {"event": "talk", "on": "2026-06-10", "version": applicant.version, "documents": ["talk_record"]},
        format="json",
    )
    assert stale.status_code == 409


def test_decide_and_queues(api_for, applicant, drive):
    case = drive(applicant, "file_activist")
    assert (
        api_for("village_secretary")
        .post(
            f"/api/v1/recruitment-cases/{case.pk}/decide/",
            {"approve": True, "on": "2026-08-05", "version": case.version},
            format="json",
        )
        .status_code
        == 403
    )
    client = api_for("town_secretary")
    queues = client.get("/api/v1/recruitment-cases/queues/").json()
    assert [len(q["cases"]) for q in queues if q["key"] == "filing"] == [1]
    response = client.post(
        f"/api/v1/recruitment-cases/{case.pk}/decide/",
        {"approve": True, "on": "2026-08-05", "version": case.version},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["awaiting"] == ""


def test_approval_by_an_org_without_the_power_RUR_12(api_for, drive, orgs, personas):
    from dangjian.recruitment import actions

    case = actions.start_new_applicant(
        orgs["general_1"],
        actor=personas["town_secretary"],
        on=date(2026, 6, 1),
        documents=["application_letter"],
        name="孙丽",
        sex="female",
        birth_date=date(1999, 1, 1),
    )
    case = drive(case, "upper_talk", actor=personas["town_secretary"])
    client = api_for("county_admin")
    before = RecruitmentCase.objects.get(pk=case.pk).version
    response = client.post(
        f"/api/v1/recruitment-cases/{case.pk}/decide/",
        {"approve": True, "on": "2027-12-01", "version": case.version, "by_org": orgs["general"].pk},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["rule"] == "RUR-12"
    assert RecruitmentCase.objects.get(pk=case.pk).version == before
    response = client.post(
        f"/api/v1/recruitment-cases/{case.pk}/decide/",
        {"approve": True, "on": "2027-12-01", "version": case.version},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["state"] == "probationary"


def test_transfer_and_counts(api_for, applicant, orgs):
    client = api_for("town_secretary")
    response = client.post(
        f"/api/v1/recruitment-cases/{applicant.pk}/transfer/",
        {"to_org": orgs["village2"].pk, "on": "2026-06-05"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["org"] == orgs["village2"].pk
    counts = client.get("/api/v1/recruitment-cases/counts/").json()
    assert counts["results"][0]["counts"] == {"applicant": 1}
    assert RecruitmentCase.objects.get(pk=applicant.pk).application_date == date(2026, 6, 1)


def test_quota_set_list_versioned_and_scoped(api_for, orgs):
    from dangjian.recruitment.models import LocalOption

    admin = api_for("county_admin")
    body = {"org": orgs["town"].pk, "year": 2029, "quota": 2}
    created = admin.post("/api/v1/recruitment-quotas/", body, format="json")
    assert created.status_code == 201, created.json()
    row = created.json()
    assert (row["quota"], row["intake"], row["state"], row["gap"], row["version"]) == (2, 0, "under", 2, 1)
    changed = admin.post("/api/v1/recruitment-quotas/", {**body, "quota": 0, "version": 1}, format="json")
    assert changed.json()["state"] == "met"
    stale = admin.post("/api/v1/recruitment-quotas/", {**body, "quota": 9, "version": 1}, format="json")
    assert stale.status_code == 409
    listed = admin.get("/api/v1/recruitment-quotas/?year=2029").json()
    assert [(q["org_id"], q["quota"]) for q in listed] == [(orgs["town"].pk, 0)]
    assert admin.get("/api/v1/recruitment-quotas/?year=abc").status_code == 400
    # a branch secretary may read the quotas of its scope (none: the quota is on the town) but not set one
    secretary = api_for("village_secretary")
    assert secretary.get("/api/v1/recruitment-quotas/").json() == []
    refused = secretary.post("/api/v1/recruitment-quotas/", {**body, "org": orgs["village"].pk}, format="json")
    assert refused.status_code == 403
    outside = api_for("town_secretary").post(
        "/api/v1/recruitment-quotas/", {**body, "org": orgs["town2"].pk}, format="json"
    )
    assert outside.status_code == 404
    assert LocalOption.objects.get().value == 0


def test_import_upload_commit_rollback_through_the_api(api_for, orgs, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from dangjian.recruitment.tests.test_import import applicant, workbook

    a = applicant(orgs, "郑一", 31)
    data = workbook(tmp_path, [["郑一", a, "2023-01-02", "2023-03-01", "", ""]])
    client = api_for("village_secretary")
    created = client.post(
        "/api/v1/recruitment-imports/", {"file": SimpleUploadedFile("c.xlsx", data)}, format="multipart"
    )
    assert created.status_code == 201, created.json()
    batch = created.json()
    assert batch["report"][0]["warnings"][0][0] == "TALK_LATE"
    committed = client.post(f"/api/v1/recruitment-imports/{batch['id']}/commit/")
    assert committed.json()["state"] == "committed"
    assert RecruitmentCase.objects.count() == 1
    assert client.post(f"/api/v1/recruitment-imports/{batch['id']}/commit/").status_code == 400
    outside = api_for("security_admin").post(f"/api/v1/recruitment-imports/{batch['id']}/rollback/")
    assert outside.status_code == 403
    rolled = client.post(f"/api/v1/recruitment-imports/{batch['id']}/rollback/")
    assert rolled.json()["state"] == "rolled_back"
    assert not RecruitmentCase.objects.exists()
    bad = client.post("/api/v1/recruitment-imports/", {"file": SimpleUploadedFile("c.xlsx", b"x")}, format="multipart")
    assert bad.status_code == 400
