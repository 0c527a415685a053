"""The imports endpoint: upload and report, commit, roll back, permission."""

import pytest
from rest_framework.test import APIClient

from dangjian.accounts import actions as account_actions
from dangjian.members.models import Member
from dangjian.members.tests.test_import import person, write_xlsx


@pytest.fixture
def api_as(personas):
    def make(username):
        _token, raw = account_actions.issue_token(personas[username], name="test", actor=None)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        return client

    return make


def test_upload_commit_rollback(api_as, orgs, tmp_path):
    client = api_as("county_admin")
    path = write_xlsx(tmp_path / "roster.xlsx", [person(1), person(2)])
    with path.open("rb") as fh:
        r = client.post("/api/v1/member-imports/", {"file": fh}, format="multipart")
    assert r.status_code == 201, r.content
    batch = r.json()
    assert (batch["status"], batch["to_create"], batch["error_rows"]) == ("previewed", 2, 0)
    r = client.post(f"/api/v1/member-imports/{batch['id']}/commit/")
    assert r.json()["status"] == "committed"
    assert Member.objects.filter(name__startswith="导入人").count() == 2
    again = client.post(f"/api/v1/member-imports/{batch['id']}/commit/")
    assert again.status_code == 400
    assert again.json()["rule"] == "REL-02"
    r = client.post(f"/api/v1/member-imports/{batch['id']}/rollback/")
    assert r.json()["status"] == "rolled_back"
    assert not Member.objects.filter(name__startswith="导入人").exists()


def test_report_lists_row_problems(api_as, orgs, tmp_path):
    path = write_xlsx(tmp_path / "roster.xlsx", [person(1, **{"联系电话": "123"})])
    with path.open("rb") as fh:
        batch = api_as("county_admin").post("/api/v1/member-imports/", {"file": fh}, format="multipart").json()
    assert batch["error_rows"] == 1
    assert batch["problems"][0]["row"] == 2
    assert batch["problems"][0]["column"] == "联系电话"


def test_import_needs_the_permission(api_as, orgs):
    assert api_as("village_secretary").get("/api/v1/member-imports/").status_code == 403
