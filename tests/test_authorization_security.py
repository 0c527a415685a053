"""Authorization matrix for the issue-8 privacy pages (AZ-02): without permission 403, in scope 200/302, out
of scope 404 — and the refused requests change nothing (export requests, correction requests)."""

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from dangjian.accounts import actions as account_actions
from dangjian.accounts.models import Role
from dangjian.core.models import AuditEvent
from dangjian.orglife import actions as orglife_actions
from dangjian.security import export_actions, privacy_actions
from dangjian.security.models import DataSubjectRequest, ExportRequest, RequestKind


def account(username, role_code, org):
    user, _ = account_actions.create_user(username, actor=None, password="Strong#2026xx")
    if role_code:
        account_actions.assign_role(user, Role.objects.get(code=role_code), org, actor=None)
    client = Client()
    client.force_login(user)
    return user, client


@pytest.fixture
def world(orgs, people, personas):
    """An export request over 东山镇 (town) and a correction request of a member in 柳树村 (village)."""
    requester = personas["town_secretary"]
    export = ExportRequest.objects.create(
        requester=requester, org_path=orgs["town"].path, org_name=orgs["town"].name, sealed_filter="x",
        purpose="年度核对", rows=3,
    )  # fmt: skip
    orglife_actions.link_member_account(personas["party_member"], people["zhang"], actor=None)
    correction = privacy_actions.submit_request(
        people["zhang"],
        kind=RequestKind.CORRECTION,
        actor=personas["party_member"],
        item="学历",
        proposed="硕士",
        today=date(2026, 1, 5),
    )
    return {"export": export, "correction": correction}


def _state():
    return (
        list(ExportRequest.objects.values_list("pk", "status", "version")),
        list(DataSubjectRequest.objects.values_list("pk", "status", "version")),
        AuditEvent.objects.count(),
    )


def test_export_request_pages(world, orgs):
    export = world["export"]
    detail = reverse("security:export_request", args=[export.pk])
    decide = reverse("security:export_decide", args=[export.pk])
    _, without = account("no_perm", None, orgs["county"])
    approver, inside = account("approver_in", "org_admin", orgs["county"])
    _, outside = account("approver_out", "branch_secretary", orgs["village3"])
    before = _state()
    assert without.get(reverse("security:export_requests")).status_code == 403
    assert without.get(detail).status_code == 403
    assert without.post(decide, {"decision": "approve", "version": 1}).status_code == 403
    assert outside.get(detail).status_code == 404
    assert outside.post(decide, {"decision": "approve", "version": 1}).status_code == 404
    assert outside.post(reverse("security:export_download", args=[export.pk])).status_code == 404
    assert _state() == before  # refused requests change nothing
    assert inside.get(reverse("security:export_requests")).status_code == 200
    assert inside.get(detail).status_code == 200
    assert inside.post(decide, {"decision": "refuse", "note": "不需要", "version": 1}).status_code == 302
    assert ExportRequest.objects.get().status == "refused"
    assert export_actions.pending_for(approver).count() == 0


def test_correction_pages(world, orgs):
    correction = world["correction"]
    url = reverse("security:correction", args=[correction.pk])
    _, without = account("no_perm", "member", orgs["village"])
    _, inside = account("sec_in", "branch_secretary", orgs["village"])
    _, outside = account("sec_out", "branch_secretary", orgs["village3"])
    before = _state()
    assert without.get(reverse("security:corrections")).status_code == 403
    assert without.post(url, {"decision": "accept", "version": 1}).status_code == 403
    assert outside.get(url).status_code == 404
    assert outside.post(url, {"decision": "accept", "version": 1}).status_code == 404
    assert _state() == before
    assert inside.get(reverse("security:corrections")).status_code == 200
    assert inside.post(url, {"decision": "accept", "reasons": "", "version": 1}).status_code == 302
    assert DataSubjectRequest.objects.get().status == "accepted"


@pytest.mark.parametrize("name", ["security:my_data", "security:notice"])
def test_self_service_pages_need_only_a_login(name, orgs, people):
    _, client = account("plain", None, orgs["county"])
    assert client.get(reverse(name)).status_code == 200


def test_deletion_and_restriction_pages(world, orgs, people, personas):
    """PRV-06: the same answerers as corrections; out of scope 404 and nothing deleted, restricted or lifted."""
    from dangjian.security.models import ProcessingRestriction

    zhang = people["zhang"]
    deletion = privacy_actions.submit_request(
        zhang, actor=personas["party_member"], kind="deletion", parts=["phone"], explanation="号码停用",
        today=date(2026, 1, 6),
    )  # fmt: skip
    restriction = privacy_actions.submit_request(
        zhang, actor=personas["party_member"], kind="restriction", explanation="担心泄露", today=date(2026, 1, 6)
    )
    _, without = account("no_perm", "member", orgs["village"])
    _, inside = account("sec_in", "branch_secretary", orgs["village"])
    _, outside = account("sec_out", "branch_secretary", orgs["village3"])
    phone = zhang.get_secret("phone")
    before = _state()
    for request in (deletion, restriction):
        url = reverse("security:correction", args=[request.pk])
        assert without.post(url, {"decision": "accept", "version": 1}).status_code == 403
        assert outside.get(url).status_code == 404
        assert outside.post(url, {"decision": "accept", "version": 1}).status_code == 404
    assert without.post(reverse("security:my_request"), {"kind": "restriction", "explanation": "x"}).status_code == 404
    assert _state() == before
    zhang.refresh_from_db()
    assert zhang.get_secret("phone") == phone
    assert not ProcessingRestriction.objects.exists()
    for request in (deletion, restriction):
        url = reverse("security:correction", args=[request.pk])
        assert inside.get(url).status_code == 200
        assert inside.post(url, {"decision": "accept", "reasons": "", "version": 1}).status_code == 302
    zhang.refresh_from_db()
    assert zhang.get_secret("phone") == ""
    assert ProcessingRestriction.objects.filter(lifted_on__isnull=True).count() == 1
    lift = reverse("security:correction", args=[restriction.pk])
    before = _state()
    assert outside.post(lift, {"decision": "lift", "reasons": "本人同意"}).status_code == 404
    assert without.post(lift, {"decision": "lift", "reasons": "本人同意"}).status_code == 403
    assert _state() == before
    assert ProcessingRestriction.objects.filter(lifted_on__isnull=True).count() == 1
    assert inside.post(lift, {"decision": "lift", "reasons": "本人同意"}).status_code == 302
    assert not ProcessingRestriction.objects.filter(lifted_on__isnull=True).exists()
