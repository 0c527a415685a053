"""PRV-08: reads of a member's record are audited, so that "who viewed member X" is one query of the audit trail."""

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from dangjian.accounts import actions as account_actions
from dangjian.core import audit
from dangjian.core.models import AuditEvent

READ = "member.view"


def reads(member):
    return list(
        AuditEvent.objects.filter(action=READ, object_type="members.member", object_id=str(member.pk)).order_by("seq")
    )


def logged_in(personas, username):
    client = Client()
    client.force_login(personas[username])
    return client


def test_a_page_and_the_tabs_opened_from_it_are_one_read(personas, people):
    zhang = people["zhang"]
    client = logged_in(personas, "village_secretary")
    assert client.get(reverse("members:detail", args=[zhang.pk])).status_code == 200
    for tab in ("records", "log"):
        assert client.get(reverse("members:detail_tab", args=[zhang.pk, tab])).status_code == 200
    (event,) = reads(zhang)
    assert event.actor_username == "village_secretary"
    assert event.actor_roles == "branch_secretary"
    assert event.org_path == zhang.org.path
    assert event.after == {"part": "page"}
    assert event.client_ip == "127.0.0.1"
    # another session of the same account, another viewer: each one more read
    logged_in(personas, "village_secretary").get(reverse("members:detail_tab", args=[zhang.pk, "status"]))
    logged_in(personas, "county_admin").get(reverse("members:detail", args=[zhang.pk]))
    assert [(e.actor_username, e.after["part"]) for e in reads(zhang)] == [
        ("village_secretary", "page"),
        ("village_secretary", "tab:status"),
        ("county_admin", "page"),
    ]
    assert audit.verify() is None


def test_with_the_window_at_zero_every_request_is_logged(settings, personas, people):
    settings.MEMBER_READ_LOG_SECONDS = 0
    li = people["li"]
    client = logged_in(personas, "village_secretary")
    client.get(reverse("members:detail", args=[li.pk]))
    client.get(reverse("members:detail", args=[li.pk]))
    client.get(reverse("members:detail_tab", args=[li.pk, "placements"]))
    assert [e.after["part"] for e in reads(li)] == ["page", "page", "tab:placements"]


def test_api_reads_are_logged_per_token(personas, people):
    zhang = people["zhang"]
    _token, raw = account_actions.issue_token(personas["county_admin"], name="核对", actor=None)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.get(f"/api/v1/members/{zhang.pk}/").status_code == 200
    assert api.get(f"/api/v1/members/{zhang.pk}/").status_code == 200
    assert [(e.actor_username, e.after["part"]) for e in reads(zhang)] == [("county_admin", "api")]
    api.get("/api/v1/members/")  # the list shows masked rows: not a read of one record
    assert len(reads(zhang)) == 1


def test_reads_out_of_scope_or_without_permission_log_nothing(personas, people, nobody):
    zhao = people["zhao"]  # 河湾村: outside the village secretary's branch
    client = logged_in(personas, "village_secretary")
    assert client.get(reverse("members:detail", args=[zhao.pk])).status_code == 404
    assert client.get(reverse("members:detail_tab", args=[zhao.pk, "log"])).status_code == 404
    client.force_login(nobody)
    assert client.get(reverse("members:detail", args=[zhao.pk])).status_code == 403
    assert reads(zhao) == []


def test_the_audit_administrator_finds_who_read_a_member(personas, people):
    zhang, li = people["zhang"], people["li"]
    logged_in(personas, "village_secretary").get(reverse("members:detail", args=[zhang.pk]))
    logged_in(personas, "town_secretary").get(reverse("members:detail", args=[zhang.pk]))
    logged_in(personas, "county_admin").get(reverse("members:detail", args=[li.pk]))
    auditor = logged_in(personas, "auditor")
    page = auditor.get(
        reverse("audit:list"), {"action": READ, "object_type": "members.member", "object_id": zhang.pk}
    ).content.decode()
    assert "village_secretary" in page
    assert "town_secretary" in page
    assert "county_admin" not in page  # read 李秀英, not 张三丰
    assert "共 2 条" in page
    # each event's object links to all events about that record
    assert f"?object_type=members.member&amp;object_id={zhang.pk}" in page
    by_name = auditor.get(reverse("audit:list"), {"action": READ, "object_repr": "李秀英"}).content.decode()
    assert "county_admin" in by_name
    assert "共 1 条" in by_name


def test_reads_stay_out_of_the_change_log_tab(settings, personas, people):
    settings.MEMBER_READ_LOG_SECONDS = 0
    zhang = people["zhang"]
    client = logged_in(personas, "county_admin")
    client.get(reverse("members:detail", args=[zhang.pk]))
    log = client.get(reverse("members:detail_tab", args=[zhang.pk, "log"])).content.decode()
    assert "member.create" in log
    assert READ not in log
    assert len(reads(zhang)) == 2  # the page and the log tab were both read


@pytest.mark.parametrize("url", ["detail", "tab"])
def test_a_read_that_cannot_be_logged_is_not_served(personas, people, monkeypatch, url):
    """AU-05 holds for reads too: no event, no page (503 in Chinese), and the alarm is raised."""
    zhang = people["zhang"]
    client = logged_in(personas, "village_secretary")

    def broken(**fields):
        raise RuntimeError("audit sink down")

    monkeypatch.setattr(audit, "_append", broken)
    target = (
        reverse("members:detail", args=[zhang.pk])
        if url == "detail"
        else reverse("members:detail_tab", args=[zhang.pk, "records"])
    )
    response = client.get(target)
    assert response.status_code == 503
    body = response.content.decode()
    assert "审计记录无法写入" in body
    assert "张三丰" not in body
    monkeypatch.undo()
    assert reads(zhang) == []
