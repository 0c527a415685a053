"""The members endpoints: scope, masking, the same validation and audit as the pages."""

import re
from datetime import date

import pytest
from rest_framework.test import APIClient

from dangjian.accounts import actions as account_actions
from dangjian.core.models import AuditEvent
from dangjian.members import rules
from dangjian.members.models import Member


@pytest.fixture
def api_as(personas):
    def make(username):
        _token, raw = account_actions.issue_token(personas[username], name="test", actor=None)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        return client

    return make


def test_list_is_scoped_filtered_and_masked(api_as, people):
    response = api_as("village_secretary").get("/api/v1/members/")
    body = response.content.decode()
    assert {m["name"] for m in response.json()["results"]} == {"张三丰", "李秀英"}
    assert not re.search(r"\d{17}[\dX]", body)
    assert "138****0011" in body
    probationary = api_as("county_admin").get("/api/v1/members/", {"stage": "probationary"}).json()
    assert [m["name"] for m in probationary["results"]] == ["李秀英"]


def test_detail_out_of_scope_is_404(api_as, people):
    client = api_as("village_secretary")
    assert client.get(f"/api/v1/members/{people['zhang'].pk}/").status_code == 200
    assert client.get(f"/api/v1/members/{people['zhao'].pk}/").status_code == 404


def test_create_update_and_status(api_as, orgs):
    client = api_as("county_admin")
    number = rules.synthetic_id_number("371302", date(1990, 2, 2), 60, "male")
    r = client.post(
        "/api/v1/members/",
        {
            "org": orgs["village3"].pk,
            "name": "钱进",
            "id_number": number,
            "stage": "probationary",
            "joined_on": "2026-05-01",
        },
        format="json",
    )
    assert r.status_code == 201, r.json()
    created = r.json()
    assert created["id_number_masked"].startswith("3713")
    r = client.patch(
        f"/api/v1/members/{created['id']}/", {"job_title": "村会计", "version": created["version"]}, format="json"
    )
    assert r.status_code == 200
    stale = client.patch(
        f"/api/v1/members/{created['id']}/", {"job_title": "x", "version": created["version"]}, format="json"
    )
    assert stale.status_code == 409
    r = client.post(
        f"/api/v1/members/{created['id']}/status/",
        {"target": "suspended", "on": "2026-06-01", "grounds": "失联", "version": r.json()["version"]},
        format="json",
    )
    assert r.status_code == 200
    assert r.json()["status"] == "suspended"


def test_bad_input_returns_the_rule(api_as, orgs):
    r = api_as("county_admin").post(
        "/api/v1/members/",
        {
            "org": orgs["village3"].pk,
            "name": "钱进",
            "id_number": "371302199002020001",
            "stage": "probationary",
            "joined_on": "2026-05-01",
        },
        format="json",
    )
    assert r.status_code == 400
    assert r.json()["rule"] == "MEM-ID"
    assert not Member.objects.filter(name="钱进").exists()


def test_reveal_is_permissioned_and_audited(api_as, people):
    zhang = people["zhang"]
    r = api_as("village_secretary").post(f"/api/v1/members/{zhang.pk}/reveal/", {"field": "phone"}, format="json")
    assert r.json() == {"field": "phone", "value": "13800000011"}
    assert AuditEvent.objects.filter(action="member.reveal").count() == 1
    assert (
        api_as("town_secretary")
        .post(f"/api/v1/members/{zhang.pk}/reveal/", {"field": "phone"}, format="json")
        .status_code
        == 403
    )
